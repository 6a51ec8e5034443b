from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


class Address(models.Model):
    """An address in a buyer's address book; orders copy it, so editing it changes no order."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(_("label"), max_length=40, blank=True, help_text=_("Mis. Rumah, Kantor."))
    recipient_name = models.CharField(_("nama penerima"), max_length=120)
    phone = models.CharField(_("telepon"), max_length=20)
    province = models.CharField(_("provinsi"), max_length=100)
    city = models.CharField(_("kota/kabupaten"), max_length=100)
    district = models.CharField(_("kecamatan"), max_length=100)
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


class Cart(models.Model):
    """A buyer's cart: an account's, or an anonymous session's until login merges it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="cart")
    session_key = models.CharField(max_length=40, null=True, blank=True, unique=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("keranjang")
        verbose_name_plural = _("keranjang")

    def __str__(self):
        return f"Keranjang {self.user or self.session_key}"


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey("shop.Product", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(default=1)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "product"], name="cartitem_one_row_per_product"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="cartitem_quantity_positive"),
        ]


class DailyOrderCounter(models.Model):
    """Hands out the running number in TK-YYYYMMDD-NNNN; one row per day, incremented under a lock."""

    day = models.DateField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)


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
