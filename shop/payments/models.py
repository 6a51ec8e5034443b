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
    bank_transfer_enabled = models.BooleanField(
        _("transfer bank manual"),
        default=True,
        help_text=_("Pembeli mentransfer ke rekening toko dan mengunggah bukti; CS memeriksa."),
    )
    tripay_enabled = models.BooleanField(
        _("pembayaran otomatis TriPay"),
        default=True,
        help_text=_(
            "QRIS, virtual account dan gerai minimarket, lunas otomatis. Berlaku bila kunci TriPay "
            "sudah dipasang di .env (TRIPAY_MERCHANT_CODE, TRIPAY_API_KEY, TRIPAY_PRIVATE_KEY)."
        ),
    )
    use_unique_code = models.BooleanField(
        _("tambahkan kode unik"),
        default=True,
        help_text=_("Menambahkan 1–999 rupiah ke total agar transfer mudah dicocokkan oleh CS."),
    )
    payment_instructions = models.TextField(_("instruksi pembayaran tambahan"), blank=True)

    class Meta:
        verbose_name = _("pengaturan pembayaran")


class PaymentChannel(models.Model):
    """A way to pay through the gateway (QRIS, a bank's virtual account, a minimarket), as TriPay lists it.

    Refreshed from TriPay by a schedule and by the owner's button; the owner chooses which to offer.
    """

    class Group(models.TextChoices):
        VIRTUAL_ACCOUNT = "Virtual Account", _("Virtual Account")
        E_WALLET = "E-Wallet", _("E-Wallet / QRIS")
        CONVENIENCE_STORE = "Convenience Store", _("Gerai minimarket")

    code = models.CharField(_("kode"), max_length=32, unique=True)
    name = models.CharField(_("nama"), max_length=100)
    group = models.CharField(_("kelompok"), max_length=50)
    fee_flat = models.PositiveIntegerField(_("biaya pembeli (Rp)"), default=0)
    fee_percent = models.DecimalField(_("biaya pembeli (%)"), max_digits=6, decimal_places=2, default=0)
    minimum_fee = models.PositiveIntegerField(_("biaya minimum"), null=True, blank=True)
    maximum_fee = models.PositiveIntegerField(_("biaya maksimum"), null=True, blank=True)
    minimum_amount = models.PositiveBigIntegerField(_("jumlah minimum"), null=True, blank=True)
    maximum_amount = models.PositiveBigIntegerField(_("jumlah maksimum"), null=True, blank=True)
    icon_url = models.URLField(_("ikon"), max_length=500, blank=True)
    active = models.BooleanField(_("aktif di TriPay"), default=True)
    offered = models.BooleanField(
        _("ditawarkan"), default=True, help_text=_("Tampilkan cara bayar ini kepada pembeli di checkout.")
    )
    updated_at = models.DateTimeField(_("diperbarui"), auto_now=True)

    class Meta:
        ordering = ["group", "name"]
        verbose_name = _("cara bayar TriPay")
        verbose_name_plural = _("cara bayar TriPay")

    def __str__(self):
        return self.name

    @property
    def group_label(self):
        """The group as buyers know it; a group TriPay adds later shows as TriPay names it."""
        return self.Group(self.group).label if self.group in self.Group.values else self.group


class GatewayPayment(models.Model):
    """What the gateway gave the buyer to pay a gateway order with; the gateway's reference is on the Order."""

    order = models.OneToOneField("shop.Order", on_delete=models.CASCADE, related_name="gateway_payment")
    channel_code = models.CharField(_("cara bayar"), max_length=32)
    channel_name = models.CharField(_("nama cara bayar"), max_length=100)
    pay_code = models.CharField(_("kode bayar"), max_length=100, blank=True)
    checkout_url = models.URLField(_("halaman bayar TriPay"), max_length=500, blank=True)
    qr_string = models.TextField(_("isi QR"), blank=True)
    instructions = models.JSONField(_("petunjuk"), default=list, blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("pembayaran gateway")
        verbose_name_plural = _("pembayaran gateway")

    def __str__(self):
        return f"{self.order} ({self.channel_name})"


class GatewayCallback(models.Model):
    """Every callback the gateway sent, kept for the owner: what it said, whether it was genuine, what came of it."""

    class Outcome(models.TextChoices):
        PAID = "paid", _("Lunas: pesanan diproses")
        PAID_SHORT = "paid_short", _("Lunas, tetapi stok habis: perlu refund")
        CANCELLED = "cancelled", _("Pesanan dibatalkan")
        REFUND = "refund", _("Refund dicatat")
        UNCHANGED = "unchanged", _("Tidak ada yang berubah")
        REFUSED = "refused", _("Ditolak")

    received_at = models.DateTimeField(_("diterima"), auto_now_add=True, db_index=True)
    source = models.CharField(_("sumber"), max_length=20, default="callback")
    event = models.CharField(_("event"), max_length=50, blank=True)
    status = models.CharField(_("status"), max_length=20, blank=True)
    signature_valid = models.BooleanField(_("tanda tangan sah"), default=False)
    reference = models.CharField(_("referensi"), max_length=64, blank=True)
    merchant_ref = models.CharField(_("nomor pesanan"), max_length=64, blank=True)
    order = models.ForeignKey(
        "shop.Order", verbose_name=_("pesanan"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(_("hasil"), max_length=20, choices=Outcome.choices)
    message = models.TextField(_("keterangan"), blank=True)
    body = models.TextField(_("isi"), blank=True)

    # Nothing refers to a callback; indexing each one for Wagtail's "usage" tab was the larger
    # part of answering TriPay (bench/callback).
    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("callback TriPay")
        verbose_name_plural = _("callback TriPay")

    def __str__(self):
        return f"{self.merchant_ref or '-'} {self.status or self.event} ({self.get_outcome_display()})"
