"""Sales at a glance for the owner: paid revenue and orders today and this month, the last 30 days
day by day, and the products that sold most.

What counts as a sale, in every figure here:
- an order whose payment was confirmed (``paid_at``) in the period, by CS L1 or the gateway;
- that is still paid: processed, shipped or completed. An order cancelled after payment has been
  refunded, so it is no income and leaves the figures of the day it was paid;
- for its ``total``: what the buyer transferred (goods, shipping, unique code, payment fee), so
  the day's revenue matches the money in the bank. Top products count goods only (lines).

Days are the shop's days in ``settings.TIME_ZONE`` (Asia/Jakarta): an order paid at 23:30 WIB
belongs to that WIB day, whatever time zone a staff member picked in their Wagtail profile.
The database does the sums: two queries, however many orders the shop has.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from shop.orders.models import Order, OrderLine
from shop.orders.status import PAID

SALES_DAYS = 30
TOP_PRODUCTS = 5


@dataclass(frozen=True)
class Sales:
    """Revenue (whole rupiah) and the number of orders it came from."""

    revenue: int = 0
    orders: int = 0


@dataclass(frozen=True)
class DaySales:
    day: date
    revenue: int = 0
    orders: int = 0


@dataclass(frozen=True)
class ProductSales:
    product_id: int
    name: str
    sku: str
    quantity: int
    revenue: int


@dataclass(frozen=True)
class SalesOverview:
    today: date
    month_start: date
    today_sales: Sales
    month_sales: Sales
    # The last SALES_DAYS days, oldest first and today last; days without a sale are there with 0.
    days: tuple
    top_products: tuple

    @property
    def period_sales(self):
        """All of the last SALES_DAYS days together."""
        return Sales(sum(day.revenue for day in self.days), sum(day.orders for day in self.days))


def shop_time_zone():
    return ZoneInfo(settings.TIME_ZONE)


def _start_of(day, zone):
    return datetime.combine(day, time.min, tzinfo=zone)


def _shop_day(field, offset):
    """The shop's date of a moment stored in UTC, `offset` ahead of it.

    MariaDB converts time zones only when its time-zone tables are loaded (else CONVERT_TZ gives
    NULL, even for UTC), so the database shifts the moment by the offset instead; Indonesia's time
    zones keep one offset all year.
    """
    shifted = ExpressionWrapper(F(field) + offset, output_field=DateTimeField())
    return TruncDate(shifted, tzinfo=UTC)


def paid_between(since, until, via=""):
    """The sales of [since, until): orders paid in it and still paid (`via` "order__" from a line)."""
    return Q(**{f"{via}status__in": PAID, f"{via}paid_at__gte": since, f"{via}paid_at__lt": until})


def sales_overview(now=None):
    """Today's and this month's sales, the last SALES_DAYS days and the TOP_PRODUCTS best sellers."""
    zone = shop_time_zone()
    local_now = (now or timezone.now()).astimezone(zone)
    today = local_now.date()
    first_day = today - timedelta(days=SALES_DAYS - 1)
    month_start = today.replace(day=1)
    until = _start_of(today + timedelta(days=1), zone)

    # One query serves the month and the chart: on the 31st the month reaches back one day further.
    per_day = {
        row["day"]: DaySales(row["day"], row["revenue"], row["orders"])
        for row in Order.objects.filter(paid_between(_start_of(min(first_day, month_start), zone), until))
        .annotate(day=_shop_day("paid_at", local_now.utcoffset()))
        .values("day")
        .annotate(revenue=Sum("total"), orders=Count("pk"))
        .order_by("day")
    }
    month = [sales for day, sales in per_day.items() if day >= month_start]
    days = tuple(per_day.get(day, DaySales(day)) for day in (first_day + timedelta(days=n) for n in range(SALES_DAYS)))
    return SalesOverview(
        today=today,
        month_start=month_start,
        today_sales=Sales(days[-1].revenue, days[-1].orders),
        month_sales=Sales(sum(s.revenue for s in month), sum(s.orders for s in month)),
        days=days,
        top_products=top_products(_start_of(first_day, zone), until),
    )


def top_products(since, until, limit=TOP_PRODUCTS):
    """The products sold most (by quantity) in orders paid in [since, until) and still paid."""
    rows = (
        OrderLine.objects.filter(paid_between(since, until, via="order__"))
        .values("product_id", "product__name", "product__sku")
        .annotate(sold=Sum("quantity"), value=Sum(F("unit_price") * F("quantity")))
        .order_by("-sold", "-value", "product__name")[:limit]
    )
    return tuple(
        ProductSales(row["product_id"], row["product__name"], row["product__sku"], row["sold"], row["value"])
        for row in rows
    )
