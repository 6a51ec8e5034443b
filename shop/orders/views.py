"""Pesanan Saya: the buyer's orders, how to pay for them, cancelling while unpaid, following the
parcel and confirming it arrived.

A buyer reaches only their own orders; anyone else's order or proof answers 404, as if it did not exist.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from home.models import StoreSettings
from shop.orders.errors import OrderError
from shop.orders.forms import CancelOrderForm
from shop.orders.models import Order, PaymentMethod
from shop.orders.services.cancelling import cancel_order as cancel
from shop.orders.services.completion import refresh_parcel
from shop.orders.services.fulfilment import complete_order
from shop.orders.status import BUYER_CANCELLABLE, OrderStatus
from shop.payments import display, simulation
from shop.payments.forms import PaymentProofForm
from shop.payments.models import PaymentChannel, PaymentProof, PaymentSettings
from shop.shipping import tracking

ORDERS_PER_PAGE = 10


@login_required
def order_list(request):
    orders = Order.objects.filter(user=request.user).prefetch_related("lines")
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("halaman"))
    return render(request, "shop/order_list.html", {"page_obj": page, "orders": page.object_list})


@login_required
def order_detail(request, number):
    order = get_object_or_404(
        Order.objects.select_related("gateway_payment").prefetch_related("lines", "events", "payment_proofs"),
        number=number,
        user=request.user,
    )
    proofs = list(order.payment_proofs.all())
    awaiting_payment = order.status == OrderStatus.PENDING_PAYMENT
    # Past the deadline the expiry job will cancel the order: no more transfers to this order.
    deadline = order.payment_deadline
    deadline_passed = awaiting_payment and deadline is not None and deadline < timezone.now()
    awaiting_payment = awaiting_payment and not deadline_passed
    by_gateway = order.payment_method == PaymentMethod.TRIPAY
    context = {
        "order": order,
        "lines": order.lines.all(),
        # A line that changed no status (a parcel flagged for CS) is the staff's, not the buyer's.
        "timeline": [
            (event, _note_for_buyer(event)) for event in order.events.all() if event.from_status != event.to_status
        ],
        "proofs": proofs,
        "awaiting_payment": awaiting_payment,
        "deadline_passed": deadline_passed,
        "by_gateway": by_gateway,
        "gateway": getattr(order, "gateway_payment", None) if by_gateway else None,
        "can_cancel": order.status in BUYER_CANCELLABLE,
        "is_shipped": order.status in (OrderStatus.SHIPPED, OrderStatus.COMPLETED),
        "can_confirm_receipt": order.status == OrderStatus.SHIPPED,
    }
    if context["is_shipped"]:
        context.update(tracking.parcel_context(order))
    if awaiting_payment and by_gateway:
        context.update(_gateway_payment(order, context["gateway"]))
    elif awaiting_payment:
        # The latest proof was rejected: the buyer needs CS's reason before uploading again.
        context["rejected_proof"] = next((p for p in proofs[:1] if p.status == PaymentProof.Status.REJECTED), None)
        context["bank_accounts"] = [block.value for block in StoreSettings.for_request(request).bank_accounts]
        context["payment_instructions"] = PaymentSettings.load(request_or_site=request).payment_instructions
        context["proof_form"] = PaymentProofForm()
    if context["can_cancel"]:
        context["cancel_form"] = CancelOrderForm()
    return render(request, "shop/order_detail.html", context)


def _gateway_payment(order, gateway):
    """How to pay a gateway order: QR, pay code, steps, and the address the page asks for news at."""
    shown = {"status_url": reverse("shop:order_status", args=[order.number])}
    if gateway is not None:
        shown["instructions"] = display.instructions(gateway.instructions)
        shown["pay_code_is_account"] = PaymentChannel.objects.filter(
            code=gateway.channel_code, group=PaymentChannel.Group.VIRTUAL_ACCOUNT
        ).exists()
        # Only a secure web address becomes a link: the value is TriPay's, not ours.
        shown["checkout_url"] = gateway.checkout_url if gateway.checkout_url.startswith("https://") else ""
        if gateway.qr_string:
            shown["qr_svg"] = display.qr_svg(gateway.qr_string, title=_("Kode QRIS pesanan %s") % order.number)
            shown["qr_png"] = display.qr_png_data_uri(gateway.qr_string)
        shown["simulated_callback"] = simulation.paid_callback(order)
    return shown


@login_required
@require_GET
@never_cache
def order_status(request, number):
    """The buyer's own order's status, asked every few seconds by the order page while payment is awaited."""
    order = get_object_or_404(Order.objects.only("status"), number=number, user=request.user)
    return JsonResponse({"status": order.status, "label": order.get_status_display()})


def _note_for_buyer(event):
    # CS's reason for a rejection or a cancellation is the buyer's business; other notes are internal.
    if event.to_status == OrderStatus.CANCELLED or (
        event.to_status == OrderStatus.PENDING_PAYMENT and event.from_status == OrderStatus.WAITING_VERIFICATION
    ):
        return event.note
    return ""


@login_required
@require_POST
def cancel_order(request, number):
    form = CancelOrderForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["reason"][0])
        return redirect("shop:order_detail", number=number)
    order = get_object_or_404(Order, number=number, user=request.user)
    try:
        # The service decides, under the order's lock, whether the buyer may still cancel.
        cancel(order, request.user, form.cleaned_data["reason"] or gettext_lazy("Dibatalkan oleh pembeli."))
    except OrderError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Pesanan %(number)s dibatalkan.") % {"number": number})
    return redirect("shop:order_detail", number=number)


@login_required
@require_POST
def confirm_receipt(request, number):
    """The buyer's "Pesanan diterima": the parcel arrived, and the order completes."""
    order = get_object_or_404(Order, number=number, user=request.user)
    was_completed = order.status == OrderStatus.COMPLETED
    try:
        complete_order(order, request.user, gettext_lazy("Pembeli menandai pesanan sudah diterima."))
    except OrderError as error:
        messages.error(request, str(error))
    else:
        if was_completed:
            messages.info(request, _("Pesanan %(number)s sudah selesai sebelumnya.") % {"number": number})
        else:
            messages.success(request, _("Terima kasih! Pesanan %(number)s sudah selesai.") % {"number": number})
    return redirect("shop:order_detail", number=number)


@login_required
@require_POST
def refresh_tracking(request, number):
    """The buyer's "Perbarui": ask the courier again, unless the status shown is too fresh to spend the quota on."""
    order = get_object_or_404(Order, number=number, user=request.user)
    report, asked = refresh_parcel(order)
    if report is None:
        messages.info(request, _("Pelacakan otomatis tidak tersedia untuk pesanan ini."))
    elif not asked:
        messages.info(
            request,
            _("Status paket baru saja diperbarui. Coba lagi setelah pukul %(time)s WIB.")
            % {"time": timezone.localtime(report.refreshable_at).strftime("%H:%M")},
        )
    elif report.failure:
        messages.info(request, report.failure_message)
    else:
        messages.success(request, _("Status paket diperbarui."))
    return redirect(reverse("shop:order_detail", args=[number]) + "#pelacakan")
