from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, When
from django.utils.translation import gettext_lazy as _

from shop.catalog.variants import name_both
from shop.shipping.parcels import ParcelState

from .status import UNPAID, OrderStatus


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Transfer bank")
    TRIPAY = "tripay", _("TriPay")


class Order(models.Model):
    """A buyer's order. `status` is changed only by the services in shop.orders.services."""

    Status = OrderStatus
    PaymentMethod = PaymentMethod
    # Orders are records, not content: Wagtail's "usage" screens never list them, and indexing
    # every save (a flag, a status) in a savepoint cost more than the change itself.
    wagtail_reference_index_ignore = True

    number = models.CharField(_("nomor pesanan"), max_length=32, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("pembeli"), on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(
        _("status"), max_length=24, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT
    )
    # Shipping address, copied at checkout so later edits of the address book change nothing.
    recipient_name = models.CharField(_("nama penerima"), max_length=120)
    phone = models.CharField(_("telepon"), max_length=20)
    email = models.EmailField(_("email"), blank=True)
    province = models.CharField(_("provinsi"), max_length=100)
    city = models.CharField(_("kota/kabupaten"), max_length=100)
    district = models.CharField(_("kecamatan"), max_length=100)
    village = models.CharField(_("kelurahan/desa"), max_length=100, blank=True)
    # The village's Kemendagri code ("34.04.12.2001"; its prefixes are the district, city and
    # province), kept with the names as they were: the dataset may rename a region later.
    region_code = models.CharField(_("kode wilayah"), max_length=13, blank=True)
    postal_code = models.CharField(_("kode pos"), max_length=10)
    street = models.TextField(_("alamat"))
    shipping_courier = models.CharField(_("kurir"), max_length=40, blank=True)
    shipping_service = models.CharField(_("layanan"), max_length=60, blank=True)
    shipping_etd = models.CharField(_("estimasi pengiriman"), max_length=40, blank=True)
    # What the buyer pays for shipping; a free-shipping rule's discount is kept beside it, so
    # the cost before the rule is shipping_cost + shipping_discount.
    shipping_cost = models.PositiveBigIntegerField(_("ongkos kirim"), default=0)
    shipping_discount = models.PositiveBigIntegerField(_("potongan ongkir"), default=0)
    payment_method = models.CharField(
        _("metode pembayaran"), max_length=20, choices=PaymentMethod.choices, default=PaymentMethod.BANK_TRANSFER
    )
    subtotal = models.PositiveBigIntegerField(_("subtotal"), default=0)
    unique_code = models.PositiveIntegerField(_("kode unik"), default=0)
    total = models.PositiveBigIntegerField(_("total"), default=0)
    total_weight_grams = models.PositiveIntegerField(_("berat total (gram)"), default=0)
    # The buyer's fee of a gateway channel, part of the total; the gateway's own reference.
    payment_fee = models.PositiveBigIntegerField(_("biaya pembayaran"), default=0)
    payment_reference = models.CharField(_("referensi pembayaran"), max_length=64, blank=True)
    payment_deadline = models.DateTimeField(_("batas pembayaran"), null=True, blank=True)
    paid_at = models.DateTimeField(_("dibayar"), null=True, blank=True)
    courier = models.CharField(_("kurir pengiriman"), max_length=40, blank=True)
    tracking_number = models.CharField(_("nomor resi"), max_length=64, blank=True)
    shipped_at = models.DateTimeField(_("dikirim"), null=True, blank=True)
    # What the courier last reported of the parcel (shop.shipping.tracking), as the hourly schedule
    # recorded it: the state the shop reads from it, the courier's own word, and when it was asked.
    tracking_state = models.CharField(_("status paket"), max_length=20, choices=ParcelState.choices, blank=True)
    tracking_status = models.CharField(_("status dari kurir"), max_length=60, blank=True)
    tracking_checked_at = models.DateTimeField(_("paket terakhir dilacak"), null=True, blank=True)
    completed_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("dibatalkan"), null=True, blank=True)
    cancel_reason = models.TextField(_("alasan pembatalan"), blank=True)
    # The total of a manual transfer still awaited, or NULL: CS match transfers by amount, so no
    # two such orders may share one. The database enforces it (a unique column that NULL leaves out),
    # as checkouts at the same moment cannot see each other's new orders.
    awaited_transfer_total = models.GeneratedField(
        expression=Case(
            When(Q(status__in=UNPAID, unique_code__gt=0), then=F("total")),
            default=None,
        ),
        output_field=models.PositiveBigIntegerField(null=True),
        db_persist=True,
        unique=True,
        verbose_name=_("total transfer yang ditunggu"),
    )
    needs_attention = models.BooleanField(_("perlu perhatian"), default=False)
    attention_note = models.TextField(_("catatan perhatian"), blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("pesanan")
        verbose_name_plural = _("pesanan")
        # Every status change rewrites an entry in each of the table's indexes, and confirming
        # payments is the shop's busiest write: so no index that another one already serves
        # (status alone), and partial ones where only a few rows matter.
        indexes = [
            models.Index(fields=["status", "created_at"], name="order_status_created"),
            models.Index(fields=["created_at"], condition=Q(needs_attention=True), name="order_needs_attention"),
            models.Index(fields=["tracking_number"], condition=~Q(tracking_number=""), name="order_tracking_number"),
        ]
        permissions = [
            ("confirm_payment", _("Dapat mengonfirmasi pembayaran")),
            ("ship_order", _("Dapat mengirim pesanan")),
            ("cancel_order", _("Dapat membatalkan pesanan")),
        ]

    def __str__(self):
        return self.number

    @property
    def is_unpaid(self):
        """Not yet paid, or paid but not yet verified: nothing has been taken from stock."""
        return self.status in UNPAID


class OrderLine(models.Model):
    """A product in an order; name, price and weight are copied so history never changes."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("shop.Product", verbose_name=_("produk"), on_delete=models.PROTECT, related_name="+")
    # What was bought; its name ("Hijab Voal — Navy"), SKU, price and weight are copied below.
    variant = models.ForeignKey(
        "shop.ProductVariant", verbose_name=_("varian"), on_delete=models.PROTECT, related_name="+"
    )
    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("nama"), max_length=200)
    unit_price = models.PositiveBigIntegerField(_("harga satuan"))
    quantity = models.PositiveIntegerField(_("jumlah"))
    weight_grams = models.PositiveIntegerField(_("berat satuan (gram)"), default=0)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("baris pesanan")
        verbose_name_plural = _("baris pesanan")
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gt=0), name="orderline_quantity_positive")]

    def __str__(self):
        return f"{self.quantity} × {self.name}"

    def save(self, *args, **kwargs):
        name_both(self)
        super().save(*args, **kwargs)

    @property
    def line_total(self):
        return self.unit_price * self.quantity


class OrderEvent(models.Model):
    """One transition of an order: who, when, from, to and why. The order's history page."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_status = models.CharField(_("dari"), max_length=24, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(_("ke"), max_length=24, choices=OrderStatus.choices)
    note = models.TextField(_("catatan"), blank=True)
    created_at = models.DateTimeField(_("waktu"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("riwayat pesanan")
        verbose_name_plural = _("riwayat pesanan")

    def __str__(self):
        return f"{self.order}: {self.from_status or '-'} → {self.to_status}"
