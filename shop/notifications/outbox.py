"""Emails to buyers and alerts to the owner: written to an outbox with the change, sent by the task worker.

Services call the `order_*` functions inside their transaction. Each writes Notification rows
(shop.notifications.models.Notification) in that same transaction, so a committed change always owes its
message and a rolled-back one never does, even when the process dies or the task queue is down
right after the commit. On commit, `kick` asks the worker to run `deliver_notifications` soon;
the schedule "Kirim notifikasi" runs it every minute anyway, so a lost kick only delays a message.
A failed send is tried again by the next run, up to MAX_ATTEMPTS; the order itself is never affected.
On PostgreSQL, confirm_payment writes its row from the database function (shop/orders/sql/).
"""

import logging

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django_q.tasks import async_task

from shop.notifications.locks import lock_unsent
from shop.notifications.models import Notification
from shop.notifications.sending import alert_owner_new_order, send_buyer_email

logger = logging.getLogger(__name__)

Kind = Notification.Kind

MAX_ATTEMPTS = 5
DELIVERY_BATCH = 50
# While a delivery run is queued but not started, more kicks would only queue runs with nothing
# left to do. The run clears the key when it starts (in a shared cache such as Redis); with each
# process's own local-memory cache the key simply expires, so a message waits at most this long.
KICK_KEY = "tokoku:notifications:kick"
KICK_SECONDS = 10


def order_placed(order):
    _owe(order, Kind.PLACED, Kind.OWNER_NEW_ORDER)


def payment_confirmed(order):
    _owe(order, Kind.PAID)


def payment_rejected(order):
    _owe(order, Kind.REJECTED)


def order_shipped(order):
    _owe(order, Kind.SHIPPED)


def order_cancelled(order):
    _owe(order, Kind.CANCELLED)


def orders_expired(order_ids):
    """One row per expired order in one INSERT ... SELECT: a batch of the expiry job can be
    a thousand orders, and building a model instance for each costs more than the insert."""
    if not order_ids:
        return
    quote = connection.ops.quote_name
    meta = Notification._meta
    columns = ", ".join(
        quote(meta.get_field(name).column) for name in ("kind", "order", "created_at", "attempts", "last_error")
    )
    order_meta = meta.get_field("order").related_model._meta
    order_id = quote(order_meta.pk.column)
    placeholders = ", ".join(["%s"] * len(order_ids))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT %s, {order_id}, %s, 0, '' "
            f"FROM {quote(order_meta.db_table)} WHERE {order_id} IN ({placeholders}) ORDER BY {order_id}",
            [Kind.CANCELLED.value, now, *order_ids],
        )
    transaction.on_commit(kick)


def _owe(order, *kinds):
    Notification.objects.bulk_create(Notification(kind=kind, order_id=order.pk) for kind in kinds)
    transaction.on_commit(kick)


def kick():
    """Ask the worker to deliver soon. Never raises: the change is committed and its messages are
    in the outbox, so a task queue that is down costs only the wait for the next scheduled run."""
    try:
        if cache.add(KICK_KEY, True, KICK_SECONDS):
            async_task("shop.notifications.outbox.deliver_notifications", group="notifications")
    except Exception:
        logger.exception("Could not queue notification delivery; the scheduled run will send them")


def deliver_notifications(batch_size=DELIVERY_BATCH):
    """Task: send every unsent notification once; returns how many were sent.

    Rows another run is sending are skipped (SKIP LOCKED), so two runs never send one message
    twice. A row whose send fails keeps its error and waits for the next run. A message can only
    go out twice if the process dies between sending it and the commit that marks it sent.
    """
    cache.delete(KICK_KEY)
    pending = Notification.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    sent = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = lock_unsent(pending.filter(pk__gt=last_pk), batch_size)
            if not batch:
                return sent
            for notification in batch:
                try:
                    _send(notification)
                except Exception as error:
                    logger.exception("Notification %s (%s) failed", notification.pk, notification.kind)
                    notification.last_error = f"{type(error).__name__}: {error}"[:2000]
                else:
                    notification.sent_at = timezone.now()
                    sent += 1
                notification.attempts += 1
            Notification.objects.bulk_update(batch, ["sent_at", "attempts", "last_error"])
            last_pk = batch[-1].pk


def _send(notification):
    if notification.kind == Kind.OWNER_NEW_ORDER:
        alert_owner_new_order(notification.order_id)
    else:
        send_buyer_email(notification.order_id, notification.kind)
