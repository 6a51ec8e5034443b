"""Emails to buyers and alerts to the owner: written to an outbox with the change, sent by the task worker.

Services call the `order_*` functions inside their transaction. Each writes Notification rows
(shop.notifications.models.Notification), one per message and channel, in that same transaction,
so a committed change always owes its message and a rolled-back one never does, even when the
process dies or the task queue is down right after the commit. On commit, `kick` asks the worker
to run `deliver_notifications` soon; the schedule "Kirim notifikasi" runs it every minute anyway,
so a lost kick only delays a message. A failed send is tried again by the next run, up to
MAX_ATTEMPTS; the order itself is never affected. On PostgreSQL, confirm_payment writes its rows
from the database function (shop/orders/sql/), for the channels `paid_channels` names, and expiry
from one statement, which leaves the channel to the column's database default, email.

When POSTHOG_KEY is set, placing, paying, shipping and completing an order also owe PostHog an
event (shop.notifications.analytics): one more row, on the "posthog" channel, sent like the rest.
"""

import logging
import time

from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_q.tasks import async_task

from shop.notifications import analytics
from shop.notifications.locks import lock_next_unsent
from shop.notifications.models import Notification
from shop.notifications.sending import (
    ChannelDown,
    GiveUp,
    NotSent,
    RetryLater,
    email_owner_new_order,
    owner_channels,
    send_buyer_email,
    whatsapp_owner_new_order,
)

logger = logging.getLogger(__name__)

Kind = Notification.Kind
Channel = Notification.Channel

MAX_ATTEMPTS = 5
# How long a run waits for the database to come back to mark a message it has already sent.
MARK_SENT_PATIENCE = 120
# While a delivery run is queued but not started, more kicks would only queue runs with nothing
# left to do. The run clears the key when it starts (in a shared cache such as Redis); with each
# process's own local-memory cache the key simply expires, so a message waits at most this long.
KICK_KEY = "tokoku:notifications:kick"
KICK_SECONDS = 10
# What came of one try at a row.
SENT, SKIPPED, FAILED, BUSY, DOWN = "sent", "skipped", "failed", "busy", "down"


def order_placed(order):
    # The owner's channels are chosen here, when the order is written, not when it is sent: a shop
    # without WhatsApp (or without a store email) then never owes a message that could only fail,
    # and Settings > Notifikasi lists exactly what was owed. A channel switched off before its row
    # went out is closed by delivery as not sent (sending.NotSent), never counted as a failure.
    owner = [(Kind.OWNER_NEW_ORDER, channel) for channel in owner_channels()]
    _owe(order, *_buyer(Kind.PLACED), *owner)


def paid_channels():
    """The channels a confirmed payment owes its message on: both confirm_payment paths write these."""
    return [Channel.EMAIL, *analytics.channels(Kind.PAID)]


def payment_confirmed(order):
    _owe(order, *((Kind.PAID, channel) for channel in paid_channels()))


def payment_rejected(order):
    _owe(order, (Kind.REJECTED, Channel.EMAIL))


def order_shipped(order):
    _owe(order, *_buyer(Kind.SHIPPED))


def order_completed(order):
    _owe(order, *_buyer(Kind.COMPLETED))


def orders_completed(order_ids):
    """The completed-order messages for each of `order_ids`, in one insert (the schedule completes them in batches)."""
    messages = _buyer(Kind.COMPLETED)
    Notification.objects.bulk_create(
        Notification(kind=kind, channel=channel, order_id=order_id)
        for order_id in order_ids
        for kind, channel in messages
    )
    transaction.on_commit(kick)


def order_cancelled(order):
    _owe(order, (Kind.CANCELLED, Channel.EMAIL))


def orders_expired(order_ids):
    """One row per expired order in one INSERT ... SELECT: a batch of the expiry job can be
    a thousand orders, and building a model instance for each costs more than the insert.
    The channel (email) and `skipped` come from the columns' database defaults."""
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


def _buyer(kind):
    """The buyer's email of `kind`, and its event on each analytics channel that is on."""
    return [(kind, Channel.EMAIL), *((kind, channel) for channel in analytics.channels(kind))]


def _owe(order, *messages):
    """Owe each (kind, channel) of `messages` for `order`."""
    Notification.objects.bulk_create(
        Notification(kind=kind, channel=channel, order_id=order.pk) for kind, channel in messages
    )
    transaction.on_commit(kick)


def kick():
    """Ask the worker to deliver soon. Never raises: the change is committed and its messages are
    in the outbox, so a task queue that is down costs only the wait for the next scheduled run."""
    try:
        if cache.add(KICK_KEY, True, KICK_SECONDS):
            async_task("shop.notifications.outbox.deliver_notifications", group="notifications")
    except Exception:
        logger.exception("Could not queue notification delivery; the scheduled run will send them")


def deliver_notifications():
    """Task: try every notification owed once; returns how many were sent.

    One row at a time, each in its own transaction: the row is locked, handed to its channel, and
    marked sent by the commit right after. So a worker killed in the middle of a run sends again
    at most the one message it was sending when it died (only if the channel had taken it in the
    instant before the commit). Rows another run holds are passed over (SKIP LOCKED), so two runs
    never send the same message. Each row is tried once per run, in ascending pk; a failure keeps
    its error for the Notifikasi screen and waits for the next run.
    """
    cache.delete(KICK_KEY)
    pending = Notification.objects.filter(sent_at__isnull=True, skipped=False, attempts__lt=MAX_ATTEMPTS)
    sent = 0
    last_pk = 0
    # Channels that asked us to slow down, or did not answer: their rows wait for the next run instead
    # of being refused again, or of each waiting out the same timeout.
    busy = set()
    while True:
        outcome = None
        try:
            with transaction.atomic():
                notification = lock_next_unsent(pending.filter(pk__gt=last_pk).exclude(channel__in=busy))
                if notification is None:
                    return sent
                last_pk = notification.pk
                outcome = _attempt(notification)
                notification.save(update_fields=["sent_at", "attempts", "last_error", "skipped"])
        except DatabaseError:
            if outcome != SENT:
                raise
            # The message went out, but the database went away (a restart) before it was marked.
            # This process knows it was sent: mark it once the database is back, or it goes out twice.
            _mark_sent_when_back(notification)
        if outcome == SENT:
            sent += 1
        elif outcome in (BUSY, DOWN):
            busy.add(notification.channel)


def _mark_sent_when_back(notification, *, seconds=MARK_SENT_PATIENCE):
    deadline = time.monotonic() + seconds
    while True:
        connection.close()  # the broken connection; the next query opens a new one
        try:
            Notification.objects.filter(pk=notification.pk, sent_at__isnull=True).update(
                sent_at=notification.sent_at, attempts=notification.attempts, last_error=""
            )
            return
        except DatabaseError:
            if time.monotonic() > deadline:
                logger.error(
                    "Notification %s was sent but could not be marked sent; it may go out again", notification.pk
                )
                raise
            time.sleep(1)


def _attempt(notification):
    """Send one notification and write on it what came of that; returns SENT, SKIPPED, FAILED, BUSY or DOWN."""
    delivered = False
    try:
        # A savepoint: a database error while sending must not spoil the transaction that records it.
        with transaction.atomic():
            _send(notification)
            delivered = True
    except NotSent as reason:
        notification.skipped = True
        notification.last_error = str(reason)
        return SKIPPED
    except RetryLater as reason:
        # Not counted as an attempt: the message is fine, the channel only wants it later.
        notification.last_error = str(reason)
        return BUSY
    except ChannelDown as reason:
        logger.warning(
            "Notification %s (%s, %s) failed: %s", notification.pk, notification.kind, notification.channel, reason
        )
        notification.attempts += 1
        notification.last_error = str(reason)[:2000]
        return DOWN
    except GiveUp as reason:
        logger.warning(
            "Notification %s (%s, %s) given up: %s", notification.pk, notification.kind, notification.channel, reason
        )
        # Given up at once: the Notifikasi screen and "Kirim ulang yang gagal" know such a row by its attempts.
        notification.attempts = max(notification.attempts + 1, MAX_ATTEMPTS)
        notification.last_error = str(reason)
        return FAILED
    except Exception as error:
        # Only the savepoint failed (the database went away) after the channel took the message: it
        # was sent, and recording that must not make it look failed, or it would go out again.
        if not delivered:
            logger.exception(
                "Notification %s (%s, %s) failed", notification.pk, notification.kind, notification.channel
            )
            notification.attempts += 1
            notification.last_error = f"{type(error).__name__}: {error}"[:2000]
            return FAILED
    notification.sent_at = timezone.now()
    notification.attempts += 1
    return SENT


def _send(notification):
    if notification.channel == Channel.POSTHOG:
        analytics.send_order_event(notification)
    elif notification.kind != Kind.OWNER_NEW_ORDER:
        send_buyer_email(notification.order_id, notification.kind)
    elif notification.channel == Channel.WHATSAPP:
        whatsapp_owner_new_order(notification.order_id)
    else:
        email_owner_new_order(notification.order_id)
