from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Address(models.Model):
    """An address in a buyer's address book; orders copy it, so editing it changes no order."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(_("label"), max_length=40, blank=True, help_text=_("Mis. Rumah, Kantor."))
    recipient_name = models.CharField(_("nama penerima"), max_length=120)
    phone = models.CharField(_("telepon"), max_length=20)
    province = models.CharField(_("provinsi"), max_length=100)
    city = models.CharField(_("kota/kabupaten"), max_length=100)
    district = models.CharField(_("kecamatan"), max_length=100)
    village = models.CharField(_("kelurahan/desa"), max_length=100, blank=True)
    region_code = models.CharField(_("kode wilayah"), max_length=13, blank=True)
    postal_code = models.CharField(_("kode pos"), max_length=10)
    street = models.TextField(_("alamat lengkap"))
    is_default = models.BooleanField(_("alamat utama"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "-created_at"]
        verbose_name = _("alamat")
        verbose_name_plural = _("alamat")

    def __str__(self):
        return f"{self.recipient_name}, {self.street}, {self.district}, {self.city}"


class DailyOrderCounter(models.Model):
    """Hands out the running number in TK-YYYYMMDD-NNNN; one row per day, incremented under a lock."""

    day = models.DateField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.day}: {self.last_number}"
