"""Sending what the outbox owes: emails to buyers, and the owner's new-order alert (WhatsApp and email)."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from wagtail.models import Site

from home.models import StoreSettings
from shop.core.money import format_rupiah
from shop.integrations import whatsapp
from shop.notifications.models import Notification
from shop.orders.models import Order

logger = logging.getLogger(__name__)

Kind = Notification.Kind

BUYER_EMAILS = {
    Kind.PLACED: "Pesanan {number} diterima — selesaikan pembayaran",
    Kind.PAID: "Pembayaran pesanan {number} dikonfirmasi (kuitansi)",
    Kind.REJECTED: "Bukti transfer pesanan {number} perlu diunggah ulang",
    Kind.SHIPPED: "Pesanan {number} sudah dikirim",
    Kind.CANCELLED: "Pesanan {number} dibatalkan",
}


def _store():
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
    order = Order.objects.get(pk=order_id)
    store = _store()
    summary = f"Pesanan baru {order.number} dari {order.recipient_name}: {format_rupiah(order.total)}."
    sent = 0
    if whatsapp.is_configured():
        whatsapp.send_to_owner(
            summary, template_parameters=(order.number, order.recipient_name, format_rupiah(order.total))
        )
        sent += 1
    if store.email:
        with translation.override(settings.LANGUAGE_CODE):
            context = _context(order)
            text = render_to_string("email/owner_new_order.txt", context)
        EmailMultiAlternatives(summary, text, settings.DEFAULT_FROM_EMAIL, [store.email]).send()
        sent += 1
    return sent
