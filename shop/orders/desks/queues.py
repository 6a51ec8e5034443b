"""The staff desks for orders, as Wagtail viewsets: one queue per CS layer and every order for the owner.

- Verifikasi Pembayaran (CS Layer 1): proofs waiting for a check, oldest first.
- Pemrosesan Pesanan (CS Layer 2): paid orders to pack and ship, oldest payment first; shipped
  ones to mark completed under the "Sedang dikirim" filter.
- Semua Pesanan (Admin): every order, filters, search and CSV/XLSX export.

Each desk holds the orders of some statuses and admits the holders of its permissions; its
pages and actions are the shared views of this package (pages, actions, printouts). The menu shows a desk only to
those it admits, with the number of orders waiting in it.
"""

from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.sidebar import LinkMenuItem
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.viewsets.model import ModelViewSet

from shop.orders.models import Order
from shop.orders.status import OrderStatus
from shop.staff.viewsets import ReadOnlyViewSetMixin, RupiahColumn, SafeSpreadsheetExportMixin

from .actions import ACTION_VIEWS
from .base import OrderDeskPolicy, shipping_overdue_after, verification_overdue_after
from .listing import (
    AllOrdersFilterSet,
    AttentionFilterSet,
    BuyerColumn,
    FulfilmentFilterSet,
    FulfilmentIndexView,
    OrderIndexView,
    ProofColumn,
    RecipientColumn,
    VerificationIndexView,
    WaitingColumn,
    attention_column,
    order_status_column,
)
from .pages import OrderDetailView
from .printouts import PackingSlipView, PaymentProofFileView, ShippingLabelView
from .tracking import TrackingRefreshView

ORDER_SEARCH_FIELDS = [
    "number",
    "recipient_name",
    "phone",
    "email",
    "user__email",
    "user__first_name",
    "tracking_number",
]


# --- Desks --------------------------------------------------------------------------------------


class OrderDeskViewSet(ReadOnlyViewSetMixin, ModelViewSet):
    """One desk: the orders of `desk_statuses`, for holders of all of `desk_permissions`."""

    model = Order
    icon = "clipboard-list"
    add_to_admin_menu = True
    inspect_view_enabled = True
    copy_view_enabled = False
    search_fields = ORDER_SEARCH_FIELDS
    # Order numbers, phone numbers and resi are matched by substring, which the ORM does everywhere.
    search_backend_name = None
    list_per_page = 50
    index_view_class = OrderIndexView
    inspect_view_class = OrderDetailView
    desk_permissions = ()
    desk_statuses = None
    stay_on_order = False

    @cached_property
    def desk_policy(self):
        return OrderDeskPolicy(self.desk_permissions)

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        view_kwargs.update(
            permission_policy=self.desk_policy,
            url_namespace=self.url_namespace,
            desk_label=self.menu_label,
            desk_statuses=self.desk_statuses,
            stay_on_order=self.stay_on_order,
        )
        return view_kwargs

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(page_title=self.menu_label, **kwargs)

    def get_urlpatterns(self):
        urlpatterns = [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<int:pk>/", self.inspect_view, name="inspect"),
            path("<int:pk>/bukti/<int:proof_id>/", self.construct_view(PaymentProofFileView), name="proof"),
            path("<int:pk>/slip/", self.construct_view(PackingSlipView), name="packing_slip"),
            path("<int:pk>/label/", self.construct_view(ShippingLabelView), name="shipping_label"),
            path("<int:pk>/lacak/", self.construct_view(TrackingRefreshView), name="track"),
        ]
        for name, view_class in ACTION_VIEWS.items():
            urlpatterns.append(path(f"<int:pk>/{ACTION_PATHS[name]}/", self.construct_view(view_class), name=name))
        return urlpatterns

    def waiting_count(self):
        """How many orders wait at this desk, shown on its menu item; None for no count."""
        return None

    @cached_property
    def menu_item_class(self):
        viewset = self

        class DeskMenuItem(MenuItem):
            def is_shown(self, request):
                return viewset.desk_policy.user_has_permission(request.user, "view")

            def render_component(self, request):
                count = viewset.waiting_count()
                label = f"{self.label} ({count})" if count else self.label
                return LinkMenuItem(
                    self.name, label, self.url, icon_name=self.icon_name, classname=self.classname, attrs=self.attrs
                )

        return DeskMenuItem


ACTION_PATHS = {
    "confirm": "konfirmasi",
    "reject": "tolak",
    "cancel": "batalkan",
    "ship": "kirim",
    "complete": "selesai",
}


def _proof_url(viewset_namespace):
    return lambda order, proof: reverse(f"{viewset_namespace}:proof", args=(order.pk, proof.pk))


class PaymentVerificationQueue(OrderDeskViewSet):
    name = "payment_verification"
    url_prefix = "verifikasi-pembayaran"
    menu_label = gettext_lazy("Verifikasi Pembayaran")
    menu_name = "payment-verification"
    menu_icon = "tasks"
    menu_order = 10
    desk_permissions = ("shop.view_order", "shop.confirm_payment")
    desk_statuses = (OrderStatus.WAITING_VERIFICATION,)
    index_view_class = VerificationIndexView
    ordering = ["created_at", "pk"]
    filterset_class = AttentionFilterSet

    @cached_property
    def list_display(self):
        return [
            "number",
            WaitingColumn(
                "proof_waiting_since",
                verification_overdue_after,
                label=gettext_lazy("Menunggu sejak"),
                sort_key="proof_waiting_since",
            ),
            BuyerColumn("user", label=gettext_lazy("Pembeli")),
            RupiahColumn("total", label=gettext_lazy("Jumlah transfer"), sort_key="total"),
            ProofColumn("proof", _proof_url(self.url_namespace), label=gettext_lazy("Bukti")),
            attention_column(),
        ]

    def waiting_count(self):
        return Order.objects.filter(status=OrderStatus.WAITING_VERIFICATION).count()


class FulfilmentQueue(OrderDeskViewSet):
    name = "fulfilment"
    url_prefix = "pemrosesan-pesanan"
    menu_label = gettext_lazy("Pemrosesan Pesanan")
    menu_name = "fulfilment"
    menu_icon = "download"
    menu_order = 20
    desk_permissions = ("shop.view_order", "shop.ship_order")
    desk_statuses = (OrderStatus.PROCESSED, OrderStatus.SHIPPED)
    index_view_class = FulfilmentIndexView
    ordering = ["paid_at", "pk"]
    filterset_class = FulfilmentFilterSet
    list_display = [
        "number",
        WaitingColumn("paid_at", shipping_overdue_after, label=gettext_lazy("Dibayar"), sort_key="paid_at"),
        RecipientColumn("recipient_name", label=gettext_lazy("Penerima"), sort_key="recipient_name"),
        Column("shipping_courier", label=gettext_lazy("Kurir pilihan pembeli")),
        Column("item_count", label=gettext_lazy("Barang")),
        order_status_column(),
        attention_column(),
    ]

    def waiting_count(self):
        return Order.objects.filter(status=OrderStatus.PROCESSED).count()


class AllOrdersIndexView(SafeSpreadsheetExportMixin, OrderIndexView):
    pass


class AllOrdersDesk(OrderDeskViewSet):
    name = "all_orders"
    url_prefix = "pesanan"
    menu_label = gettext_lazy("Semua Pesanan")
    menu_name = "all-orders"
    menu_icon = "list-ul"
    menu_order = 30
    # "Change" orders is the Admin's: CS reach orders only through their own queue.
    desk_permissions = ("shop.view_order", "shop.change_order")
    stay_on_order = True
    ordering = ["-created_at", "-pk"]
    filterset_class = AllOrdersFilterSet
    # Its export holds what buyers typed at checkout.
    index_view_class = AllOrdersIndexView
    list_display = [
        "number",
        DateColumn("created_at", label=gettext_lazy("Tanggal"), sort_key="created_at"),
        BuyerColumn("user", label=gettext_lazy("Pembeli")),
        order_status_column(),
        Column("get_payment_method_display", label=gettext_lazy("Pembayaran")),
        RupiahColumn("total", label=gettext_lazy("Total"), sort_key="total"),
        Column("tracking_number", label=gettext_lazy("Resi")),
        attention_column(),
    ]
    list_export = [
        "number",
        "created_at",
        "get_status_display",
        "user.email",
        "recipient_name",
        "phone",
        "email",
        "street",
        "district",
        "city",
        "province",
        "postal_code",
        "get_payment_method_display",
        "subtotal",
        "shipping_cost",
        "unique_code",
        "total",
        "paid_at",
        "shipping_courier",
        "shipping_service",
        "courier",
        "tracking_number",
        "shipped_at",
        "completed_at",
        "cancelled_at",
        "cancel_reason",
    ]
    export_headings = {
        "number": "Nomor pesanan",
        "created_at": "Tanggal pesan",
        "get_status_display": "Status",
        "user.email": "Email akun pembeli",
        "recipient_name": "Nama penerima",
        "phone": "Telepon",
        "email": "Email",
        "street": "Alamat",
        "district": "Kecamatan",
        "city": "Kota/Kabupaten",
        "province": "Provinsi",
        "postal_code": "Kode pos",
        "get_payment_method_display": "Metode pembayaran",
        "subtotal": "Subtotal",
        "shipping_cost": "Ongkos kirim",
        "unique_code": "Kode unik",
        "total": "Total",
        "paid_at": "Dibayar",
        "shipping_courier": "Kurir pilihan",
        "shipping_service": "Layanan",
        "courier": "Kurir pengiriman",
        "tracking_number": "Nomor resi",
        "shipped_at": "Dikirim",
        "completed_at": "Selesai",
        "cancelled_at": "Dibatalkan",
        "cancel_reason": "Alasan pembatalan",
    }
    export_filename = "pesanan"


payment_verification_queue = PaymentVerificationQueue()
fulfilment_queue = FulfilmentQueue()
all_orders_desk = AllOrdersDesk()
DESKS = (payment_verification_queue, fulfilment_queue, all_orders_desk)
