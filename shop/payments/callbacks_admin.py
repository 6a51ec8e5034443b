"""Settings > Callback TriPay: every callback TriPay sent, and every answer the schedule got by asking, for the owner.

Read-only: the rows are written by the gateway (tripay_callbacks.py). The owner sees whether a
callback was genuine and what came of it, and can read the body it carried.
"""

import json

import django_filters
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.boolean_radio_select import BooleanRadioSelect

from shop.payments.models import GatewayCallback
from shop.staff.viewsets import ReadOnlyViewSetMixin

Outcome = GatewayCallback.Outcome

SOURCES = {
    "callback": gettext_lazy("Callback dari TriPay"),
    "reconcile": gettext_lazy("Ditanyakan ke TriPay (terjadwal)"),
}
# Outcomes the owner may have to act on (a refund to make, a forged or broken callback to look at).
NEEDS_A_LOOK = (Outcome.PAID_SHORT, Outcome.REFUND, Outcome.REFUSED)


def source_label(callback):
    return SOURCES.get(callback.source, callback.source)


def exact_time(moment):
    return date_format(timezone.localtime(moment), "j M Y H:i:s")


def order_url(callback):
    return reverse("all_orders:inspect", args=[callback.order_id]) if callback.order_id else ""


def readable_body(body):
    """The body as sent, indented when it is JSON, so the owner can read what TriPay said."""
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body


class CallbackFilterSet(WagtailFilterSet):
    outcome = django_filters.ChoiceFilter(
        label=gettext_lazy("Hasil"), choices=Outcome.choices, empty_label=gettext_lazy("Semua")
    )
    signature_valid = django_filters.BooleanFilter(label=gettext_lazy("Tanda tangan sah"), widget=BooleanRadioSelect)
    source = django_filters.ChoiceFilter(
        label=gettext_lazy("Sumber"), choices=list(SOURCES.items()), empty_label=gettext_lazy("Semua")
    )

    class Meta:
        model = GatewayCallback
        fields = []


class ReceivedColumn(TitleColumn):
    """When it came, to the second, linked to the body it carried."""

    def get_value(self, instance):
        return exact_time(instance.received_at)


class OrderColumn(Column):
    """The order number, linked to the order in Semua Pesanan; a callback for no known order shows TriPay's."""

    cell_template_name = "shop/admin/payments/order_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["number"] = instance.order.number if instance.order_id else instance.merchant_ref
        context["url"] = order_url(instance)
        return context


class OutcomeColumn(Column):
    cell_template_name = "shop/admin/payments/outcome_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["callback"] = instance
        context["paid"] = instance.outcome == Outcome.PAID
        context["needs_a_look"] = instance.outcome in NEEDS_A_LOOK
        return context


class SignatureColumn(Column):
    cell_template_name = "shop/admin/payments/signature_cell.html"


class CallbackIndexView(IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("order")


class CallbackInspectView(InspectView):
    template_name = "shop/admin/payments/callback_inspect.html"

    def get_page_title(self):
        return gettext_lazy("Callback TriPay")

    def get_received_at_display_value(self):
        return exact_time(self.object.received_at)

    def get_source_display_value(self):
        return source_label(self.object)

    def get_signature_valid_display_value(self):
        return gettext_lazy("Sah") if self.object.signature_valid else gettext_lazy("Tidak sah")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["body"] = readable_body(self.object.body)
        context["order_number"] = self.object.order.number if self.object.order_id else self.object.merchant_ref
        context["order_url"] = order_url(self.object)
        return context


class GatewayCallbackViewSet(ReadOnlyViewSetMixin, ModelViewSet):
    model = GatewayCallback
    icon = "resubmit"
    menu_label = gettext_lazy("Callback TriPay")
    menu_name = "tripay-callbacks"
    name = "shop_tripay_callbacks"
    url_prefix = "callback-tripay"
    add_to_settings_menu = True
    inspect_view_enabled = True
    copy_view_enabled = False
    index_view_class = CallbackIndexView
    inspect_view_class = CallbackInspectView
    # The order comes first, linked, from the template; the body last, indented.
    inspect_view_fields = [
        "received_at",
        "source",
        "event",
        "status",
        "signature_valid",
        "reference",
        "outcome",
        "message",
    ]
    filterset_class = CallbackFilterSet
    search_fields = ["merchant_ref", "reference", "order__number"]
    search_backend_name = None
    list_per_page = 50
    ordering = ["-received_at", "-pk"]
    list_display = [
        ReceivedColumn(
            "received_at",
            label=gettext_lazy("Diterima"),
            sort_key="received_at",
            get_url=lambda callback: reverse("shop_tripay_callbacks:inspect", args=[callback.pk]),
        ),
        OrderColumn("merchant_ref", label=gettext_lazy("Pesanan")),
        Column("source", label=gettext_lazy("Sumber"), accessor=source_label),
        Column("status", label=gettext_lazy("Status TriPay"), accessor=lambda callback: callback.status or "—"),
        SignatureColumn("signature_valid", label=gettext_lazy("Tanda tangan")),
        OutcomeColumn("outcome", label=gettext_lazy("Hasil"), accessor="get_outcome_display"),
        Column("message", label=gettext_lazy("Keterangan")),
    ]

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<int:pk>/", self.inspect_view, name="inspect"),
        ]


gateway_callbacks_viewset = GatewayCallbackViewSet()
