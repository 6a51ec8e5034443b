"""What TriPay reports about a payment, from its callback or from asking after a missed one.

Both go through apply_status, so a callback, a replay of it, and the schedule's question agree:
PAID confirms the payment as the system (stock taken atomically, as when CS confirms), EXPIRED
and FAILED cancel an order still unpaid, REFUND is recorded for the owner. Every callback is
kept as a GatewayCallback, genuine or not, with what came of it.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.integrations.tripay import TripayError, TripayRefused, is_valid_callback, parse_callback
from shop.orders.errors import InsufficientStock, InvalidTransition
from shop.orders.models import Order, PaymentMethod
from shop.orders.services.expiry import expire_order
from shop.orders.services.payment import confirm_payment_reporting, flag_order
from shop.orders.status import OrderStatus
from shop.payments.gateways.tripay import client, private_key, simulating
from shop.payments.models import GatewayCallback

logger = logging.getLogger(__name__)

Outcome = GatewayCallback.Outcome
EVENT = "payment_status"
# A callback is a few hundred bytes; anything near this is not TriPay.
MAX_BODY_BYTES = 64 * 1024
KEPT_BODY_CHARACTERS = 10_000
# The schedule asks after gateway orders this close to their deadline, or past it.
RECONCILE_AHEAD = timedelta(minutes=30)
RECONCILE_BATCH = 100
# With TriPay out of reach (keys removed), an unpaid gateway order is cancelled this long after its deadline.
UNREACHABLE_GRACE = timedelta(days=1)


class Refused(Exception):
    def __init__(self, status_code, message):
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def receive_callback(raw_body, *, signature, event):
    """Check and apply one callback; returns (HTTP status, JSON answer) for TriPay."""
    record = GatewayCallback(event=event or "", body=raw_body[:KEPT_BODY_CHARACTERS].decode(errors="replace"))
    try:
        outcome, message = _receive(record, raw_body, signature, event)
    except Refused as refusal:
        if record.signature_valid:
            logger.warning("TriPay callback refused: %s", refusal.message)
        else:
            logger.warning("A callback that TriPay did not sign was refused: %s", refusal.message)
        record.outcome, record.message = Outcome.REFUSED, refusal.message
        _fit(record).save()
        return refusal.status_code, {"success": False, "message": refusal.message}
    record.outcome, record.message = outcome, message
    _fit(record).save()
    return 200, {"success": True}


def _fit(record):
    """Whatever was sent is kept, cut to its columns and without NUL, which PostgreSQL's text refuses."""
    for field in ("event", "status", "reference", "merchant_ref", "message", "body"):
        value = getattr(record, field).replace("\x00", "\ufffd")
        limit = GatewayCallback._meta.get_field(field).max_length
        setattr(record, field, value[:limit] if limit else value)
    return record


def _receive(record, raw_body, signature, event):
    if len(raw_body) > MAX_BODY_BYTES:
        raise Refused(413, "Body too large")
    key = private_key()
    if not key:
        raise Refused(503, "TriPay is not configured in this shop")
    if not is_valid_callback(key, raw_body, signature):
        raise Refused(403, "Invalid signature")
    record.signature_valid = True
    if event != EVENT:
        raise Refused(400, f"Unexpected event {event!r}")
    try:
        callback = parse_callback(raw_body)
    except TripayError as error:
        raise Refused(400, f"Malformed callback: {error}") from None
    record.reference, record.merchant_ref, record.status = callback.reference, callback.merchant_ref, callback.status
    if any("\x00" in value for value in (callback.reference, callback.merchant_ref, callback.status)):
        raise Refused(400, "Malformed callback: NUL in a field")  # PostgreSQL cannot even search for it
    try:  # number is unique: a get, without the ORDER BY that first() would add
        order = Order.objects.select_related("gateway_payment").get(  # its channel's name goes into the history
            number=callback.merchant_ref, payment_method=PaymentMethod.TRIPAY
        )
    except Order.DoesNotExist:
        raise Refused(404, "Unknown merchant_ref") from None
    record.order = order
    if callback.reference != order.payment_reference:
        raise Refused(400, "Reference does not match the order")
    if callback.total_amount != order.total:
        raise Refused(400, f"Amount {callback.total_amount} does not match the order's {order.total}")
    return apply_status(order, callback.status)


def apply_status(order, status):
    """Bring the order in line with what TriPay says of its payment; returns (Outcome, message)."""
    if status == "PAID":
        return _paid(order)
    if status in ("EXPIRED", "FAILED"):
        reason = {
            "EXPIRED": _("Dibatalkan: batas pembayaran TriPay terlewati."),
            "FAILED": _("Dibatalkan: pembayaran TriPay gagal."),
        }[status]
        events = order.events.count()
        try:
            expire_order(order, reason)
        except InvalidTransition:  # paid in the meantime: a paid order does not expire
            return Outcome.UNCHANGED, _("Pesanan sudah %(status)s.") % {"status": order.get_status_display()}
        return (Outcome.CANCELLED if order.events.count() > events else Outcome.UNCHANGED), reason
    if status == "REFUND":
        note = _("TriPay mencatat refund untuk pesanan ini (referensi %(reference)s).") % {
            "reference": order.payment_reference
        }
        flag_order(order, note)
        return Outcome.REFUND, note
    if status == "UNPAID":
        return Outcome.UNCHANGED, _("Belum dibayar.")
    raise Refused(400, f"Unknown status {status!r}")


def _paid(order):
    note = _("Dibayar lewat TriPay (%(channel)s), referensi %(reference)s.") % {
        "channel": getattr(getattr(order, "gateway_payment", None), "channel_name", "TriPay"),
        "reference": order.payment_reference,
    }
    try:
        # Whether this report changed anything is decided under confirm_payment's own lock: a
        # callback that waited while CS confirmed is kept as changing nothing.
        _order, confirmed_now = confirm_payment_reporting(order, None, note=note)
    except InsufficientStock as short:
        # The money is in: the payment must not be lost. The order waits, flagged, for CS to refund.
        flag_order(order, _("TriPay melaporkan LUNAS, tetapi %(short)s Kembalikan dana pembeli.") % {"short": short})
        return Outcome.PAID_SHORT, str(short)
    except InvalidTransition:
        # Paid after it was cancelled (by the buyer, CS, or a deadline): the money must go back.
        flag_order(
            order,
            _("TriPay melaporkan LUNAS untuk pesanan yang sudah %(status)s. Kembalikan dana pembeli.")
            % {"status": order.get_status_display()},
        )
        return Outcome.PAID_SHORT, _("Lunas setelah pesanan %(status)s.") % {"status": order.get_status_display()}
    return (Outcome.PAID if confirmed_now else Outcome.UNCHANGED), note


def reconcile_gateway_orders(now=None):
    """Schedule: ask TriPay after unpaid gateway orders near or past their deadline; returns how many changed.

    A callback lost on the way must neither leave a paid order unconfirmed nor let it be
    cancelled: the expiry job leaves gateway orders to this one, which asks TriPay first.
    """
    now = now or timezone.now()
    due = (
        Order.objects.filter(
            payment_method=PaymentMethod.TRIPAY,
            status=OrderStatus.PENDING_PAYMENT,
            needs_attention=False,
            payment_deadline__lte=now + RECONCILE_AHEAD,
        )
        .select_related("gateway_payment")
        .order_by("payment_deadline", "pk")[:RECONCILE_BATCH]
    )
    api = None if simulating() else client()
    changed = 0
    for order in due:
        if api is None:
            if order.payment_deadline <= now - UNREACHABLE_GRACE:
                expire_order(order, _("Dibatalkan otomatis: batas pembayaran terlewati."))
                changed += 1
            continue
        try:
            status = api.transaction_detail(order.payment_reference).status
        except TripayRefused as refusal:
            # TriPay answered but will not say (e.g. a sandbox order after a switch to production keys).
            # Long past its deadline the order goes to staff, or a batch of such orders would be asked
            # about first on every run and starve the newer ones behind them.
            if order.payment_deadline <= now - UNREACHABLE_GRACE:
                changed += _hand_to_staff(
                    order,
                    "",
                    _("TriPay tidak mau memberi status transaksi %(reference)s: %(message)s. Periksa di dasbor TriPay.")
                    % {"reference": order.payment_reference, "message": refusal},
                )
            continue
        except TripayError:
            logger.warning("Could not ask TriPay about %s; asking again next run", order.number, exc_info=True)
            continue
        if status == "UNPAID" and order.payment_deadline <= now:
            status = "EXPIRED"  # TriPay closes its transaction at the same deadline; ours has passed.
        if status == "UNPAID":
            continue
        try:
            with transaction.atomic():
                outcome, message = apply_status(order, status)
                _record_asked(order, status, outcome, message)
        except Refused:
            changed += _hand_to_staff(
                order,
                status,
                _("TriPay melaporkan status %(status)s yang tidak dikenal toko untuk transaksi %(reference)s.")
                % {"status": status[:50], "reference": order.payment_reference},
            )
            continue
        changed += outcome != Outcome.UNCHANGED
    return changed


def _record_asked(order, status, outcome, message):
    GatewayCallback.objects.create(
        source="reconcile",
        status=status[:50],
        signature_valid=True,
        reference=order.payment_reference,
        merchant_ref=order.number,
        order=order,
        outcome=outcome,
        message=message,
    )


def _hand_to_staff(order, status, note):
    """An answer the shop cannot act on: the order waits, flagged, and the schedule stops asking."""
    logger.warning("TriPay order %s handed to staff: %s", order.number, note)
    with transaction.atomic():
        flag_order(order, note)
        _record_asked(order, status, Outcome.REFUSED, note)
    return 1
