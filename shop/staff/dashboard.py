"""The shop's panel on the Wagtail dashboard: what waits for each person, which products run low,
and for the owner the sales at a glance (shop.staff.sales) and the orders waiting too long.

Each count is shown only to those who can act on it, and links to the screen where they do. The
sales and the waiting orders are for those who see every order (the "Semua Pesanan" desk: the
Admin group); CS see only the counts of their own queue.
"""

from django.conf import settings
from django.db.models import F, Max, Q
from django.forms import Media
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy
from wagtail.admin.ui.components import Component

from shop.catalog.models import ProductVariant
from shop.core.money import format_rupiah
from shop.inventory.stock_history import VARIANT_PARAM
from shop.orders.desks.base import shipping_overdue_after, verification_overdue_after
from shop.orders.desks.queues import all_orders_desk, fulfilment_queue, payment_verification_queue
from shop.orders.models import Order
from shop.orders.status import OrderStatus
from shop.payments.models import PaymentProof
from shop.shipping.parcels import ParcelState
from shop.staff.charts import revenue_chart
from shop.staff.sales import SALES_DAYS, sales_overview

LOW_STOCK_LISTED = 8
# Orders listed under each "waiting too long" heading; the desk behind the link has the rest.
WAITING_LISTED = 5


def overdue_verifications():
    """Orders whose proof has waited for CS L1 longer than the target."""
    cutoff = timezone.now() - verification_overdue_after()
    return (
        Order.objects.filter(status=OrderStatus.WAITING_VERIFICATION)
        .annotate(
            waiting_since=Max(
                "payment_proofs__created_at", filter=Q(payment_proofs__status=PaymentProof.Status.SUBMITTED)
            )
        )
        .filter(Q(waiting_since__lt=cutoff) | Q(waiting_since__isnull=True, created_at__lt=cutoff))
    )


def overdue_shipments():
    """Paid orders that have waited for CS L2 longer than the target."""
    cutoff = timezone.now() - shipping_overdue_after()
    return Order.objects.filter(status=OrderStatus.PROCESSED, paid_at__lt=cutoff)


def problem_parcels():
    """Shipped orders whose parcel the courier reports lost or returned: CS must call the courier and the buyer."""
    return Order.objects.filter(status=OrderStatus.SHIPPED, tracking_state=ParcelState.PROBLEM)


def on_sale_variants():
    """Stock runs low or out per variant: one colour of a hijab sold out is worth a look."""
    return ProductVariant.objects.filter(is_active=True, product__is_active=True)


def low_stock_variants():
    return on_sale_variants().filter(stock__gt=0, stock__lte=settings.LOW_STOCK_THRESHOLD)


def out_of_stock_variants():
    return on_sale_variants().filter(stock__lte=0)


def drop_content_counts(summary_items):
    """Leave out Wagtail's "Pages / Images / Documents" counts: the shop's panel says what matters."""
    summary_items[:] = [item for item in summary_items if not type(item).__module__.startswith("wagtail.")]


class ShopDashboardPanel(Component):
    name = "shop_desks"
    template_name = "shop/admin/dashboard/panel.html"
    order = 50
    media = Media(css={"all": ["css/admin-dashboard.css"]})

    def tiles(self, user):
        tiles = []

        def admitted(desk):
            return desk.desk_policy.user_has_permission(user, "view")

        def add(label, count, url, urgent=False, key=""):
            tiles.append({"key": key, "label": label, "count": count, "url": url, "urgent": urgent and count > 0})

        if admitted(payment_verification_queue):
            url = reverse(payment_verification_queue.get_url_name("index"))
            add(gettext_lazy("Menunggu verifikasi"), payment_verification_queue.waiting_count(), url)
            add(
                gettext_lazy("Verifikasi terlambat"),
                overdue_verifications().count(),
                url,
                urgent=True,
                key="overdue_verifications",
            )
        if admitted(fulfilment_queue):
            url = reverse(fulfilment_queue.get_url_name("index"))
            add(gettext_lazy("Perlu dikirim"), fulfilment_queue.waiting_count(), url)
            add(
                gettext_lazy("Pengiriman terlambat"),
                overdue_shipments().count(),
                url,
                urgent=True,
                key="overdue_shipments",
            )
        # One tile, on the desk the user works at: CS L2's queue, else every order for the owner.
        problem_query = f"?tracking_state={ParcelState.PROBLEM}"
        if admitted(fulfilment_queue):
            problem_url = (
                reverse(fulfilment_queue.get_url_name("index")) + f"{problem_query}&stage={OrderStatus.SHIPPED}"
            )
        elif admitted(all_orders_desk):
            problem_url = reverse(all_orders_desk.get_url_name("index")) + problem_query
        else:
            problem_url = None
        if problem_url:
            add(
                gettext_lazy("Paket bermasalah"),
                problem_parcels().count(),
                problem_url,
                urgent=True,
                key="problem_parcels",
            )
        if admitted(all_orders_desk):
            add(
                gettext_lazy("Pesanan perlu perhatian"),
                Order.objects.filter(needs_attention=True).count(),
                reverse(all_orders_desk.get_url_name("index")) + "?needs_attention=true",
                urgent=True,
            )
        if user.has_perm("shop.adjust_stock"):
            products_url = reverse("wagtailsnippets_shop_product:list")
            add(
                gettext_lazy("Stok menipis"),
                low_stock_variants().count(),
                products_url + "?stock_state=low",
                urgent=True,
            )
            add(
                gettext_lazy("Stok habis"),
                out_of_stock_variants().count(),
                products_url + "?stock_state=out",
                urgent=True,
            )
        return tiles

    def waiting_too_long(self, tiles):
        """The oldest orders behind each late tile, for the owner to chase; the tile links to the rest."""
        late = {tile["key"]: tile for tile in tiles if tile["key"] and tile["count"]}
        groups = [
            (
                "overdue_verifications",
                gettext_lazy("Bukti transfer belum diperiksa"),
                overdue_verifications().order_by(F("waiting_since").asc(nulls_first=True), "pk"),
                gettext_lazy("bukti dikirim"),
                lambda order: order.waiting_since or order.created_at,
                lambda order: format_rupiah(order.total),
            ),
            (
                "overdue_shipments",
                gettext_lazy("Sudah dibayar, belum dikirim"),
                overdue_shipments().order_by("paid_at", "pk"),
                gettext_lazy("dibayar"),
                lambda order: order.paid_at,
                lambda order: order.shipping_courier,
            ),
            (
                "problem_parcels",
                gettext_lazy("Paket bermasalah"),
                problem_parcels().order_by("shipped_at", "pk"),
                gettext_lazy("dikirim"),
                lambda order: order.shipped_at,
                lambda order: " · ".join(filter(None, [order.courier, order.tracking_number, order.tracking_status])),
            ),
        ]
        return [
            {
                "label": label,
                "count": late[key]["count"],
                "url": late[key]["url"],
                "orders": [
                    {
                        "number": order.number,
                        "url": reverse(all_orders_desk.get_url_name("inspect"), args=[order.pk]),
                        "recipient": order.recipient_name,
                        "event": event,
                        "since": since(order),
                        "detail": detail(order),
                    }
                    for order in orders[:WAITING_LISTED]
                ],
            }
            for key, label, orders, event, since, detail in groups
            if key in late
        ]

    def get_context_data(self, parent_context):
        user = parent_context["request"].user
        tiles = self.tiles(user)
        context = {"tiles": tiles, "low_stock": [], "threshold": settings.LOW_STOCK_THRESHOLD, "sales": None}
        if user.has_perm("shop.adjust_stock"):
            context["low_stock"] = [
                {
                    "name": variant.display_name,
                    "sku": variant.sku,
                    "stock": variant.stock,
                    "adjust_url": reverse("shop_stock:adjust", args=[variant.product_id])
                    + ("?" + urlencode({VARIANT_PARAM: variant.pk}) if variant.label else ""),
                }
                for variant in low_stock_variants()
                .select_related("product")
                .order_by("stock", "product__name", "sort_order", "pk")[:LOW_STOCK_LISTED]
            ]
        # Revenue is the owner's: it is left out of the page itself, not hidden from the eye.
        if all_orders_desk.desk_policy.user_has_permission(user, "view"):
            sales = sales_overview()
            context.update(
                sales=sales,
                sales_days=SALES_DAYS,
                chart=revenue_chart(sales.days),
                waiting=self.waiting_too_long(tiles),
                top_products=[
                    {"sales": product, "url": reverse("wagtailsnippets_shop_product:edit", args=[product.product_id])}
                    for product in sales.top_products
                ],
            )
        return context

    def render_html(self, parent_context=None):
        context = self.get_context_data(parent_context)
        if not context["tiles"]:
            return ""
        return get_template(self.template_name).render(context)
