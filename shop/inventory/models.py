from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.catalog.variants import name_both


class StockMovement(models.Model):
    """One change of a variant's stock. For every variant, and so for every product, stock == sum(delta)."""

    class Reason(models.TextChoices):
        OPENING = "opening", _("Stok awal")
        SALE = "sale", _("Penjualan (pembayaran dikonfirmasi)")
        CANCELLATION = "cancellation", _("Pembatalan pesanan")
        RESTOCK = "restock", _("Penambahan stok")
        CORRECTION = "correction", _("Koreksi")
        DAMAGED = "damaged", _("Rusak")
        RETURNED = "returned", _("Retur")
        IMPORT = "import", _("Impor")

    # No index of its own: stockmovement_product_time starts with the product.
    product = models.ForeignKey(
        "shop.Product",
        verbose_name=_("produk"),
        on_delete=models.PROTECT,
        related_name="stock_movements",
        db_index=False,
    )
    # The product too, so a product's history reads one table; always the variant's product.
    variant = models.ForeignKey(
        "shop.ProductVariant",
        verbose_name=_("varian"),
        on_delete=models.PROTECT,
        related_name="stock_movements",
        db_index=False,
    )
    delta = models.IntegerField(_("perubahan"))
    reason = models.CharField(_("alasan"), max_length=20, choices=Reason.choices)
    order = models.ForeignKey(
        "shop.Order",
        verbose_name=_("pesanan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stock_movements",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("catatan"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("waktu"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("pergerakan stok")
        verbose_name_plural = _("pergerakan stok")
        indexes = [
            models.Index(fields=["product", "-created_at"], name="stockmovement_product_time"),
            models.Index(fields=["variant", "-created_at"], name="stockmovement_variant_time"),
        ]

    def __str__(self):
        return f"{self.product} {self.delta:+d} ({self.get_reason_display()})"

    def save(self, *args, **kwargs):
        name_both(self)
        super().save(*args, **kwargs)
