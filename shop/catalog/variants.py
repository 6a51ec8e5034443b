"""What is actually sold and counted: a product's variants (a hijab's colours, a mukena's sizes).

Every product has at least one variant, so every cart line, order line and stock movement names
one. A product without options has exactly one, its default variant, which carries the product's
own SKU, price and weight (kept in step by Product.save). A product with options (up to two
types, as marketplaces allow: Product.option1_name "Warna", option2_name "Ukuran") has one
variant per combination, each with its own SKU, price, weight, stock and active flag.

Stock lives on the variant and moves only through shop.inventory.services, which writes a
StockMovement for each change: for every variant, stock == sum(its movements). Product.stock is
the sum of its variants' stock, kept by the same services in the same transaction, so listings
and filters keep reading one column.
"""

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Sum, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.models import Orderable

MAX_PRICE = 999_999_999_999  # shop.catalog.models.MAX_PRICE, which imports this module
# Between the product's name and the variant's options wherever a line names what was bought.
NAME_SEPARATOR = " — "


class ProductVariant(Orderable):
    product = ParentalKey("shop.Product", verbose_name=_("produk"), on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    option1 = models.CharField(_("pilihan 1"), max_length=50, blank=True, help_text=_("Misalnya: Hitam, Navy."))
    option2 = models.CharField(_("pilihan 2"), max_length=50, blank=True, help_text=_("Misalnya: S, M, L."))
    price = models.PositiveBigIntegerField(
        _("harga (Rp)"), validators=[MaxValueValidator(MAX_PRICE)], help_text=_("Kosongkan untuk harga produk.")
    )
    weight_grams = models.PositiveIntegerField(_("berat (gram)"), default=0)
    stock = models.IntegerField(_("stok"), default=0, editable=False)
    is_active = models.BooleanField(_("aktif"), default=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("gambar"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Tampil saat pembeli memilih varian ini. Boleh dikosongkan."),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("varian")
        verbose_name_plural = _("varian")
        constraints = [
            models.CheckConstraint(condition=models.Q(stock__gte=0), name="productvariant_stock_not_negative"),
            models.CheckConstraint(condition=models.Q(price__lte=MAX_PRICE), name="productvariant_price_in_range"),
            models.UniqueConstraint(fields=["product", "option1", "option2"], name="productvariant_one_per_options"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def label(self):
        """The options as a buyer reads them ("Navy / L"); empty for a product's default variant."""
        return " / ".join(value for value in (self.option1, self.option2) if value)

    @property
    def display_name(self):
        """What an order line, a packing slip or an email calls it: "Hijab Voal — Navy"."""
        return variant_display_name(self.product.name, self)

    @property
    def in_stock(self):
        return self.is_active and self.stock > 0


def variant_display_name(product_name, variant):
    """The product's name, then the variant's options when it has any (the database function
    confirm_payment_v3.sql writes the same)."""
    return f"{product_name}{NAME_SEPARATOR}{variant.label}" if variant.label else product_name


def product_stock_total(product_id):
    """What Product.stock must be: the sum of its variants' stock."""
    return ProductVariant.objects.filter(product_id=product_id).aggregate(total=Sum("stock"))["total"] or 0


def name_both(line):
    """A line (cart, order, ledger) names a variant and its product: given one, fill in the other,
    the product's only variant when the product was named alone (as lines were before variants)."""
    if line.variant_id is None and line.product_id is not None:
        ids = list(ProductVariant.objects.filter(product_id=line.product_id).values_list("pk", flat=True)[:2])
        if len(ids) == 1:
            line.variant_id = ids[0]
    elif line.product_id is None and line.variant_id is not None:
        line.product_id = ProductVariant.objects.values_list("product_id", flat=True).get(pk=line.variant_id)


def variant_words(option_names, variants):
    """What search knows of a product's options: the option types, then the option values and SKUs
    of its active variants ("Warna Ukuran Navy L HV-NAVY-L …"), each once, so "hijab navy" and
    "gamis ukuran xl" find products whose name and description never say so. `variants` are
    (option1, option2, sku, is_active) rows in the product's order."""
    seen = {name.casefold(): name for name in option_names if name}
    for option1, option2, sku, is_active in variants:
        if is_active:
            for value in (option1, option2, sku):
                if value:
                    seen.setdefault(value.casefold(), value)
    return " ".join(seen.values())


def release_variant_values(variants):
    """Before `variants` are saved with SKUs or options that other variants of the same save give
    up (two colours swapped between their SKUs), each holds a SKU and option of its own for a
    moment, so that no row-by-row unique check meets another variant's old value. Call inside the
    save's transaction. The invisible separator cannot be typed into an admin field or an import
    cell by accident."""
    pks = [variant.pk for variant in variants if variant.pk]
    if pks:
        own = Concat(Value("\u2063"), Cast("pk", output_field=models.CharField()))
        ProductVariant.objects.filter(pk__in=pks).update(sku=own, option1=own)
