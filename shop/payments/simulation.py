"""The "Simulasikan pembayaran" button of development: a PAID callback as TriPay would send it, signed.

The page carries the signed body and the browser posts it to the shop's real callback endpoint,
so a payment made this way runs through exactly the code a real TriPay callback does. Only while
simulating (DEBUG on and no TriPay keys) is anything signed: in production, or with real keys,
the shop hands out no signed body at all, and the development key is refused by the callback.
"""

import json
import time

from shop.integrations.tripay import PAID, callback_signature
from shop.orders.models import PaymentMethod
from shop.orders.status import OrderStatus
from shop.payments.gateways.tripay import simulating
from shop.payments.gateways.tripay_simulator import DEVELOPMENT_PRIVATE_KEY


def paid_callback(order):
    """{"body", "signature"} of a PAID callback for `order`, or None when the shop is not simulating TriPay."""
    if not simulating() or order.payment_method != PaymentMethod.TRIPAY:
        return None
    if order.status != OrderStatus.PENDING_PAYMENT or not order.payment_reference:
        return None
    gateway = getattr(order, "gateway_payment", None)
    if gateway is None:
        return None
    fields = {
        "reference": order.payment_reference,
        "merchant_ref": order.number,
        "payment_method": gateway.channel_name,
        "payment_method_code": gateway.channel_code,
        "total_amount": order.total,
        "fee_merchant": 0,
        "fee_customer": order.payment_fee,
        "total_fee": order.payment_fee,
        "amount_received": order.total - order.payment_fee,
        "is_closed_payment": 1,
        "status": PAID,
        "paid_at": int(time.time()),
        "note": None,
    }
    # ASCII-only compact JSON: the browser sends these exact bytes, so the signature holds.
    body = json.dumps(fields, separators=(",", ":"))
    return {"body": body, "signature": callback_signature(DEVELOPMENT_PRIVATE_KEY, body.encode())}
