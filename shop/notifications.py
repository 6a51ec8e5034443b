"""Emails to buyers and alerts to the owner, sent by the task worker, never on the request path.

Services call the `order_*` functions inside their transaction; the task is enqueued only when
that transaction commits, so a rolled-back change sends nothing. A failed send raises inside the
task, which django-q2 retries (Q_CLUSTER max_attempts); the order itself is never affected.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_q.tasks import async_task

from shop.money import format_rupiah

logger = logging.getLogger(__name__)

BUYER_EMAILS = {
    "placed": "Pesanan {number} diterima — selesaikan pembayaran",
    "paid": "Pembayaran pesanan {number} dikonfirmasi (kuitansi)",
    "rejected": "Bukti transfer pesanan {number} perlu diunggah ulang",
    "shipped": "Pesanan {number} sudah dikirim",
    "cancelled": "Pesanan {number} dibatalkan",
}


def _enqueue(func, *args):
    transaction.on_commit(lambda: async_task(func, *args, group="notifications"))


def order_placed(order):
    _enqueue("shop.notifications.send_buyer_email", order.pk, "placed")
    _enqueue("shop.notifications.alert_owner_new_order", order.pk)


def payment_confirmed(order):
    _enqueue("shop.notifications.send_buyer_email", order.pk, "paid")


def payment_rejected(order):
    _enqueue("shop.notifications.send_buyer_email", order.pk, "rejected")


def order_shipped(order):
    _enqueue("shop.notifications.send_buyer_email", order.pk, "shipped")


def order_cancelled(order):
    _enqueue("shop.notifications.send_buyer_email", order.pk, "cancelled")


def orders_expired(order_ids):
    # One task per expiry batch, not per order: 100,000 expired orders must not mean 100,000 queue rows.
    _enqueue("shop.notifications.send_buyer_emails", list(order_ids), "cancelled")


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
    """Task: one email to the buyer, HTML and plain text, in Indonesian."""
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


def send_buyer_emails(order_ids, kind):
    """Task: the same email to many buyers. A failed one is queued on its own, so it is retried
    without sending the others twice."""
    sent = 0
    for order_id in order_ids:
        try:
            sent += send_buyer_email(order_id, kind)
        except Exception:
            logger.exception("Email %s for order %s failed; queued for retry", kind, order_id)
            async_task("shop.notifications.send_buyer_email", order_id, kind, group="notifications")
    return sent


def alert_owner_new_order(order_id):
    """Task: tell the owner about a new order, by WhatsApp when configured and by email when the store has one."""
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
