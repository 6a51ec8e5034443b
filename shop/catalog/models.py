from django.apps import apps
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.fields import RichTextField
from wagtail.images import get_image_model
from wagtail.models import Orderable
from wagtail.search import index
from wagtail.search.queryset import SearchableQuerySetMixin

from shop.catalog.variants import MAX_PRICE, ProductVariant, variant_words
from shop.core.money import discount_percent

# MAX_PRICE, the highest price a product or variant may have: Rp 999.999.999.999. Any cart of such
# products, at the highest quantity a cart allows, still totals far below what the rupiah columns hold.
__all__ = ["MAX_PRICE", "Category", "Product", "ProductImage", "ProductVariant"]


class Category(models.Model):
    name = models.CharField(_("nama"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("induk"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    sort_order = models.IntegerField(_("urutan"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("kategori")
        verbose_name_plural = _("kategori")

    def __str__(self):
        return f"{self.parent} › {self.name}" if self.parent_id else self.name


class ProductQuerySet(SearchableQuerySetMixin, models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def in_stock_first(self, *ordering):
        """`ordering`, with what a buyer can buy now before what is sold out: a listing that opens on
        "Habis" cards looks like an empty shop. Sellable means an active variant in stock: the stock of
        a colour taken off sale still counts in Product.stock."""
        sellable = ProductVariant.objects.filter(product=models.OuterRef("pk"), is_active=True, stock__gt=0)
        return self.order_by(models.Case(models.When(models.Exists(sellable), then=0), default=1), *ordering)

    def for_listing(self):
        """What a product card needs, in a fixed number of queries whatever the page size.

        A card prices and judges a product by its active variants (an inactive one's stock is not for
        sale): `price_from` and `price_to`, their lowest and highest price ("mulai Rp…" when they
        differ; the product's price when none is active), and `stock_for_sale`, their stock.
        Subqueries in the same query, not a GROUP BY, so search and ordering compose as before."""
        sellable = ProductVariant.objects.filter(product=models.OuterRef("pk"), is_active=True).order_by()
        by_product = sellable.values("product")

        def of_variants(aggregate):
            return models.Subquery(by_product.annotate(value=aggregate).values("value")[:1])

        return (
            self.select_related("category")
            .prefetch_related(models.Prefetch("gallery", queryset=pictures_with_renditions(CARD_RENDITIONS)))
            .annotate(
                price_from=Coalesce(of_variants(models.Min("price")), "price"),
                price_to=Coalesce(of_variants(models.Max("price")), "price"),
                stock_for_sale=Coalesce(of_variants(models.Sum("stock")), 0),
            )
        )


# The renditions templates ask for: shop/includes/product_card.html and shop/product_detail.html.
CARD_RENDITIONS = ("fill-400x400",)
PRODUCT_PAGE_RENDITIONS = ("fill-800x800", "fill-96x96")


def pictures_with_renditions(filter_specs):
    """A product's pictures with their renditions read in one query, not one per picture: with
    Wagtail's rendition cache cold (a restart, another server) a page would otherwise cost a query
    for each picture it shows."""
    return (
        ProductImage.objects.select_related("image")
        .prefetch_related(renditions_of("image", filter_specs))
        .order_by("sort_order")
    )


def variants_with_pictures(filter_specs):
    """A product's variants in the owner's order, each with its own picture (if any) and that
    picture's renditions, in two queries however many variants there are."""
    return (
        ProductVariant.objects.select_related("image")
        .prefetch_related(renditions_of("image", filter_specs))
        .order_by("sort_order", "pk")
    )


def renditions_of(image_field, filter_specs):
    """A Prefetch of the renditions of the picture in `image_field`, where Wagtail's image tag reads them."""
    renditions = get_image_model().get_rendition_model().objects.filter(filter_spec__in=filter_specs)
    return models.Prefetch(f"{image_field}__renditions", queryset=renditions, to_attr="prefetched_renditions")


class Product(index.Indexed, ClusterableModel):
    """A thing the shop sells. `stock` is changed only by shop.inventory.services, through the ledger."""

    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("nama"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    category = models.ForeignKey(
        Category, verbose_name=_("kategori"), null=True, blank=True, on_delete=models.PROTECT, related_name="products"
    )
    price = models.PositiveBigIntegerField(_("harga (Rp)"), validators=[MaxValueValidator(MAX_PRICE)])
    compare_at_price = models.PositiveBigIntegerField(
        _("harga coret (Rp)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_PRICE)],
        help_text=_("Harga sebelum diskon, ditampilkan dicoret."),
    )
    weight_grams = models.PositiveIntegerField(_("berat (gram)"), default=0)
    # The sum of the variants' stock (shop.catalog.variants), kept by shop.inventory.services.
    stock = models.IntegerField(_("stok"), default=0, editable=False)
    is_active = models.BooleanField(_("aktif"), default=True, help_text=_("Produk nonaktif tidak tampil di toko."))
    option1_name = models.CharField(
        _("jenis pilihan 1"),
        max_length=30,
        blank=True,
        help_text=_("Misalnya Warna. Kosongkan bila produk tanpa varian."),
    )
    option2_name = models.CharField(_("jenis pilihan 2"), max_length=30, blank=True, help_text=_("Misalnya Ukuran."))
    # Kept from the variants by sync_default_variant and the import (shop.catalog.variants.variant_words).
    variant_words = models.TextField(_("kata varian"), blank=True, default="", editable=False)
    description = RichTextField(_("deskripsi"), blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    objects = ProductQuerySet.as_manager()

    search_fields = [
        index.SearchField("name", boost=3),
        index.AutocompleteField("name"),
        index.SearchField("sku", boost=2),
        index.SearchField("variant_words", boost=2),
        index.SearchField("description"),
        index.RelatedFields("category", [index.SearchField("name")]),
        index.FilterField("is_active"),
        index.FilterField("category"),
        index.FilterField("price"),
        index.FilterField("created_at"),
    ]

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("produk")
        verbose_name_plural = _("produk")
        constraints = [
            models.CheckConstraint(condition=models.Q(stock__gte=0), name="product_stock_not_negative"),
            # Prices that keep every order total inside the rupiah columns (see MAX_PRICE).
            models.CheckConstraint(
                condition=models.Q(price__lte=MAX_PRICE)
                & (models.Q(compare_at_price__isnull=True) | models.Q(compare_at_price__lte=MAX_PRICE)),
                name="product_price_in_range",
            ),
        ]
        indexes = [models.Index(fields=["is_active", "-created_at"], name="product_active_newest")]
        permissions = [
            ("adjust_stock", _("Dapat menyesuaikan stok")),
            ("import_products", _("Dapat mengimpor produk")),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.sync_default_variant()

    def sync_default_variant(self):
        """A product without options sells through exactly one variant carrying its own SKU, price and
        weight: made with the product, and following it whenever the product is saved. A product with
        options takes the lowest price of its active variants (committed by now: ClusterableModel
        saves the admin's variant rows with the product), so price filters and sorts read its
        "mulai" price."""
        if self.has_options:
            rows = list(
                ProductVariant.objects.filter(product=self)
                .order_by("sort_order", "pk")
                .values_list("option1", "option2", "sku", "is_active", "price")
            )
            lowest = min((row[4] for row in rows if row[3]), default=self.price)
            words = variant_words(self.option_names, (row[:4] for row in rows))
            if (lowest, words) != (self.price, self.variant_words):
                self.price, self.variant_words, self.updated_at = lowest, words, timezone.now()
                Product.objects.filter(pk=self.pk).update(price=lowest, variant_words=words, updated_at=self.updated_at)
                # Saved after post_save indexed the product: search backends outside the database hear it here.
                index.insert_or_update_object(self)
            return
        if self.variant_words:
            Product.objects.filter(pk=self.pk).update(variant_words="")
            self.variant_words = ""
        variants = list(ProductVariant.objects.filter(product=self).order_by("sort_order", "pk")[:2])
        if not variants:
            ProductVariant.objects.create(
                product=self, sku=self.sku, price=self.price, weight_grams=self.weight_grams, sort_order=0
            )
        elif len(variants) == 1 and not variants[0].label:
            ProductVariant.objects.filter(pk=variants[0].pk).update(
                sku=self.sku, price=self.price, weight_grams=self.weight_grams, is_active=True
            )

    @property
    def has_options(self):
        return bool(self.option1_name or self.option2_name)

    @property
    def option_names(self):
        return [name for name in (self.option1_name, self.option2_name) if name]

    def default_variant(self):
        """The variant a product without options is sold as; None when it has options (pick one)."""
        if self.has_options:
            return None
        return ProductVariant.objects.filter(product=self).order_by("sort_order", "pk").first()

    def get_absolute_url(self):
        # Product pages are served by the storefront's catalog page (home.CatalogPage), whose
        # module imports this one: the registry, not an import, joins the two.
        try:
            return apps.get_model("home", "CatalogPage").product_url(self.slug)
        except NoReverseMatch:
            return ""

    @property
    def in_stock(self):
        return self.stock > 0

    @property
    def is_low_stock(self):
        return 0 < self.stock <= settings.LOW_STOCK_THRESHOLD

    @property
    def discount_percent(self):
        return discount_percent(self.compare_at_price, self.price)

    @property
    def main_image(self):
        # Reads the prefetched gallery when there is one, so listings stay at a fixed query count.
        gallery = list(self.gallery.all())
        return gallery[0].image if gallery else None


class ProductImage(Orderable):
    product = ParentalKey(Product, on_delete=models.CASCADE, related_name="gallery")
    image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("gambar"), on_delete=models.CASCADE, related_name="+"
    )
    caption = models.CharField(
        _("keterangan"),
        max_length=200,
        blank=True,
        help_text=_("Bila sama dengan salah satu pilihan (misalnya Navy), gambar ini tampil saat pembeli memilihnya."),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("gambar produk")
        verbose_name_plural = _("galeri")
