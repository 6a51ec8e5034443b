"""Emails to buyers and alerts to the owner: written to an outbox with the change, sent by the task worker.

Services call the `order_*` functions inside their transaction. Each writes Notification rows
(shop.models.Notification) in that same transaction, so a committed change always owes its
message and a rolled-back one never does, even when the process dies or the task queue is down
right after the commit. On commit, `kick` asks the worker to run `deliver_notifications` soon;
the schedule "Kirim notifikasi" runs it every minute anyway, so a lost kick only delays a message.
A failed send is tried again by the next run, up to MAX_ATTEMPTS; the order itself is never affected.
On PostgreSQL, confirm_payment writes its row from the database function (shop migration 0007).
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_q.tasks import async_task

from shop.models import Notification
from shop.money import format_rupiah

logger = logging.getLogger(__name__)

Kind = Notification.Kind

BUYER_EMAILS = {
    Kind.PLACED: "Pesanan {number} diterima — selesaikan pembayaran",
    Kind.PAID: "Pembayaran pesanan {number} dikonfirmasi (kuitansi)",
    Kind.REJECTED: "Bukti transfer pesanan {number} perlu diunggah ulang",
    Kind.SHIPPED: "Pesanan {number} sudah dikirim",
    Kind.CANCELLED: "Pesanan {number} dibatalkan",
}

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
    columns = ", ".join(quote(meta.get_field(name).column) for name in ("kind", "order", "created_at", "attempts", "last_error"))
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
            async_task("shop.notifications.deliver_notifications", group="notifications")
    except Exception:
        logger.exception("Could not queue notification delivery; the scheduled run will send them")


def deliver_notifications(batch_size=DELIVERY_BATCH):
    """Task: send every unsent notification once; returns how many were sent.

    Rows another run is sending are skipped (SKIP LOCKED), so two runs never send one message
    twice. A row whose send fails keeps its error and waits for the next run. A message can only
    go out twice if the process dies between sending it and the commit that marks it sent.
    """
    cache.delete(KICK_KEY)
    skip_locked = connection.features.has_select_for_update_skip_locked
    pending = Notification.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS).order_by("pk")
    sent = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(pending.filter(pk__gt=last_pk).select_for_update(skip_locked=skip_locked)[:batch_size])
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


def _store():
    from wagtail.models import Site

    from home.models import StoreSettings

    site = Site.objects.filter(is_default_site=True).first()
    return StoreSettings.for_site(site) if site else StoreSettings()


def _context(order):
    return {
        "order": order,
        "lines": list(order.lines.all()),
        "store": _store(),
        "order_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("shop:order_detail", args=[order.number]),
        "last_event": order.events.order_by("-created_at", "-pk").first(),
    }


def send_buyer_email(order_id, kind):
    """One email to the buyer, HTML and plain text, in Indonesian."""
    from shop.models import Order

    order = Order.objects.select_related("user").get(pk=order_id)
    recipient = order.email or order.user.email
    if not recipient:
        logger.warning("Order %s has no email address; %s email not sent", order.number, kind)
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        context = _context(order)
        subject = BUYER_EMAILS[kind].format(number=order.number)
        text = render_to_string(f"email/order_{kind}.txt", context)
        html = render_to_string(f"email/order_{kind}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [recipient])
    message.attach_alternative(html, "text/html")
    return message.send()


def alert_owner_new_order(order_id):
    """Tell the owner about a new order, by WhatsApp when configured and by email when the store has one."""
    from shop.integrations import whatsapp
    from shop.models import Order

    order = Order.objects.get(pk=order_id)
    store = _store()
    summary = f"Pesanan baru {order.number} dari {order.recipient_name}: {format_rupiah(order.total)}."
    sent = 0
    if whatsapp.is_configured():
        whatsapp.send_to_owner(summary, template_parameters=(order.number, order.recipient_name, format_rupiah(order.total)))
        sent += 1
    if store.email:
        with translation.override(settings.LANGUAGE_CODE):
            context = _context(order)
            text = render_to_string("email/owner_new_order.txt", context)
        EmailMultiAlternatives(summary, text, settings.DEFAULT_FROM_EMAIL, [store.email]).send()
        sent += 1
    return sent
