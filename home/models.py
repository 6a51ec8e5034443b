from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from shop.catalog.models import PRODUCT_PAGE_RENDITIONS, pictures_with_renditions
from shop.core.phone import normalize_phone
from shop.models import Category, Product

from .blocks import BankAccountBlock, HomeStreamBlock, NavLinkBlock, StandardStreamBlock
from .variant_choice import variant_choice


class HomePage(Page):
    body = StreamField(HomeStreamBlock(), blank=True, verbose_name=_("isi"))

    content_panels = Page.content_panels + [FieldPanel("body")]
    max_count = 1
    subpage_types = ["home.StandardPage", "home.CatalogPage", "home.LandingPage"]

    class Meta:
        verbose_name = _("beranda")


class StandardPage(Page):
    """About, how to order, shipping and returns, FAQ: text pages the owner writes."""

    intro = models.CharField(_("ringkasan"), max_length=250, blank=True)
    body = StreamField(StandardStreamBlock(), blank=True, verbose_name=_("isi"))

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    subpage_types = ["home.StandardPage"]

    class Meta:
        verbose_name = _("halaman standar")


class LandingPage(Page):
    """A campaign page built from the same blocks as the home page."""

    body = StreamField(HomeStreamBlock(), blank=True, verbose_name=_("isi"))

    content_panels = Page.content_panels + [FieldPanel("body")]
    subpage_types = []
    template = "home/home_page.html"

    class Meta:
        verbose_name = _("halaman kampanye")


CATALOG_URL_CACHE_KEY = "tokoku:catalog-url"


class CatalogPage(RoutablePageMixin, Page):
    """Lists active products and serves each product's page at <catalog>/<product slug>/."""

    SORTS = {
        "newest": (_("Terbaru"), ["-created_at", "-pk"]),
        # By the price a card shows: a product with options at its cheapest variant's ("mulai Rp…").
        "price_asc": (_("Harga terendah"), ["price_from", "pk"]),
        "price_desc": (_("Harga tertinggi"), ["-price_from", "-pk"]),
        "name": (_("Nama A–Z"), ["name", "pk"]),
    }

    intro = RichTextField(_("pengantar"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    max_count = 1
    subpage_types = []

    class Meta:
        verbose_name = _("katalog")

    @classmethod
    def product_url(cls, slug):
        """The product page's path. The catalog's URL is cached: it is read on every product card."""
        base = cache.get(CATALOG_URL_CACHE_KEY)
        if base is None:
            page = cls.objects.live().first()
            if page is None:
                raise NoReverseMatch("No live catalog page")
            base = page.get_url() or ""
            cache.set(CATALOG_URL_CACHE_KEY, base, 300)
        return f"{base}{slug}/"

    @path("")
    def product_list(self, request):
        categories = list(Category.objects.all())
        products = Product.objects.active().for_listing()
        category = None
        category_slug = request.GET.get("kategori", "")
        if category_slug:
            category = next((c for c in categories if c.slug == category_slug), None)
            if category is None:
                products = products.none()
            else:
                # A parent category lists its children's products too.
                ids = [category.pk] + [c.pk for c in categories if c.parent_id == category.pk]
                products = products.filter(category_id__in=ids)
        sort = request.GET.get("urut", "newest")
        if sort not in self.SORTS:
            sort = "newest"
        products = products.in_stock_first(*self.SORTS[sort][1])
        paginator = Paginator(products, settings.CATALOG_PAGE_SIZE)
        try:
            page_obj = paginator.page(request.GET.get("halaman", 1))
        except PageNotAnInteger:
            page_obj = paginator.page(1)
        except EmptyPage:
            page_obj = paginator.page(paginator.num_pages)
        return self.render(
            request,
            context_overrides={
                "products": page_obj.object_list,
                "page_obj": page_obj,
                "categories": categories,
                "current_category": category,
                "sort": sort,
                "sorts": [(key, label) for key, (label, _order) in self.SORTS.items()],
            },
        )

    @path("<slug:product_slug>/")
    def product_detail(self, request, product_slug):
        product = get_object_or_404(
            Product.objects.active()
            .select_related("category")
            .prefetch_related(models.Prefetch("gallery", queryset=pictures_with_renditions(PRODUCT_PAGE_RENDITIONS))),
            slug=product_slug,
        )
        gallery = list(product.gallery.all())
        context = {"product": product, "gallery": [item.image for item in gallery]}
        if product.has_options:
            context["choice"] = variant_choice(product, gallery, wanted=request.GET.get("varian"))
            context["gallery"] = context["choice"]["pictures"]
        return self.render(request, context_overrides=context, template="shop/product_detail.html")


@register_setting(icon="site")
class StoreSettings(BaseSiteSetting):
    """What the owner tells buyers about the shop: name, contacts, bank accounts."""

    name = models.CharField(_("nama toko"), max_length=100, default="TokoKu")
    tagline = models.CharField(_("slogan"), max_length=200, blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    whatsapp = models.CharField(
        _("nomor WhatsApp"),
        max_length=20,
        blank=True,
        help_text=_("Nomor HP, mis. 0812 3456 7890 atau +62 812 3456 7890."),
    )
    email = models.EmailField(_("email toko"), blank=True)
    phone = models.CharField(_("telepon"), max_length=30, blank=True)
    address = models.TextField(_("alamat toko"), blank=True)
    bank_accounts = StreamField(
        [
            ("account", BankAccountBlock()),
        ],
        blank=True,
        verbose_name=_("rekening bank"),
    )
    footer_text = RichTextField(_("teks footer"), blank=True)

    panels = [
        MultiFieldPanel([FieldPanel("name"), FieldPanel("tagline"), FieldPanel("logo")], heading=_("Identitas")),
        MultiFieldPanel(
            [FieldPanel("whatsapp"), FieldPanel("email"), FieldPanel("phone"), FieldPanel("address")],
            heading=_("Kontak"),
        ),
        FieldPanel("bank_accounts"),
        FieldPanel("footer_text"),
    ]

    class Meta:
        verbose_name = _("pengaturan toko")

    def clean(self):
        super().clean()
        if self.whatsapp:
            # Kept as +62…, whatever the owner typed: the storefront's wa.me links need the bare number.
            try:
                self.whatsapp = normalize_phone(self.whatsapp)
            except ValidationError as error:
                raise ValidationError({"whatsapp": error.messages}) from None

    @property
    def whatsapp_url(self):
        # Numbers saved before they were normalised ("0812 3456 7890", "6281…") link correctly too.
        try:
            number = normalize_phone(self.whatsapp) if self.whatsapp else ""
        except ValidationError:
            number = ""
        return f"https://wa.me/{number.removeprefix('+')}" if number else ""


@register_setting(icon="list-ul")
class NavigationSettings(BaseSiteSetting):
    """Menu links in the header and footer, chosen by the owner."""

    header_links = StreamField(
        [
            ("link", NavLinkBlock()),
        ],
        blank=True,
        verbose_name=_("menu atas"),
    )
    footer_links = StreamField(
        [
            ("link", NavLinkBlock()),
        ],
        blank=True,
        verbose_name=_("menu bawah"),
    )

    panels = [FieldPanel("header_links"), FieldPanel("footer_links")]

    class Meta:
        verbose_name = _("navigasi")
