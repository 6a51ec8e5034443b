"""Payments in the Wagtail admin, for the owner: Settings > Pengaturan pembayaran.

The two ways to pay (at least one stays on) and, read-only, how TriPay is connected: the keys
live in the environment only, and the page shows them masked. Which of TriPay's channels to offer
is channels_admin.py; the callbacks TriPay sent are callbacks_admin.py.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList, Panel

from shop.payments.gateways import tripay
from shop.payments.models import PaymentChannel

# Enough of a key to tell which one is set, never enough to use it; short ones show nothing.
SHOWN_KEY_CHARACTERS = 4
SHORTEST_KEY_SHOWN = 12
MASK = "•" * 8
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")


# --- Settings > Pengaturan pembayaran ------------------------------------------------------------


def masked(secret):
    if not secret:
        return ""
    return secret[:SHOWN_KEY_CHARACTERS] + MASK if len(secret) >= SHORTEST_KEY_SHOWN else MASK


def callback_url():
    """The address the owner registers at TriPay; the same one each transaction sends."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("shop:tripay_callback")


def offered_channel_count():
    return PaymentChannel.objects.filter(active=True, offered=True).count()


def tripay_connection():
    """What the settings page says of TriPay: set up or not, which mode, which keys (masked)."""
    url = callback_url()
    keys = {
        "TRIPAY_MERCHANT_CODE": settings.TRIPAY_MERCHANT_CODE,
        "TRIPAY_API_KEY": settings.TRIPAY_API_KEY,
        "TRIPAY_PRIVATE_KEY": settings.TRIPAY_PRIVATE_KEY,
    }
    return {
        "configured": all(keys.values()),
        "missing": [name for name, value in keys.items() if not value],
        "simulating": tripay.simulating(),
        "sandbox": settings.TRIPAY_SANDBOX,
        "merchant_code": settings.TRIPAY_MERCHANT_CODE,
        "api_key": masked(settings.TRIPAY_API_KEY),
        "private_key": masked(settings.TRIPAY_PRIVATE_KEY),
        "callback_url": url,
        "callback_is_local": (urlsplit(url).hostname or "") in LOCAL_HOSTS,
        "offered_count": offered_channel_count(),
        "channels_url": reverse("shop_tripay_channels:index"),
    }


class TripayConnectionPanel(Panel):
    """Read-only: the keys come from the environment, so they are never a form field."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "shop/admin/payments/tripay_connection.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context.update(tripay_connection())
            return context


class PaymentSettingsForm(WagtailAdminModelForm):
    """Refuses a shop in which a buyer could not pay at all."""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("bank_transfer_enabled"):
            return cleaned
        if not cleaned.get("tripay_enabled"):
            raise ValidationError(
                _(
                    "Transfer bank manual dan TriPay tidak boleh mati bersamaan: pembeli tidak akan bisa "
                    "membayar. Nyalakan salah satunya."
                )
            )
        if tripay.client() is None:
            raise ValidationError(
                _(
                    "TriPay belum terpasang (kuncinya belum diisi di .env), jadi transfer bank manual "
                    "belum bisa dimatikan."
                )
            )
        if not offered_channel_count():
            raise ValidationError(
                _(
                    "Belum ada cara bayar TriPay yang aktif dan ditawarkan, jadi transfer bank manual belum bisa "
                    "dimatikan. Pilih dulu cara bayarnya di Pengaturan > Cara bayar TriPay."
                )
            )
        return cleaned


def payment_settings_edit_handler():
    return ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldPanel("bank_transfer_enabled"),
                    FieldPanel("use_unique_code"),
                    FieldPanel("payment_instructions"),
                ],
                heading=gettext_lazy("Transfer bank"),
            ),
            MultiFieldPanel(
                [FieldPanel("tripay_enabled"), TripayConnectionPanel(heading=gettext_lazy("Sambungan TriPay"))],
                heading=gettext_lazy("TriPay"),
            ),
        ],
        base_form_class=PaymentSettingsForm,
    )
