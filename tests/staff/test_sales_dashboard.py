"""Sales at a glance (issue 17): the owner sees paid revenue and orders, the last 30 days and the best
sellers on the dashboard; CS see only the counts of their own queue, and no revenue reaches their page."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shop.core.money import format_rupiah
from shop.models import Order
from shop.services.orders import cancel_order
from shop.staff.charts import nice_top, revenue_chart, short_rupiah
from shop.staff.sales import SALES_DAYS, DaySales, sales_overview
from tests import factories
from tests.helpers import completed_order, desk_url, processed_order, signed_in, waiting_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

WIB = ZoneInfo("Asia/Jakarta")
# Late on 15 July, Jakarta time: the window of 30 days starts on 16 June.
NOW = datetime(2025, 7, 15, 23, 45, tzinfo=WIB)


def paid_at(order, moment):
    """The order's payment confirmed at `moment` instead of now."""
    Order.objects.filter(pk=order.pk).update(paid_at=moment)
    order.refresh_from_db()
    return order


def total_of(*orders):
    return sum(Order.objects.get(pk=order.pk).total for order in orders)


@pytest.fixture
def products(category):
    return {
        name: factories.product(category=category, stock=500, name=name)
        for name in ("Kopi Gayo", "Teh Tarik", "Gula Aren", "Madu Hutan")
    }


@pytest.fixture
def july(buyer, admin_user, products):
    """Orders of a shop on 15 July 2025 (WIB), each paid at a time that tests one rule."""
    kopi, teh, gula, madu = (products[name] for name in ("Kopi Gayo", "Teh Tarik", "Gula Aren", "Madu Hutan"))
    orders = {
        # Today: 00:15 WIB is still 14 July in UTC, yet it is a sale of the 15th.
        "just_after_midnight": paid_at(processed_order(buyer, (kopi, 2)), datetime(2025, 7, 15, 0, 15, tzinfo=WIB)),
        "this_morning": paid_at(completed_order(buyer, (teh, 5), (kopi, 1)), datetime(2025, 7, 15, 9, 0, tzinfo=WIB)),
        # 23:30 WIB on the 14th (16:30 UTC): yesterday's sale, not today's.
        "late_yesterday": paid_at(completed_order(buyer, (gula, 1)), datetime(2025, 7, 14, 23, 30, tzinfo=WIB)),
        "earlier_this_month": paid_at(completed_order(buyer, (teh, 1)), datetime(2025, 7, 3, 14, 0, tzinfo=WIB)),
        # June: in the chart and the best sellers, not in the month.
        "last_month": paid_at(completed_order(buyer, (kopi, 1)), datetime(2025, 6, 20, 10, 0, tzinfo=WIB)),
        # Before the 30 days began: nowhere.
        "long_ago": paid_at(completed_order(buyer, (madu, 40)), datetime(2025, 6, 15, 23, 0, tzinfo=WIB)),
    }
    # Paid this morning and then cancelled: the money went back, so it is no sale.
    refunded = paid_at(processed_order(buyer, (madu, 30)), datetime(2025, 7, 15, 8, 0, tzinfo=WIB))
    cancel_order(refunded, admin_user, "Pembeli minta batal, dana dikembalikan")
    # Not paid yet.
    waiting_order(buyer, (madu, 20))
    factories.order(buyer, (madu, 10))
    return orders


# --- The figures -------------------------------------------------------------------------------


def test_today_counts_the_orders_paid_today_in_jakarta_and_still_paid(july):
    sales = sales_overview(now=NOW)

    assert sales.today.isoformat() == "2025-07-15"
    assert sales.today_sales.orders == 2
    assert sales.today_sales.revenue == total_of(july["just_after_midnight"], july["this_morning"])


def test_the_month_counts_from_the_first_of_the_month(july):
    sales = sales_overview(now=NOW)

    month = ("just_after_midnight", "this_morning", "late_yesterday", "earlier_this_month")
    assert sales.month_start.isoformat() == "2025-07-01"
    assert sales.month_sales.orders == 4
    assert sales.month_sales.revenue == total_of(*(july[name] for name in month))


def test_a_payment_at_23_30_wib_belongs_to_that_wib_day_whatever_the_viewer_s_time_zone(july):
    with timezone.override("UTC"):
        days = {day.day.isoformat(): day for day in sales_overview(now=NOW).days}

    assert days["2025-07-14"].orders == 1
    assert days["2025-07-14"].revenue == total_of(july["late_yesterday"])
    assert days["2025-07-15"].orders == 2


def test_the_series_has_every_one_of_the_last_30_days_with_zeros(july):
    days = sales_overview(now=NOW).days

    assert len(days) == SALES_DAYS
    assert days[0].day.isoformat() == "2025-06-16" and days[-1].day.isoformat() == "2025-07-15"
    assert [day.day for day in days] == sorted({day.day for day in days})
    sold = {day.day.isoformat(): (day.orders, day.revenue) for day in days if day.orders}
    assert sold == {
        "2025-06-20": (1, total_of(july["last_month"])),
        "2025-07-03": (1, total_of(july["earlier_this_month"])),
        "2025-07-14": (1, total_of(july["late_yesterday"])),
        "2025-07-15": (2, total_of(july["just_after_midnight"], july["this_morning"])),
    }
    assert days[1] == DaySales(days[1].day, 0, 0)


def test_top_products_count_what_sold_in_the_30_days_of_orders_still_paid(july, products):
    top = sales_overview(now=NOW).top_products

    # Madu Hutan's 40 were sold too long ago and its 30 were refunded; unpaid orders sell nothing.
    assert [(product.name, product.quantity) for product in top] == [
        ("Teh Tarik", 6),
        ("Kopi Gayo", 4),
        ("Gula Aren", 1),
    ]
    teh = products["Teh Tarik"]
    assert top[0].revenue == 6 * teh.price and top[0].sku == teh.sku


def test_top_products_are_the_five_best(buyer, category):
    for quantity in range(1, 8):
        processed_order(buyer, (factories.product(category=category, stock=50, name=f"Produk x{quantity}"), quantity))

    top = sales_overview().top_products

    assert [product.quantity for product in top] == [7, 6, 5, 4, 3]


def test_the_figures_take_two_queries_however_many_orders(july, buyer, products, django_assert_num_queries):
    with django_assert_num_queries(2):
        sales_overview(now=NOW)
    for _ in range(3):
        paid_at(completed_order(buyer, (products["Gula Aren"], 2)), datetime(2025, 7, 10, 12, 0, tzinfo=WIB))
    with django_assert_num_queries(2):
        sales_overview(now=NOW)


def test_an_empty_shop_has_zero_everywhere(db):
    sales = sales_overview(now=NOW)

    assert (sales.today_sales.revenue, sales.month_sales.orders, sales.top_products) == (0, 0, ())
    assert all(day.revenue == 0 for day in sales.days) and revenue_chart(sales.days) is None


# --- The chart ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "Rp 0"),
        (950, "Rp 950"),
        (12_345, "Rp 12,3 rb"),
        (750_000, "Rp 750 rb"),
        (999_950, "Rp 1 jt"),
        (1_250_000, "Rp 1,3 jt"),
        (1_500_000, "Rp 1,5 jt"),
        (2_000_000_000, "Rp 2 M"),
    ],
)
def test_chart_labels_are_short_rupiah(amount, text):
    assert short_rupiah(amount) == text


@pytest.mark.parametrize(
    ("peak", "top"), [(9, 10), (1_000_000, 1_000_000), (1_050_000, 1_200_000), (5_300_000, 6_000_000)]
)
def test_the_scale_ends_at_a_round_amount(peak, top):
    assert nice_top(peak) == top


def test_bars_are_as_tall_as_their_day_s_share_of_the_scale(july):
    days = sales_overview(now=NOW).days
    chart = revenue_chart(days)

    assert len(chart.bars) == SALES_DAYS and chart.bars[-1].is_today and not chart.bars[0].is_today
    highest = max(chart.bars, key=lambda bar: bar.revenue)
    assert float(highest.height) == pytest.approx(100 * highest.revenue / chart.top, abs=0.01)
    assert all(bar.height == 0 for bar in chart.bars if not bar.revenue)
    assert all(bar.y >= 0 and bar.y + bar.height <= 100 for bar in chart.bars)
    assert [mark.label for mark in chart.scale] == [short_rupiah(chart.top), short_rupiah(chart.top / 2)]


# --- The dashboard page ------------------------------------------------------------------------


def dashboard(user):
    response = signed_in(user).get("/admin/")
    assert response.status_code == 200
    return response, response.content.decode()


def figure(html, period):
    card = html[html.index(f'data-sales="{period}"') :]
    revenue = re.search(r"data-revenue>([^<]+)<", card).group(1)
    orders = re.search(r"data-orders>(\d+)<", card).group(1)
    return revenue, int(orders)


@pytest.fixture
def today_sales(buyer, admin_user, products):
    """Two orders paid just now, one paid and then cancelled, one waiting for verification."""
    first = processed_order(buyer, (products["Kopi Gayo"], 3))
    second = completed_order(buyer, (products["Teh Tarik"], 1))
    cancel_order(processed_order(buyer, (products["Madu Hutan"], 9)), admin_user, "Stok rusak")
    waiting_order(buyer, (products["Gula Aren"], 1))
    return total_of(first, second)


def test_the_owner_sees_today_s_sales_the_chart_and_the_best_sellers(today_sales, admin_user):
    response, html = dashboard(admin_user)

    assert figure(html, "today") == (format_rupiah(today_sales), 2)
    assert figure(html, "month") == (format_rupiah(today_sales), 2)
    chart = html[html.index("data-revenue-chart") :]
    assert "<svg" in chart and chart.count('class="shop-chart__bar"') == 1
    assert re.search(r"<title>[^<]*: " + re.escape(format_rupiah(today_sales)) + r", 2 pesanan</title>", chart)
    top = html[html.index("data-top-products") :]
    assert top.index("Kopi Gayo") < top.index("Teh Tarik") and "Madu Hutan" not in top
    assert "css/admin-dashboard.css" in html


def test_wagtail_s_pages_images_documents_counts_are_gone(today_sales, admin_user, cs1_user):
    for user in (admin_user, cs1_user):
        response, _html = dashboard(user)
        assert response.context["site_summary"].summary_items == []


@pytest.mark.parametrize("role", ["cs1_user", "cs2_user"])
def test_cs_get_no_revenue_in_their_page(role, today_sales, request):
    response, html = dashboard(request.getfixturevalue(role))

    assert "data-shop-dashboard" in html
    for owner_only in ("data-shop-sales", "data-revenue-chart", "data-top-products", "data-shop-waiting", "shop-chart"):
        assert owner_only not in html
    assert format_rupiah(today_sales) not in html and "Pendapatan" not in html and "Kopi Gayo" not in html
    assert response.context["site_summary"].summary_items == []


def test_the_owner_sees_which_orders_wait_too_long_and_cs_do_not(buyer, products, admin_user, cs2_user, settings):
    settings.SHIPPING_OVERDUE_HOURS = 24
    late = processed_order(buyer, (products["Kopi Gayo"], 1))
    Order.objects.filter(pk=late.pk).update(paid_at=timezone.now() - timedelta(hours=30))
    on_time = processed_order(buyer, (products["Kopi Gayo"], 1))

    _response, html = dashboard(admin_user)

    waiting = html[html.index("data-shop-waiting") :]
    assert late.number in waiting and on_time.number not in waiting
    assert desk_url("all", "inspect", late.pk) in waiting
    assert desk_url("fulfilment", "index") in waiting
    _response, cs_html = dashboard(cs2_user)
    assert "data-shop-waiting" not in cs_html


def test_the_dashboard_s_queries_do_not_grow_with_the_orders(buyer, products, admin_user, settings):
    settings.SHIPPING_OVERDUE_HOURS = 24
    client = signed_in(admin_user)

    def orders_of_every_kind():
        late = processed_order(buyer, (products["Kopi Gayo"], 1))
        Order.objects.filter(pk=late.pk).update(paid_at=timezone.now() - timedelta(hours=30))
        completed_order(buyer, (products["Teh Tarik"], 2))
        waiting_order(buyer, (products["Gula Aren"], 1))

    def queries():
        client.get("/admin/")  # sessions and caches settle on the first visit
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/admin/").status_code == 200
        return len(captured)

    orders_of_every_kind()
    few = queries()
    for _ in range(3):
        orders_of_every_kind()
    assert queries() == few
