"""The buyer's proof of transfer (uploading it, and the file itself, also for staff), and TriPay's callback.

A buyer reaches only their own orders' proofs; anyone else's answers 404, as if it did not exist.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shop.orders.errors import OrderError
from shop.orders.models import Order
from shop.orders.policy import may_see_proofs
from shop.orders.services.payment import submit_payment_proof
from shop.payments.forms import PaymentProofForm
from shop.payments.gateways.tripay_callbacks import receive_callback
from shop.payments.models import PaymentProof
from shop.payments.proofs import proof_file_response


@login_required
@require_POST
def upload_payment_proof(request, number):
    order = get_object_or_404(Order, number=number, user=request.user)
    form = PaymentProofForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form.errors["file"][0])
        return redirect("shop:order_detail", number=order.number)
    try:
        submit_payment_proof(order, request.user, form.cleaned_data["file"])
    except OrderError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Bukti transfer terkirim. CS kami akan memeriksanya segera."))
    return redirect("shop:order_detail", number=order.number)


@login_required
def payment_proof_file(request, number, proof_id):
    """Streams a proof from private storage to its buyer, or to staff who verify payments."""
    proof = get_object_or_404(PaymentProof.objects.select_related("order"), pk=proof_id, order__number=number)
    if not may_see_proofs(request.user, proof.order):
        raise Http404
    return proof_file_response(proof)


@csrf_exempt
@require_POST
def tripay_callback(request):
    """TriPay's payment callback: signed by TriPay over the raw body, checked and applied by the gateway."""
    status, answer = receive_callback(
        request.body,
        signature=request.headers.get("X-Callback-Signature"),
        event=request.headers.get("X-Callback-Event"),
    )
    return JsonResponse(answer, status=status)
