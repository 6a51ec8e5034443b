from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.core.storage import private_storage


def import_upload_to(instance, filename):
    # The stored name never uses the uploader's file name; the original is kept in a field.
    extension = "csv" if filename.lower().endswith(".csv") else "xlsx"
    return f"imports/products/{uuid4().hex}.{extension}"


class ProductImport(models.Model):
    """One upload of the product spreadsheet: checked first (the preview), saved on confirmation.

    Large files are checked and imported by django-q2 tasks (shop.tasks); the row-by-row report
    is a JSON-lines file in private storage, so neither the page nor the database grows with it.
    """

    class Status(models.TextChoices):
        CHECK_QUEUED = "check_queued", _("Menunggu pemeriksaan")
        CHECKING = "checking", _("Sedang diperiksa")
        CHECKED = "checked", _("Siap dikonfirmasi")
        IMPORT_QUEUED = "import_queued", _("Menunggu impor")
        IMPORTING = "importing", _("Sedang diimpor")
        DONE = "done", _("Selesai")
        FAILED = "failed", _("Gagal")

    file = models.FileField(_("berkas"), storage=private_storage, upload_to=import_upload_to, max_length=255)
    original_name = models.CharField(_("nama berkas asli"), max_length=255)
    create_categories = models.BooleanField(_("buat kategori yang belum ada"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.CHECK_QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("oleh"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("diunggah"), auto_now_add=True)
    started_at = models.DateTimeField(_("mulai"), null=True, blank=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    total_rows = models.PositiveIntegerField(_("baris"), default=0)
    new_rows = models.PositiveIntegerField(_("produk baru"), default=0)
    updated_rows = models.PositiveIntegerField(_("diperbarui"), default=0)
    unchanged_rows = models.PositiveIntegerField(_("tidak berubah"), default=0)
    error_rows = models.PositiveIntegerField(_("baris bermasalah"), default=0)
    stock_movements = models.PositiveIntegerField(_("pergerakan stok"), default=0)
    message = models.TextField(_("pesan"), blank=True)
    report = models.FileField(_("laporan per baris"), storage=private_storage, max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("impor produk")
        verbose_name_plural = _("impor produk")
        # Who may import is Product's `import_products` permission; no separate permissions here.
        default_permissions = ()

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_running(self):
        return self.status in {
            self.Status.CHECK_QUEUED,
            self.Status.CHECKING,
            self.Status.IMPORT_QUEUED,
            self.Status.IMPORTING,
        }

    @property
    def can_confirm(self):
        return self.status == self.Status.CHECKED and not self.error_rows and self.total_rows > 0
