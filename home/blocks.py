"""StreamField blocks the owner composes the home and landing pages from."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

from shop.models import Product


class HeroBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("gambar"))
    heading = blocks.CharBlock(label=_("judul"), max_length=120)
    text = blocks.TextBlock(label=_("teks"), required=False)
    cta_text = blocks.CharBlock(label=_("teks tombol"), required=False, max_length=40)
    cta_page = blocks.PageChooserBlock(label=_("tombol menuju halaman"), required=False)
    cta_url = blocks.CharBlock(label=_("atau URL tombol"), required=False)

    class Meta:
        icon = "image"
        label = _("Hero")
        template = "home/blocks/hero.html"


class PromoBannerBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("gambar"), required=False)
    heading = blocks.CharBlock(label=_("judul"), max_length=120)
    text = blocks.CharBlock(label=_("teks"), required=False, max_length=250)
    link_page = blocks.PageChooserBlock(label=_("tautan halaman"), required=False)
    link_url = blocks.CharBlock(label=_("atau URL"), required=False)
    colour = blocks.ChoiceBlock(
        label=_("warna"),
        choices=[("orange", _("Oranye")), ("green", _("Hijau")), ("blue", _("Biru")), ("dark", _("Gelap"))],
        default="orange",
    )

    class Meta:
        icon = "pick"
        label = _("Banner promo")
        template = "home/blocks/promo_banner.html"


class ProductGridBlock(blocks.StructBlock):
    """A grid of product cards: picked by hand, from a category, or the newest."""

    heading = blocks.CharBlock(label=_("judul"), max_length=120)
    source = blocks.ChoiceBlock(
        label=_("sumber produk"),
        choices=[("newest", _("Terbaru")), ("category", _("Kategori")), ("picked", _("Dipilih manual"))],
        default="newest",
    )
    category = SnippetChooserBlock("shop.Category", label=_("kategori"), required=False)
    products = blocks.ListBlock(SnippetChooserBlock("shop.Product"), label=_("produk pilihan"), required=False)
    limit = blocks.IntegerBlock(label=_("jumlah maksimum"), default=8, min_value=1, max_value=48)

    class Meta:
        icon = "list-ul"
        label = _("Grid produk")
        template = "home/blocks/product_grid.html"

    def get_products(self, value):
        limit = value["limit"]
        queryset = Product.objects.active().for_listing()
        if value["source"] == "picked":
            ids = [p.pk for p in value["products"] if p is not None][:limit]
            by_id = {p.pk: p for p in queryset.filter(pk__in=ids)}
            picked = [by_id[i] for i in ids if i in by_id]
            return sorted(picked, key=lambda product: not product.in_stock)  # the owner's order, sold-out last
        if value["source"] == "category" and value["category"] is not None:
            queryset = queryset.filter(category=value["category"])
        return list(queryset.in_stock_first("-created_at", "-pk")[:limit])

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["products"] = self.get_products(value)
        return context


class HomeStreamBlock(blocks.StreamBlock):
    hero = HeroBlock()
    product_grid = ProductGridBlock()
    promo_banner = PromoBannerBlock()
    rich_text = blocks.RichTextBlock(label=_("teks"), template="home/blocks/rich_text.html")


class StandardStreamBlock(blocks.StreamBlock):
    rich_text = blocks.RichTextBlock(label=_("teks"), template="home/blocks/rich_text.html")
    promo_banner = PromoBannerBlock()
    product_grid = ProductGridBlock()
    image = ImageChooserBlock(label=_("gambar"), template="home/blocks/image.html")


class NavLinkBlock(blocks.StructBlock):
    page = blocks.PageChooserBlock(label=_("halaman"), required=False)
    url = blocks.CharBlock(label=_("atau URL"), required=False)
    text = blocks.CharBlock(label=_("teks"), max_length=50)

    class Meta:
        icon = "link"


class BankAccountBlock(blocks.StructBlock):
    bank = blocks.CharBlock(label=_("bank"), max_length=50)
    number = blocks.CharBlock(label=_("nomor rekening"), max_length=40)
    holder = blocks.CharBlock(label=_("atas nama"), max_length=100)

    class Meta:
        icon = "doc-full"
        label = _("Rekening")
