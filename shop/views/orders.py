"""Pesanan Saya: the buyer's orders, paying for them, proofs of transfer, and cancelling while unpaid.

A buyer reaches only their own orders; anyone else's order or proof answers 404, as if it did not exist.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from home.models import StoreSettings
from shop.forms import CancelOrderForm, PaymentProofForm
from shop.models import Order, OrderStatus, PaymentProof, PaymentSettings
from shop.services import orders as order_services

# Once payment is confirmed only CS may cancel, because stock has been taken and money must be refunded.
BUYER_CANCELLABLE = {OrderStatus.PENDING_PAYMENT, OrderStatus.WAITING_VERIFICATION}
ORDERS_PER_PAGE = 10


@login_required
def order_list(request):
    orders = Order.objects.filter(user=request.user).prefetch_related("lines")
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("halaman"))
    return render(request, "shop/order_list.html", {"page_obj": page, "orders": page.object_list})


@login_required
def order_detail(request, number):
    order = get_object_or_404(
        Order.objects.prefetch_related("lines", "events", "payment_proofs"), number=number, user=request.user
    )
    proofs = list(order.payment_proofs.all())
    awaiting_payment = order.status == OrderStatus.PENDING_PAYMENT
    # Past the deadline the expiry job will cancel the order: no more transfers to this order.
    deadline = order.payment_deadline
    deadline_passed = awaiting_payment and deadline is not None and deadline < timezone.now()
    awaiting_payment = awaiting_payment and not deadline_passed
    context = {
        "order": order,
        "lines": order.lines.all(),
        "timeline": [(event, _note_for_buyer(event)) for event in order.events.all()],
        "proofs": proofs,
        "awaiting_payment": awaiting_payment,
        "deadline_passed": deadline_passed,
        "can_cancel": order.status in BUYER_CANCELLABLE,
        "is_shipped": order.status in (OrderStatus.SHIPPED, OrderStatus.COMPLETED),
    }
    if awaiting_payment:
        # The latest proof was rejected: the buyer needs CS's reason before uploading again.
        context["rejected_proof"] = next((p for p in proofs[:1] if p.status == PaymentProof.Status.REJECTED), None)
        context["bank_accounts"] = [block.value for block in StoreSettings.for_request(request).bank_accounts]
        context["payment_instructions"] = PaymentSettings.load(request_or_site=request).payment_instructions
        context["proof_form"] = PaymentProofForm()
    if context["can_cancel"]:
        context["cancel_form"] = CancelOrderForm()
    return render(request, "shop/order_detail.html", context)


def _note_for_buyer(event):
    # CS's reason for a rejection or a cancellation is the buyer's business; other notes are internal.
    if event.to_status == OrderStatus.CANCELLED or (
        event.to_status == OrderStatus.PENDING_PAYMENT and event.from_status == OrderStatus.WAITING_VERIFICATION
    ):
        return event.note
    return ""


@login_required
@require_POST
def upload_payment_proof(request, number):
    order = get_object_or_404(Order, number=number, user=request.user)
    form = PaymentProofForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form.errors["file"][0])
        return redirect("shop:order_detail", number=order.number)
    try:
        order_services.submit_payment_proof(order, request.user, form.cleaned_data["file"])
    except order_services.OrderError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Bukti transfer terkirim. CS kami akan memeriksanya segera."))
    return redirect("shop:order_detail", number=order.number)


@login_required
@require_POST
def cancel_order(request, number):
    form = CancelOrderForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["reason"][0])
        return redirect("shop:order_detail", number=number)
    try:
        with transaction.atomic():
            # Locked until the cancellation commits, so CS cannot confirm the payment in between.
            order = get_object_or_404(Order.objects.select_for_update(), number=number, user=request.user)
            if order.status not in BUYER_CANCELLABLE:
                raise order_services.OrderError(
                    _("Pesanan dengan status %(status)s tidak bisa dibatalkan sendiri. Hubungi kami lewat WhatsApp.")
                    % {"status": order.get_status_display()}
                )
            reason = form.cleaned_data["reason"] or _("Dibatalkan oleh pembeli.")
            order_services.cancel_order(order, request.user, reason)
    except order_services.OrderError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Pesanan %(number)s dibatalkan.") % {"number": number})
    return redirect("shop:order_detail", number=number)


@login_required
def payment_proof_file(request, number, proof_id):
    """Streams a proof from private storage to its buyer, or to staff who may view orders."""
    proof = get_object_or_404(PaymentProof.objects.select_related("order"), pk=proof_id, order__number=number)
    if proof.order.user_id != request.user.pk and not request.user.has_perm("shop.view_order"):
        raise Http404
    try:
        handle = proof.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    extension = proof.file.name.rsplit(".", 1)[-1]
    response = FileResponse(handle, content_type=proof.content_type, filename=f"bukti-{number}-{proof.pk}.{extension}")
    response["Cache-Control"] = "private, no-store"
    return response
