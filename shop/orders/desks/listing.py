"""What a desk's listing shows: columns, filters, and the buttons on each order's row."""

import django_filters
from django import forms
from django.db.models import Count, Max, Prefetch, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem as DropdownItem
from wagtail.admin.ui.tables import Column, StatusFlagColumn, StatusTagColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.widgets import ListingButton
from wagtail.admin.widgets.boolean_radio_select import BooleanRadioSelect

from shop.core.phone import phone_search_digits
from shop.orders.models import Order, PaymentMethod
from shop.orders.policy import actions_for, may_print
from shop.orders.status import OrderStatus
from shop.payments.models import PaymentProof
from shop.shipping.parcels import ParcelState

from .base import OrderDeskMixin

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
    return StatusFlagColumn(
        "needs_attention", label=gettext_lazy("Perhatian"), true_label=gettext_lazy("Perlu perhatian")
    )


# --- Filters ------------------------------------------------------------------------------------


class AttentionFilterSet(WagtailFilterSet):
    needs_attention = django_filters.BooleanFilter(label=gettext_lazy("Perlu perhatian"), widget=BooleanRadioSelect)

    class Meta:
        model = Order
        fields = []


class ParcelFilterSet(AttentionFilterSet):
    # What the hourly schedule last recorded of the parcel (shop.orders.services.completion).
    tracking_state = django_filters.ChoiceFilter(
        label=gettext_lazy("Status paket"), choices=ParcelState.choices, empty_label=gettext_lazy("Semua")
    )


class FulfilmentFilterSet(ParcelFilterSet):
    # No blank choice: the queue is "to ship" unless CS asks for the parcels on their way.
    stage = django_filters.ChoiceFilter(
        label=gettext_lazy("Tahap"),
        field_name="status",
        choices=[
            (OrderStatus.PROCESSED, gettext_lazy("Perlu dikirim")),
            (OrderStatus.SHIPPED, gettext_lazy("Sedang dikirim")),
        ],
        empty_label=None,
    )


class AllOrdersFilterSet(ParcelFilterSet):
    status = django_filters.MultipleChoiceFilter(
        label=gettext_lazy("Status"), choices=OrderStatus.choices, widget=forms.CheckboxSelectMultiple
    )
    payment_method = django_filters.ChoiceFilter(
        label=gettext_lazy("Metode pembayaran"), choices=PaymentMethod.choices, empty_label=gettext_lazy("Semua")
    )
    created_at = django_filters.DateFromToRangeFilter(label=gettext_lazy("Tanggal pesan"), widget=DateRangePickerWidget)


# --- Listing views ------------------------------------------------------------------------------


class OrderIndexView(OrderDeskMixin, IndexView):
    """A desk's listing: only the orders it holds, with the buttons each user may use on each row."""

    def get_base_queryset(self):
        queryset = Order.objects.select_related("user")
        if self.desk_statuses is not None:
            queryset = queryset.filter(status__in=self.desk_statuses)
        return queryset

    def search_queryset(self, queryset):
        found = super().search_queryset(queryset)
        # Phones are kept as +62…, and CS type them as buyers write them: 0812-3456-7890.
        digits = phone_search_digits(self.search_query) if self.is_searching else ""
        return found | queryset.filter(phone__contains=digits) if digits else found

    def get_list_more_buttons(self, instance):
        user = self.request.user
        buttons = [DropdownItem(_("Buka pesanan"), self.order_url(instance), icon_name="view", priority=10)]
        actions = actions_for(user, instance)
        for position, action in enumerate(actions):
            url = self.desk_url(action.name, instance.pk)
            if position == 0 and action.name != "cancel":
                # The step the order waits for is a button on the row; the rest are in the menu.
                buttons.append(ListingButton(action.label, url, icon_name=ACTION_ICONS[action.name], priority=1))
            else:
                buttons.append(
                    DropdownItem(action.label, url, icon_name=ACTION_ICONS[action.name], priority=30 + position)
                )
        if may_print(user, instance):
            for priority, (label, name, query) in enumerate(PRINTOUTS, start=20):
                buttons.append(
                    DropdownItem(
                        label, self.desk_url(name, instance.pk) + query, icon_name="doc-full", priority=priority
                    )
                )
        return buttons


ACTION_ICONS = {
    "confirm": "check",
    "reject": "cross",
    "ship": "arrow-right-full",
    "complete": "success",
    "cancel": "bin",
}
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
