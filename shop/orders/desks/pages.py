"""The order page of every desk: lines with current stock, proofs, history, stock movements, actions."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.admin.views.generic import InspectView

from shop.orders.models import Order, PaymentMethod
from shop.orders.policy import actions_for, may_print, may_see_proofs
from shop.orders.status import UNPAID, OrderStatus
from shop.payments.models import GatewayCallback, GatewayPayment, PaymentProof
from shop.shipping import tracking
from shop.shipping.couriers import courier_code_for, courier_name

from .base import OrderDeskMixin, shipping_overdue_after, verification_overdue_after


def gateway_context(user, order):
    """A TriPay order's channel and callbacks; each links to its body only for those who may open it."""
    if order.payment_method != PaymentMethod.TRIPAY:
        return {"gateway_payment": None, "gateway_callbacks": []}
    callbacks = list(GatewayCallback.objects.filter(order=order).order_by("received_at", "pk"))
    if user.has_perm("shop.view_gatewaycallback"):
        for callback in callbacks:
            callback.url = reverse("shop_tripay_callbacks:inspect", args=[callback.pk])
    return {
        "gateway_payment": GatewayPayment.objects.filter(order=order).first(),
        "gateway_callbacks": callbacks,
    }


def order_record_context(user, order, view):
    """What the order page shows of the order: lines with current stock, proofs, history, stock movements."""
    # Stock is the variant's: the colour or size bought, not the product's total.
    lines = list(order.lines.select_related("product", "variant").order_by("pk"))
    awaiting_stock = order.status in UNPAID
    for line in lines:
        line.current_stock = line.variant.stock
        line.shortfall = max(0, line.quantity - line.variant.stock) if awaiting_stock else 0
    proofs_visible = may_see_proofs(user, order)
    proofs = list(order.payment_proofs.select_related("uploaded_by", "reviewed_by")) if proofs_visible else []
    for proof in proofs:
        proof.url = view.desk_url("proof", order.pk, proof.pk)
    now = timezone.now()
    waiting_since = max(
        (p.created_at for p in proofs if p.status == PaymentProof.Status.SUBMITTED), default=order.created_at
    )
    return {
        "order": order,
        "lines": lines,
        "shortfalls": [line for line in lines if line.shortfall],
        "proofs": proofs,
        # Without it, no proofs is "not shown to you", not "none uploaded".
        "proofs_visible": proofs_visible,
        "latest_proof": next(
            (p for p in proofs if p.status == PaymentProof.Status.SUBMITTED), proofs[0] if proofs else None
        ),
        "events": order.events.select_related("actor"),
        "movements": order.stock_movements.select_related("product", "variant", "actor").order_by("pk"),
        "courier_display": courier_name(courier_code_for(order.courier)) if order.courier else "",
        "waiting_since": waiting_since,
        "verification_overdue": order.status == OrderStatus.WAITING_VERIFICATION
        and waiting_since < now - verification_overdue_after(),
        "shipping_overdue": order.status == OrderStatus.PROCESSED
        and (order.paid_at or order.created_at) < now - shipping_overdue_after(),
        **gateway_context(user, order),
        **(tracking.parcel_context(order) if order.tracking_number else {"parcel": None}),
    }


def order_page_context(user, order, view):
    """The order page of a desk that acts: the record, and the actions and printouts `user` may use."""
    return {
        **order_record_context(user, order, view),
        "actions": [(action, view.desk_url(action.name, order.pk)) for action in actions_for(user, order)],
        "can_print": may_print(user, order),
        "print_urls": {
            "slip": view.desk_url("packing_slip", order.pk),
            "label_a6": view.desk_url("shipping_label", order.pk) + "?ukuran=a6",
            "label_a4": view.desk_url("shipping_label", order.pk) + "?ukuran=a4",
        },
        "tracking_refresh_url": view.desk_url("track", order.pk),
    }


class OrderDetailView(OrderDeskMixin, InspectView):
    template_name = "shop/admin/orders/detail.html"
    fields = ["number"]

    def get_object(self, queryset=None):
        return get_object_or_404(Order.objects.select_related("user"), pk=self.pk)

    def get(self, request, *args, **kwargs):
        if not self.holds(self.object):
            return self.not_held(self.object)
        return super().get(request, *args, **kwargs)

    def get_page_title(self):
        return _("Pesanan %(number)s") % {"number": self.object.number}

    def get_page_subtitle(self):
        return self.object.get_status_display()

    def get_breadcrumbs_items(self):
        return self.desk_breadcrumbs(self.object)

    def get_order_context(self):
        return order_page_context(self.request.user, self.object, self)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.get_order_context())
        return context
