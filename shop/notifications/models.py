from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An email, alert or analytics event an order change owes someone, on one channel: the shop's outbox.

    Written in the same transaction as the change itself, so a committed change always has its
    message and a rolled-back one never does, whatever happens to the process or the task queue
    afterwards. shop.notifications.outbox.deliver_notifications sends them and sets `sent_at`.
    A message for several channels (the owner's new-order alert) is one row per channel, so each
    is sent, retried and given up on its own.
    """

    class Kind(models.TextChoices):
        PLACED = "placed", _("Pesanan diterima (pembeli)")
        PAID = "paid", _("Pembayaran dikonfirmasi (pembeli)")
        REJECTED = "rejected", _("Bukti transfer ditolak (pembeli)")
        SHIPPED = "shipped", _("Pesanan dikirim (pembeli)")
        COMPLETED = "completed", _("Pesanan selesai (pembeli)")
        CANCELLED = "cancelled", _("Pesanan dibatalkan (pembeli)")
        OWNER_NEW_ORDER = "owner_new_order", _("Pesanan baru (pemilik toko)")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        WHATSAPP = "whatsapp", _("WhatsApp")
        POSTHOG = "posthog", _("PostHog")

    kind = models.CharField(_("jenis"), max_length=20, choices=Kind.choices)
    # Database defaults as well as Python ones: the expiry statement inserts rows naming only the
    # columns older than these two, and so did the first PostgreSQL function
    # (shop/orders/sql/confirm_payment_v1.sql), which databases ran until migration 0016.
    channel = models.CharField(
        _("saluran"), max_length=10, choices=Channel.choices, default=Channel.EMAIL, db_default=Channel.EMAIL
    )
    order = models.ForeignKey(
        "shop.Order", verbose_name=_("pesanan"), on_delete=models.CASCADE, related_name="notifications"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    sent_at = models.DateTimeField(_("terkirim"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    last_error = models.TextField(_("galat terakhir"), blank=True)
    # Closed without sending because there was nobody to send it to (a channel switched off after
    # the row was written, a buyer without an email address): not a failure, never retried.
    skipped = models.BooleanField(_("tidak dikirim"), default=False, db_default=False)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("notifikasi")
        verbose_name_plural = _("notifikasi")
        # The delivery task only ever reads the unsent rows; sent ones pile up and stay out of the index.
        indexes = [models.Index(fields=["id"], condition=Q(sent_at__isnull=True), name="notification_unsent")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_channel_display()}) {self.order_id}"
