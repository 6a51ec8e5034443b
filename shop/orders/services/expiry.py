"""The scheduled cancellation of orders left unpaid or unverified past their payment deadline."""

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.inventory.locks import lock_order_batch
from shop.notifications import outbox
from shop.notifications.models import Notification
from shop.orders.models import Order, OrderEvent, PaymentMethod
from shop.orders.status import TRANSITIONS, OrderStatus

from .cancelling import UNVERIFIED_REFUND_NOTE, cancel_order

EXPIRY_BATCH_SIZE = 1000
EXPIRES = TRANSITIONS["expire"]


def expire_unpaid_orders(now=None, *, batch_size=EXPIRY_BATCH_SIZE):
    """Cancel unpaid and unverified orders past their payment deadline; returns how many.

    Works in batches, each its own short transaction with a fixed number of statements whatever
    its size (one on PostgreSQL, five elsewhere): find and lock, write the history and the
    outbox, cancel. So the job never holds thousands of row locks, a failure keeps the batches
    already done, and memory stays flat. Orders a CS is working on at that moment are skipped
    (SKIP LOCKED) and picked up by the next run. No stock is given back because none was
    taken. An expired order whose proof was still awaiting verification is flagged
    `needs_attention`: the buyer may have paid and need a refund. Orders paid through a gateway
    are left to the gateway's schedule, which asks the gateway first (a lost callback must not
    cancel a paid order: shop.payments.gateways.tripay_callbacks).
    """
    now = now or timezone.now()
    legacy_cutoff = now - timedelta(hours=settings.PAYMENT_WINDOW_HOURS)  # orders from before deadlines were stored
    reason = _("Dibatalkan otomatis: batas pembayaran terlewati.")
    expire_batch = _expire_batch_in_one_statement if connection.vendor == "postgresql" else _expire_batch
    expired = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            count, last_pk = expire_batch(now, legacy_cutoff, last_pk, batch_size, reason)
            if not count:
                return expired
            expired += count


def expire_order(order, reason):
    """Cancel one order for its deadline, as the system, only if it is still unpaid; cancelling again changes nothing.

    For a payment gateway's word that its payment expired or failed: an order paid in the
    meantime stays paid.
    """
    return cancel_order(order, None, reason, transition="expire")


def _expire_batch(now, legacy_cutoff, after_pk, batch_size, reason):
    """One batch in five statements: find and lock, write the history and the outbox, cancel (two updates)."""
    overdue = Q(payment_deadline__lte=now) | Q(payment_deadline__isnull=True, created_at__lte=legacy_cutoff)
    batch = lock_order_batch(
        Order.objects.filter(
            overdue, status__in=EXPIRES.sources, payment_method=PaymentMethod.BANK_TRANSFER, pk__gt=after_pk
        ),
        batch_size,
        skip_locked=True,
    )
    if not batch:
        return 0, after_pk
    cancelled_at = timezone.now()
    _record_cancellations(batch, reason, cancelled_at)  # first: it copies each order's status as it was
    # Before the updates: the outbox rows' foreign-key checks on rows this transaction has
    # not yet rewritten cost a fraction of those on rows it has.
    outbox.orders_expired(batch)
    cancelled = {
        "status": EXPIRES.target,
        "cancelled_at": cancelled_at,
        "cancel_reason": reason,
        "updated_at": cancelled_at,
    }
    # Two disjoint updates, so each row is written once. An earlier flag keeps its own note.
    unverified = Q(status=OrderStatus.WAITING_VERIFICATION, needs_attention=False)
    Order.objects.filter(unverified, pk__in=batch).update(
        **cancelled, needs_attention=True, attention_note=str(UNVERIFIED_REFUND_NOTE)
    )
    Order.objects.filter(pk__in=batch).exclude(unverified).update(**cancelled)
    return len(batch), batch[-1]


# The same batch as _expire_batch in one PostgreSQL statement: every row is locked and read once,
# and written once, with no round trips between the steps (bench/expire). Statuses and the
# notification kind come in as parameters from shop.orders.status and the Notification model.
EXPIRE_BATCH_SQL = """
WITH batch AS (
    SELECT id, status, needs_attention FROM shop_order
    WHERE status = ANY(%(expiring)s) AND payment_method = %(manual)s AND id > %(after)s
      AND (payment_deadline <= %(now)s OR (payment_deadline IS NULL AND created_at <= %(legacy_cutoff)s))
    ORDER BY id
    LIMIT %(size)s
    FOR UPDATE SKIP LOCKED
), history AS (
    INSERT INTO shop_orderevent (order_id, actor_id, from_status, to_status, note, created_at)
    SELECT id, NULL, status, %(cancelled)s, %(reason)s, %(at)s FROM batch ORDER BY id
), owed AS (
    INSERT INTO shop_notification (kind, order_id, created_at, sent_at, attempts, last_error)
    SELECT %(kind)s, id, %(at)s, NULL, 0, '' FROM batch ORDER BY id
), cancelled AS (
    UPDATE shop_order o
    SET status = %(cancelled)s, cancelled_at = %(at)s, cancel_reason = %(reason)s, updated_at = %(at)s,
        needs_attention = o.needs_attention OR b.status = %(unverified)s,
        attention_note = CASE WHEN b.status = %(unverified)s AND NOT b.needs_attention
                              THEN %(refund_note)s ELSE o.attention_note END
    FROM batch b
    WHERE o.id = b.id
    RETURNING o.id
)
SELECT count(*), max(id) FROM cancelled
"""


def _expire_batch_in_one_statement(now, legacy_cutoff, after_pk, batch_size, reason):
    with connection.cursor() as cursor:
        cursor.execute(
            EXPIRE_BATCH_SQL,
            {
                "expiring": [status.value for status in EXPIRES.sources],
                "manual": PaymentMethod.BANK_TRANSFER.value,
                "unverified": OrderStatus.WAITING_VERIFICATION.value,
                "cancelled": EXPIRES.target.value,
                "kind": Notification.Kind.CANCELLED.value,
                "after": after_pk,
                "now": now,
                "legacy_cutoff": legacy_cutoff,
                "size": batch_size,
                "reason": reason,
                "at": timezone.now(),
                "refund_note": str(UNVERIFIED_REFUND_NOTE),
            },
        )
        count, last_pk = cursor.fetchone()
    if count:
        transaction.on_commit(outbox.kick)
    return count, last_pk or after_pk


def _record_cancellations(order_ids, note, at):
    """One OrderEvent per locked order, from its current status to cancelled, in one statement.

    INSERT ... SELECT because the ORM has no such thing, and building an OrderEvent per order in
    Python is most of the job's time at tens of thousands of orders.
    """
    quote = connection.ops.quote_name
    event = OrderEvent._meta
    columns = ", ".join(
        quote(event.get_field(name).column)
        for name in ("order", "actor", "from_status", "to_status", "note", "created_at")
    )
    order_id = quote(Order._meta.pk.column)
    placeholders = ", ".join(["%s"] * len(order_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(event.db_table)} ({columns}) "
            f"SELECT {order_id}, NULL, {quote(Order._meta.get_field('status').column)}, %s, %s, %s "
            f"FROM {quote(Order._meta.db_table)} WHERE {order_id} IN ({placeholders})",
            [EXPIRES.target, note, connection.ops.adapt_datetimefield_value(at), *order_ids],
        )
