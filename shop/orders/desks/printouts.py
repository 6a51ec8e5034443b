"""What a desk hands out on paper or as a file: the proof of transfer, the packing slip and the label."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.generic import TemplateView, View

from home.models import StoreSettings
from shop.core.barcodes import code128_svg
from shop.orders.models import Order
from shop.orders.policy import may_print, may_see_proofs
from shop.payments.models import PaymentProof
from shop.payments.proofs import proof_file_response
from shop.shipping.couriers import courier_code_for, courier_name

from .base import OrderDeskMixin


class PaymentProofFileView(OrderDeskMixin, View):
    """Streams a proof from private storage to staff who verify payments, at a desk that holds its order."""

    def get(self, request, pk, proof_id):
        proof = get_object_or_404(PaymentProof.objects.select_related("order"), pk=proof_id, order_id=pk)
        if not self.holds(proof.order) or not may_see_proofs(request.user, proof.order):
            raise Http404
        return proof_file_response(
            proof, thumbnail=request.GET.get("kecil") == "1", download=request.GET.get("unduh") == "1"
        )


class PrintoutView(OrderDeskMixin, TemplateView):
    """A page made to be printed (packing slip, shipping label): no admin chrome, print CSS only."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.order = get_object_or_404(Order.objects.select_related("user"), pk=kwargs["pk"])

    def get(self, request, *args, **kwargs):
        if not self.holds(self.order):
            return self.not_held(self.order)
        if not may_print(request.user, self.order):
            raise PermissionDenied
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "order": self.order,
                "lines": self.order.lines.order_by("pk"),
                "item_count": sum(line.quantity for line in self.order.lines.all()),
                "store": StoreSettings.for_request(self.request),
                "courier_display": courier_name(courier_code_for(self.order.courier)) if self.order.courier else "",
                "order_url": self.order_url(self.order),
                "printed_at": timezone.now(),
            }
        )
        return context


class PackingSlipView(PrintoutView):
    template_name = "shop/admin/orders/packing_slip.html"


class ShippingLabelView(PrintoutView):
    template_name = "shop/admin/orders/shipping_label.html"
    SIZES = ("a6", "a4")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        size = self.request.GET.get("ukuran", "a6").lower()
        context["size"] = size if size in self.SIZES else "a6"
        order = context["order"]
        context["order_barcode"] = code128_svg(order.number)
        context["tracking_barcode"] = code128_svg(order.tracking_number)
        return context
