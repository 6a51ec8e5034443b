"""Paying for an order: the buyer's proof of transfer, and CS (or a gateway) confirming or rejecting it.

Confirmation is where stock is taken. On PostgreSQL it runs as one database function
(shop/orders/sql/); on MariaDB and SQLite the same steps run from Python. Any change to one
changes the other, and tests/orders/test_parity.py holds them to identical books;
tests/orders/test_sql_fence.py fails when a model change touches the tables the function writes.
"""

import json
from collections import Counter

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.inventory.locks import lock_order, lock_variants
from shop.inventory.models import StockMovement
from shop.inventory.services import move_variant_stock
from shop.notifications import outbox
from shop.orders.errors import InsufficientStock, InvalidTransition, OrderError, Shortage
from shop.orders.models import Order, PaymentMethod
from shop.orders.status import PAID, OrderStatus, require
from shop.payments.models import PaymentProof
from shop.payments.proofs import proof_content_type

from .steps import record_event, refreshed


def submit_payment_proof(order, actor, uploaded_file):
    """Store the buyer's proof of transfer: `pending_payment` -> `waiting_verification`.

    Only JPEG, PNG and PDF up to 5 MB, judged by the file's content, not by its name or the
    browser's content type. After a rejection the order is back in `pending_payment` and the
    buyer may upload again; earlier proofs are kept. Returns the PaymentProof.
    """
    content_type = proof_content_type(uploaded_file)
    original_name = (getattr(uploaded_file, "name", "") or "")[-255:]
    with transaction.atomic():
        locked = lock_order(order)
        require(locked, "submit_proof")
        if locked.payment_method != PaymentMethod.BANK_TRANSFER:
            raise InvalidTransition(_("Pesanan ini dibayar lewat gerbang pembayaran; bukti transfer tidak diperlukan."))
        if locked.payment_deadline and timezone.now() > locked.payment_deadline:
            raise InvalidTransition(_("Batas pembayaran pesanan %(number)s sudah lewat.") % {"number": locked.number})
        proof = PaymentProof(
            order=locked,
            content_type=content_type,
            size=uploaded_file.size,
            original_name=original_name,
            uploaded_by=actor,
        )
        proof.file.save(original_name or "bukti", uploaded_file, save=False)
        try:
            proof.save()
            from_status = locked.status
            locked.status = OrderStatus.WAITING_VERIFICATION
            locked.save(update_fields=["status", "updated_at"])
            record_event(locked, actor, from_status, gettext_lazy("Bukti pembayaran diunggah."))
        except Exception:
            proof.file.delete(save=False)
            raise
    refreshed(order, locked)
    return proof


def confirm_payment(order, actor, *, note=""):
    """Payment received (CS L1, or a verified gateway callback): take the stock, move to `processed`.

    Locks the order, then its variants in ascending primary key (then their products), checks
    every line and takes
    the stock with conditional updates, all in one transaction. An order already paid is
    returned unchanged, so stock is taken once however often this is called.

    When stock is short, raises InsufficientStock naming every short line; the order keeps its
    status and is flagged `needs_attention`, so the queue shows it for CS to cancel and refund.
    The flag is committed before the error is raised, unless the caller's own transaction
    rolls back.

    On PostgreSQL the steps run as one database function: this is the write many CS agents and
    the gateway make at once, and one round trip instead of ten is what lets it keep up
    (bench/confirm). Elsewhere the same steps run from Python.
    """
    return confirm_payment_reporting(order, actor, note=note)[0]


def confirm_payment_reporting(order, actor, *, note=""):
    """confirm_payment that also says whether this call confirmed the order: (order, True), or
    (order, False) when it was paid already. A gateway's callback keeps which of the two it was,
    decided under the same lock and in the same round trip as the confirmation itself."""
    if connection.vendor == "postgresql":
        return _confirm_in_database(order, actor, note=note)
    return _confirm_in_python(order, actor, note=note)


CONFIRM_IN_DATABASE = (
    "SELECT r.outcome, r.shortages, (r.o).* FROM shop_confirm_payment(%s, %s, %s, %s, %s, %s, %s) AS r"
)
# What the database function reports (shop/orders/sql/confirm_payment_v3.sql); a test holds the two to the same set.
MISSING, ALREADY_PAID, INVALID, SHORT, PROCESSED = OUTCOMES = ("missing", "already", "invalid", "short", "processed")
_ORDER_COLUMNS = [field.column for field in Order._meta.concrete_fields]
_ORDER_ATTNAMES = [field.attname for field in Order._meta.concrete_fields]


def _confirm_in_database(order, actor, *, note=""):
    pk = getattr(order, "pk", order)
    # Outside a transaction the one statement is a transaction of its own: no BEGIN and COMMIT
    # round trips. Inside the caller's transaction it is part of that.
    with connection.cursor() as cursor:
        cursor.execute(
            CONFIRM_IN_DATABASE,
            [
                pk,
                getattr(actor, "pk", None),
                note or _("Pembayaran dikonfirmasi."),
                timezone.now(),
                *_short_templates(),
                # Decided here for both paths: the Python one writes the same (outbox.payment_confirmed).
                [str(channel) for channel in outbox.paid_channels()],
            ],
        )
        outcome, shortages, *values = cursor.fetchone()
        columns = [column.name for column in cursor.description[2:]]
    if outcome == MISSING:
        raise Order.DoesNotExist("Order matching query does not exist.")
    # from_db takes values in the model's field order; the table's column order is the migrations'.
    row = dict(zip(columns, values, strict=True))
    locked = Order.from_db(connection.alias, _ORDER_ATTNAMES, [row[column] for column in _ORDER_COLUMNS])
    refreshed(order, locked)
    if outcome == INVALID:
        require(locked, "confirm_payment")
    elif outcome == SHORT:  # the function has flagged the order with the same message
        if isinstance(shortages, str):  # Django has psycopg hand jsonb over as text
            shortages = json.loads(shortages)
        raise InsufficientStock(Shortage(*shortage) for shortage in shortages)
    elif outcome == PROCESSED:
        transaction.on_commit(outbox.kick)  # the function wrote the outbox rows
    return (order if isinstance(order, Order) else locked), outcome == PROCESSED


def _short_templates():
    """InsufficientStock's message and line as PostgreSQL format() templates (positional)."""
    message, line = InsufficientStock.templates()
    message = message.replace("%(names)s", "%1$s")  # "%%" means a literal "%" to both
    for position, name in enumerate(("name", "requested", "available"), 1):
        line = line.replace(f"%({name})s", f"%{position}$s")
    return message, line


def _confirm_in_python(order, actor, *, note=""):
    """confirm_payment for MariaDB and SQLite: the same steps as the database function."""
    error = None
    with transaction.atomic():
        locked = lock_order(order)
        if locked.status in PAID:
            return refreshed(order, locked), False
        require(locked, "confirm_payment")
        needed = Counter()
        for variant_id, quantity in locked.lines.values_list("variant_id", "quantity"):
            needed[variant_id] += quantity
        variants = lock_variants(needed)
        shortages = [
            Shortage(variants[pk].product_id, variants[pk].locked_name, quantity, variants[pk].stock, pk)
            for pk, quantity in sorted(needed.items())
            if variants[pk].stock < quantity
        ]
        if shortages:
            error = InsufficientStock(shortages)
            locked.needs_attention = True
            locked.attention_note = str(error)
            locked.save(update_fields=["needs_attention", "attention_note", "updated_at"])
        else:
            move_variant_stock(
                {pk: -quantity for pk, quantity in needed.items()},
                StockMovement.Reason.SALE,
                actor=actor,
                order=locked,
                note=locked.number,
            )
            now = timezone.now()
            from_status = locked.status
            locked.status = OrderStatus.PROCESSED
            locked.paid_at = locked.paid_at or now
            locked.needs_attention = False
            locked.attention_note = ""
            locked.save(update_fields=["status", "paid_at", "needs_attention", "attention_note", "updated_at"])
            locked.payment_proofs.filter(status=PaymentProof.Status.SUBMITTED).update(
                status=PaymentProof.Status.ACCEPTED, reviewed_by=actor, reviewed_at=now
            )
            record_event(locked, actor, from_status, note or _("Pembayaran dikonfirmasi."))
            outbox.payment_confirmed(locked)
    refreshed(order, locked)
    if error is not None:
        raise error
    return (order if isinstance(order, Order) else locked), True


def reject_payment(order, actor, reason):
    """CS L1 finds no matching transfer: the proof is rejected and the buyer may upload another.

    The order goes back to `pending_payment`; its payment deadline does not move.
    """
    reason = (reason or "").strip()
    if not reason:
        raise OrderError(_("Tuliskan alasan penolakan agar pembeli tahu apa yang harus diperbaiki."))
    with transaction.atomic():
        locked = lock_order(order)
        require(locked, "reject_payment")
        locked.payment_proofs.filter(status=PaymentProof.Status.SUBMITTED).update(
            status=PaymentProof.Status.REJECTED, review_note=reason, reviewed_by=actor, reviewed_at=timezone.now()
        )
        locked.status = OrderStatus.PENDING_PAYMENT
        locked.save(update_fields=["status", "updated_at"])
        record_event(locked, actor, OrderStatus.WAITING_VERIFICATION, reason)
        outbox.payment_rejected(locked)
    return refreshed(order, locked)


def flag_order(order, note):
    """Ask staff to look at an order, saying why; its status and stock stay as they are.

    For what no transition covers: a gateway reporting money in for an order that cannot take it
    (stock gone, already cancelled), or a refund. A note already there is kept after the new one;
    the same note twice is written once.
    """
    with transaction.atomic():
        locked = lock_order(order)
        if locked.needs_attention and note in locked.attention_note.split("\n"):
            return refreshed(order, locked)  # said already: a replayed report must not write it again
        locked.needs_attention = True
        locked.attention_note = "\n".join(part for part in (note, locked.attention_note) if part)[:5000]
        locked.save(update_fields=["needs_attention", "attention_note", "updated_at"])
    return refreshed(order, locked)
