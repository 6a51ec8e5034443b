from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from shop.core.storage import private_storage


def proof_upload_to(instance, filename):
    # The stored name never uses the buyer's file name: it says nothing and cannot collide.
    extension = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}.get(instance.content_type, "bin")
    return f"payment-proofs/{instance.order_id}/{uuid4().hex}.{extension}"


class PaymentProof(models.Model):
    """A buyer's proof of transfer. Kept after a rejection so the payment history stays whole."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Menunggu verifikasi")
        ACCEPTED = "accepted", _("Diterima")
        REJECTED = "rejected", _("Ditolak")

    order = models.ForeignKey("shop.Order", on_delete=models.CASCADE, related_name="payment_proofs")
    file = models.FileField(_("berkas"), storage=private_storage, upload_to=proof_upload_to, max_length=255)
    content_type = models.CharField(_("jenis berkas"), max_length=50)
    size = models.PositiveIntegerField(_("ukuran (byte)"))
    original_name = models.CharField(_("nama berkas asli"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    review_note = models.TextField(_("catatan CS"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("diperiksa"), null=True, blank=True)
    created_at = models.DateTimeField(_("diunggah"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("bukti pembayaran")
        verbose_name_plural = _("bukti pembayaran")

    def __str__(self):
        return f"{self.order} ({self.get_status_display()})"

    @property
    def is_image(self):
        return self.content_type.startswith("image/")


@register_setting(icon="cog")
class PaymentSettings(BaseGenericSetting):
    use_unique_code = models.BooleanField(
        _("tambahkan kode unik"),
        default=True,
        help_text=_("Menambahkan 1–999 rupiah ke total agar transfer mudah dicocokkan oleh CS."),
    )
    payment_instructions = models.TextField(_("instruksi pembayaran tambahan"), blank=True)

    class Meta:
        verbose_name = _("pengaturan pembayaran")
