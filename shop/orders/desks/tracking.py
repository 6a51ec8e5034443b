"""CS's "Perbarui pelacakan" on an order page: ask the courier after the parcel again and record the answer."""

from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import View
from wagtail.admin import messages

from shop.orders.models import Order
from shop.orders.services.completion import refresh_parcel
from shop.orders.status import OrderStatus

from .base import OrderDeskMixin


class TrackingRefreshView(OrderDeskMixin, View):
    """POST only; the desk's own permission admits (PermissionCheckedMixin), as for its order page."""

    http_method_names = ["post"]

    def post(self, request, pk):
        order = get_object_or_404(Order, pk=pk)
        if not self.holds(order):
            return self.not_held(order)
        report, asked = refresh_parcel(order)
        if report is None:
            messages.warning(request, _("Pelacakan otomatis mati atau kurir pesanan ini tidak dikenal BinderByte."))
        elif not asked:
            messages.info(
                request,
                _("Status paket baru diperbarui; BinderByte ditanya lagi setelah pukul %(time)s.")
                % {"time": timezone.localtime(report.refreshable_at).strftime("%H:%M")},
            )
        elif report.failure:
            messages.warning(request, report.failure_message_for_staff)
        elif Order.objects.filter(pk=order.pk, status=OrderStatus.COMPLETED).exists():
            messages.success(
                request, _("Paket %(number)s sudah diterima menurut kurir; pesanan selesai.") % {"number": order.number}
            )
        else:
            messages.success(request, _("Status paket %(number)s diperbarui.") % {"number": order.number})
        return redirect(self.order_url(order) + "#pelacakan")
