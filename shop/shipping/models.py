from django.db import models
from django.utils.translation import gettext_lazy as _


class ShippingRate(models.Model):
    """A flat rate the owner maintains per courier and service (live rates come from Komerce later)."""

    courier = models.CharField(_("kurir"), max_length=40)
    service = models.CharField(_("layanan"), max_length=60)
    cost = models.PositiveBigIntegerField(_("biaya per kg (Rp)"))
    etd = models.CharField(_("estimasi"), max_length=40, blank=True, help_text=_("Mis. 2-3 hari."))
    is_active = models.BooleanField(_("aktif"), default=True)
    sort_order = models.IntegerField(_("urutan"), default=0)

    class Meta:
        ordering = ["sort_order", "courier", "service"]
        verbose_name = _("tarif ongkir")
        verbose_name_plural = _("tarif ongkir")
        constraints = [models.UniqueConstraint(fields=["courier", "service"], name="shippingrate_courier_service")]

    def __str__(self):
        return f"{self.courier} {self.service}"
