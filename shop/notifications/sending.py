"""Sending what the outbox owes, one channel per row: emails to buyers, the owner's new-order alert
by email and by WhatsApp (order events for PostHog are sent by shop.notifications.analytics).

A sender returns once its message was handed to the channel, or raises:
- NotSent: there is nobody to send it to on this channel; not a failure, and never tried again;
- GiveUp: trying again cannot help until the owner changes something; the message says what;
- RetryLater: the channel asks us to slow down; the message itself is fine;
- ChannelDown: the channel did not answer in time or is failing: a failed attempt, and its other
  messages wait for the next run instead of each waiting out the same fault;
- anything else: a failure, tried again by later runs up to outbox.MAX_ATTEMPTS.
"""

import logging
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Site

from home.models import StoreSettings
from shop.checkout.language import buyer_language
from shop.core.money import format_rupiah
from shop.core.text import one_line
from shop.integrations import whatsapp
from shop.notifications.models import Notification
from shop.orders.models import Order

logger = logging.getLogger(__name__)

Kind = Notification.Kind
Channel = Notification.Channel

BUYER_EMAILS = {
    Kind.PLACED: gettext_lazy("Pesanan {number} diterima — selesaikan pembayaran"),
    Kind.PAID: gettext_lazy("Pembayaran pesanan {number} dikonfirmasi (kuitansi)"),
    Kind.REJECTED: gettext_lazy("Bukti transfer pesanan {number} perlu diunggah ulang"),
    Kind.SHIPPED: gettext_lazy("Pesanan {number} sudah dikirim"),
    Kind.COMPLETED: gettext_lazy("Pesanan {number} selesai — terima kasih"),
    Kind.CANCELLED: gettext_lazy("Pesanan {number} dibatalkan"),
}


class NotSent(Exception):
    """Nobody to send to on this channel; str() says why, for the owner."""


class GiveUp(Exception):
    """Trying again cannot help until the owner fixes something; str() says what, for the owner."""


# A site whose hostname is one of these was never given the shop's domain: no link to it leaves the machine.
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", ""}


class RetryLater(Exception):
    """The channel is busy; the next run sends the message."""


class ChannelDown(Exception):
    """The channel is down or too slow; str() says how. Counted as a failed attempt."""


def _store():
    site = Site.objects.filter(is_default_site=True).first()
    return StoreSettings.for_site(site) if site else StoreSettings()


def _store_email():
    # A plain read: owner_channels runs inside the checkout's transaction, where for_site's
    # get_or_create could write the settings row.
    return StoreSettings.objects.filter(site__is_default_site=True).values_list("email", flat=True).first() or ""


def owner_channels():
    """The channels the owner hears of a new order on, as configured now."""
    channels = [Channel.EMAIL] if _store_email() else []
    if whatsapp.is_configured():
        channels.append(Channel.WHATSAPP)
    return channels


def _shop_address():
    """Where buyers reach the shop, for links in emails: BASE_URL when the owner set it, else the address
    of the default site in Wagtail (Settings > Sites), which the owner sets up with the shop's domain."""
    if settings.BASE_URL:
        return settings.BASE_URL.rstrip("/")
    site = Site.objects.filter(is_default_site=True).first()
    if site is not None and site.hostname not in LOCAL_HOSTS:
        return site.root_url
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def _sender(store):
    """The store's name from its settings, at DEFAULT_FROM_EMAIL's address: buyers see who wrote."""
    return formataddr((store.name or "", parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))


def _context(order):
    return {
        "order": order,
        "lines": list(order.lines.all()),
        "store": _store(),
        "order_url": _shop_address() + reverse("shop:order_detail", args=[order.number]),
        "last_event": order.events.order_by("-created_at", "-pk").first(),
    }


def send_buyer_email(order_id, kind):
    """One email to the buyer, HTML and plain text, in the language they ordered in (shop.checkout.language)."""
    order = Order.objects.select_related("user").get(pk=order_id)
    recipient = order.email or order.user.email
    if not recipient:
        raise NotSent(_("Tidak dikirim: pesanan ini tidak punya alamat email pembeli."))
    with translation.override(buyer_language(order.user)):
        context = _context(order)
        subject = str(BUYER_EMAILS[kind]).format(number=order.number)
        text = render_to_string(f"email/order_{kind}.txt", context)
        html = render_to_string(f"email/order_{kind}.html", context)
    message = EmailMultiAlternatives(subject, text, _sender(context["store"]), [recipient])
    message.attach_alternative(html, "text/html")
    message.send()


def _summary(order):
    # One line: it is the email's subject, and a name saved before names were cleaned may hold a line break.
    return one_line(f"Pesanan baru {order.number} dari {order.recipient_name}: {format_rupiah(order.total)}.")


def email_owner_new_order(order_id):
    """The owner's new-order alert by email, to the store's address (Settings → Pengaturan toko)."""
    recipient = _store_email()
    if not recipient:
        raise NotSent(_("Tidak dikirim: alamat email toko dikosongkan setelah pesanan masuk (Pengaturan toko)."))
    order = Order.objects.get(pk=order_id)
    with translation.override(settings.LANGUAGE_CODE):
        context = _context(order)
        text = render_to_string("email/owner_new_order.txt", context)
    EmailMultiAlternatives(_summary(order), text, _sender(context["store"]), [recipient]).send()


def whatsapp_owner_new_order(order_id):
    """The owner's new-order alert by WhatsApp, as WHATSAPP_TEMPLATE when set, else as free text."""
    if not whatsapp.is_configured():
        raise NotSent(
            _(
                "Tidak dikirim: WhatsApp tidak diatur pada proses pengirim "
                "(WHATSAPP_TOKEN, WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_OWNER_NUMBER)."
            )
        )
    order = Order.objects.get(pk=order_id)
    try:
        whatsapp.send_to_owner(
            _summary(order), template_parameters=(order.number, order.recipient_name, format_rupiah(order.total))
        )
    except whatsapp.TokenRejected as error:
        raise GiveUp(
            _(
                "Token WhatsApp ditolak (kode %(code)s: %(detail)s). Buat token baru di Meta, isi WHATSAPP_TOKEN, "
                "jalankan ulang toko, lalu klik “Kirim ulang yang gagal”."
            )
            % {"code": error.code, "detail": error}
        ) from error
    except whatsapp.OutsideWindow as error:
        if settings.WHATSAPP_TEMPLATE:
            raise  # a template may be sent outside the window: not the usual cause, so retried as any failure
        raise GiveUp(
            _(
                "WhatsApp hanya menerima pesan teks biasa dalam 24 jam setelah pemilik terakhir mengirim pesan ke "
                "nomor toko (kode %(code)s). Daftarkan template pesan di WhatsApp Manager dan isi "
                "WHATSAPP_TEMPLATE, lalu klik “Kirim ulang yang gagal”."
            )
            % {"code": error.code}
        ) from error
    except whatsapp.RateLimited as error:
        raise RetryLater(
            _("WhatsApp membatasi jumlah pesan (kode %(code)s); dicoba lagi pada pengiriman berikutnya.")
            % {"code": error.code}
        ) from error
