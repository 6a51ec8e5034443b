"""The staff desks for orders, as Wagtail viewsets: one queue per CS layer and every order for the owner.

- Verifikasi Pembayaran (CS Layer 1): proofs waiting for a check, oldest first.
- Pemrosesan Pesanan (CS Layer 2): paid orders to pack and ship, oldest payment first; shipped
  ones to mark completed under the "Sedang dikirim" filter.
- Semua Pesanan (Admin): every order, filters, search and CSV/XLSX export.

Each desk holds the orders of some statuses and admits the holders of its permissions; its
pages and actions are the shared views of shop/admin/orders.py. The menu shows a desk only to
those it admits, with the number of orders waiting in it.
"""

import django_filters
from django import forms
from django.db.models import Count, Max, Prefetch, Q, Sum
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.menus import MenuItem as DropdownItem
from wagtail.admin.ui.sidebar import LinkMenuItem
from wagtail.admin.ui.tables import Column, DateColumn, StatusFlagColumn, StatusTagColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import ListingButton
from wagtail.admin.widgets.boolean_radio_select import BooleanRadioSelect

from shop.admin import orders as order_views
from shop.admin.catalog import RupiahColumn
from shop.admin.viewsets import ReadOnlyViewSetMixin
from shop.models import Order, OrderStatus, PaymentMethod, PaymentProof

ORDER_SEARCH_FIELDS = ["number", "recipient_name", "phone", "email", "user__email", "user__first_name", "tracking_number"]


# --- Columns ------------------------------------------------------------------------------------


class WaitingColumn(Column):
    """How long an order has waited at this desk, marked when past the desk's target."""

    cell_template_name = "shop/admin/orders/cells/waiting.html"

    def __init__(self, name, overdue_after, **kwargs):
        super().__init__(name, **kwargs)
        self.overdue_after = overdue_after

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        since = context["raw_value"]
        context["since"] = since
        context["overdue"] = bool(since) and since < timezone.now() - self.overdue_after()
        return context


class BuyerColumn(Column):
    """The buyer's account, with the phone CS would call."""

    cell_template_name = "shop/admin/orders/cells/buyer.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["order"] = instance
        return context


class RecipientColumn(BuyerColumn):
    """Who the parcel goes to, and where."""

    cell_template_name = "shop/admin/orders/cells/recipient.html"


class ProofColumn(Column):
    """A thumbnail of the proof waiting for a check (or a PDF link), so CS can tell a bad one at a glance."""

    cell_template_name = "shop/admin/orders/cells/proof.html"

    def __init__(self, name, proof_url, **kwargs):
        super().__init__(name, **kwargs)
        self.proof_url = proof_url

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        proof = instance.waiting_proofs[0] if getattr(instance, "waiting_proofs", None) else None
        context["order"] = instance
        context["proof"] = proof
        context["proof_url"] = self.proof_url(instance, proof) if proof else ""
        return context


def order_status_column():
    return StatusTagColumn(
        "get_status_display",
        label=gettext_lazy("Status"),
        sort_key="status",
        primary=lambda order: order.status in (OrderStatus.WAITING_VERIFICATION, OrderStatus.PROCESSED),
    )


def attention_column():
    return StatusFlagColumn("needs_attention", label=gettext_lazy("Perhatian"), true_label=gettext_lazy("Perlu perhatian"))


# --- Filters ------------------------------------------------------------------------------------


class AttentionFilterSet(WagtailFilterSet):
    needs_attention = django_filters.BooleanFilter(label=gettext_lazy("Perlu perhatian"), widget=BooleanRadioSelect)

    class Meta:
        model = Order
        fields = []


class FulfilmentFilterSet(AttentionFilterSet):
    # No blank choice: the queue is "to ship" unless CS asks for the parcels on their way.
    stage = django_filters.ChoiceFilter(
        label=gettext_lazy("Tahap"),
        field_name="status",
        choices=[(OrderStatus.PROCESSED, gettext_lazy("Perlu dikirim")), (OrderStatus.SHIPPED, gettext_lazy("Sedang dikirim"))],
        empty_label=None,
    )


class AllOrdersFilterSet(AttentionFilterSet):
    status = django_filters.MultipleChoiceFilter(
        label=gettext_lazy("Status"), choices=OrderStatus.choices, widget=forms.CheckboxSelectMultiple
    )
    payment_method = django_filters.ChoiceFilter(
        label=gettext_lazy("Metode pembayaran"), choices=PaymentMethod.choices, empty_label=gettext_lazy("Semua")
    )
    created_at = django_filters.DateFromToRangeFilter(label=gettext_lazy("Tanggal pesan"), widget=DateRangePickerWidget)


# --- Listing views ------------------------------------------------------------------------------


class OrderIndexView(order_views.OrderDeskMixin, IndexView):
    """A desk's listing: only the orders it holds, with the buttons each user may use on each row."""

    def get_base_queryset(self):
        queryset = Order.objects.select_related("user")
        if self.desk_statuses is not None:
            queryset = queryset.filter(status__in=self.desk_statuses)
        return queryset

    def get_list_more_buttons(self, instance):
        user = self.request.user
        buttons = [DropdownItem(_("Buka pesanan"), self.order_url(instance), icon_name="view", priority=10)]
        actions = order_views.actions_for(user, instance)
        for position, action in enumerate(actions):
            url = self.desk_url(action.name, instance.pk)
            if position == 0 and action.name != "cancel":
                # The step the order waits for is a button on the row; the rest are in the menu.
                buttons.append(ListingButton(action.label, url, icon_name=ACTION_ICONS[action.name], priority=1))
            else:
                buttons.append(DropdownItem(action.label, url, icon_name=ACTION_ICONS[action.name], priority=30 + position))
        if order_views.may_print(user, instance):
            for priority, (label, name, query) in enumerate(PRINTOUTS, start=20):
                buttons.append(DropdownItem(label, self.desk_url(name, instance.pk) + query, icon_name="doc-full", priority=priority))
        return buttons


ACTION_ICONS = {"confirm": "check", "reject": "cross", "ship": "arrow-right-full", "complete": "success", "cancel": "bin"}
PRINTOUTS = [
    (gettext_lazy("Cetak slip pengemasan"), "packing_slip", ""),
    (gettext_lazy("Cetak label A6"), "shipping_label", "?ukuran=a6"),
    (gettext_lazy("Cetak label A4"), "shipping_label", "?ukuran=a4"),
]


class VerificationIndexView(OrderIndexView):
    def get_base_queryset(self):
        waiting = PaymentProof.objects.filter(status=PaymentProof.Status.SUBMITTED).order_by("-created_at", "-pk")
        return (
            super()
            .get_base_queryset()
            .annotate(
                proof_waiting_since=Max(
                    "payment_proofs__created_at", filter=Q(payment_proofs__status=PaymentProof.Status.SUBMITTED)
                )
            )
            .prefetch_related(Prefetch("payment_proofs", queryset=waiting, to_attr="waiting_proofs"))
        )


class FulfilmentIndexView(OrderIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().annotate(item_count=Sum("lines__quantity"), line_count=Count("lines"))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.request.GET.get("stage") != OrderStatus.SHIPPED:
            queryset = queryset.filter(status=OrderStatus.PROCESSED)
        return queryset


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
    inspect_view_class = order_views.OrderDetailView
    desk_permissions = ()
    desk_statuses = None
    stay_on_order = False

    @cached_property
    def desk_policy(self):
        return order_views.OrderDeskPolicy(self.desk_permissions)

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
            path("<int:pk>/bukti/<int:proof_id>/", self.construct_view(order_views.PaymentProofFileView), name="proof"),
            path("<int:pk>/slip/", self.construct_view(order_views.PackingSlipView), name="packing_slip"),
            path("<int:pk>/label/", self.construct_view(order_views.ShippingLabelView), name="shipping_label"),
        ]
        for name, view_class in order_views.ACTION_VIEWS.items():
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


ACTION_PATHS = {"confirm": "konfirmasi", "reject": "tolak", "cancel": "batalkan", "ship": "kirim", "complete": "selesai"}


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
                order_views.verification_overdue_after,
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
        WaitingColumn(
            "paid_at", order_views.shipping_overdue_after, label=gettext_lazy("Dibayar"), sort_key="paid_at"
        ),
        RecipientColumn("recipient_name", label=gettext_lazy("Penerima"), sort_key="recipient_name"),
        Column("shipping_courier", label=gettext_lazy("Kurir pilihan pembeli")),
        Column("item_count", label=gettext_lazy("Barang")),
        order_status_column(),
        attention_column(),
    ]

    def waiting_count(self):
        return Order.objects.filter(status=OrderStatus.PROCESSED).count()


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
