"""Manual bank transfer: the buyer transfers, uploads a proof, and CS Layer 1 matches it by amount."""

import random

from shop.orders.models import Order, PaymentMethod
from shop.payments.models import PaymentSettings


def uses_unique_code(payment_method):
    """Only a manual transfer needs a unique amount: a gateway names its order itself."""
    return payment_method == PaymentMethod.BANK_TRANSFER and PaymentSettings.load().use_unique_code


def pick_unique_code(amount, *, also_taken=()):
    """1–999 rupiah added to a transfer so CS can match it; avoids the totals of awaited transfers."""
    awaited = Order.objects.filter(awaited_transfer_total__gt=amount, awaited_transfer_total__lte=amount + 999)
    taken = set(awaited.values_list("awaited_transfer_total", flat=True)) | set(also_taken)
    free = [code for code in range(1, 1000) if amount + code not in taken]
    return random.choice(free or range(1, 1000))
