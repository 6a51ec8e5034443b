"""Fill a fresh shop with Indonesian demo content. Safe to run again: it only adds what is missing."""

from math import ceil

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify
from wagtail.images.models import Image
from wagtail.models import Page, Site

from home.demo import catalog as demo_catalog
from home.demo import pages as demo_pages
from home.demo.images import draw_picture
from home.demo.synonyms import SYNONYMS as DEMO_SYNONYMS
from home.models import CatalogPage, HomePage, NavigationSettings, StandardPage, StoreSettings
from search.models import Synonym
from shop.models import (
    Category,
    District,
    PaymentSettings,
    Product,
    ProductImage,
    ProductVariant,
    ShippingRate,
    ShippingRule,
    ShippingSettings,
)
from shop.payments.gateways.tripay import refresh_channels_quietly
from shop.services.stock import set_opening_stock
from shop.shipping.models import IslandGroup
from shop.staff import roles

# The four accounts of seed 000. Demo passwords only: change them before going live.
DEMO_ACCOUNTS = [
    ("admin@toko.com", "admin12345", roles.ADMIN, "Admin Toko"),
    ("cs1@toko.com", "cs1pass123", roles.CS_LAYER_1, "CS Verifikasi"),
    ("cs2@toko.com", "cs2pass123", roles.CS_LAYER_2, "CS Pengiriman"),
    ("pembeli@toko.com", "pembeli123", None, "Budi Pembeli"),
]

# Rates for anywhere, priced for Jawa (the demo shop sends from Sleman): (courier, service, per kg, days).
SHIPPING_RATES = [
    ("JNE", "REG", 11000, (2, 3)),
    ("JNE", "YES", 22000, (1, 1)),
    ("J&T", "EZ", 10000, (2, 4)),
    ("SiCepat", "REG", 10000, (2, 3)),
    ("SiCepat", "BEST", 20000, (1, 1)),
    ("Pos Indonesia", "Pos Reguler", 9000, (3, 5)),
]
# The same services to the other island groups: (price factor, days more), as couriers charge from Jawa.
ISLAND_RATES = {
    IslandGroup.BALI_NUSA_TENGGARA: (1.5, 1),
    IslandGroup.SUMATRA: (1.6, 1),
    IslandGroup.KALIMANTAN: (2.0, 2),
    IslandGroup.SULAWESI: (2.2, 2),
    IslandGroup.MALUKU: (3.0, 3),
    IslandGroup.PAPUA: (4.0, 4),
}
# The home page's promo banner promises this; the rule is what makes checkout keep the promise.
FREE_SHIPPING_RULE = {"name": "Gratis ongkir se-Jawa", "island_group": IslandGroup.JAWA, "min_subtotal": 200_000}
ORIGIN_DISTRICT = "34.04.12"  # Ngaglik, Kabupaten Sleman: the demo store's address (Jl. Kaliurang Km 7)


class Command(BaseCommand):
    help = (
        "Create demo pages, categories, products with pictures, shipping rates and rules, and the four demo accounts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (never on a live shop).")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo only runs with DEBUG on (it adds demo accounts with known passwords); use --force to override."
            )
        with transaction.atomic():
            home = self.pages()
            categories = self.categories()
            created = self.products(categories)
            self.home_page_blocks(home, categories)
            self.settings(home)
            self.shipping()
            self.accounts()
            self.synonyms()
        # The channel list otherwise waits for the daily schedule: in development the simulator
        # answers at once, so the demo's checkout offers QRIS, a virtual account and Alfamart.
        refresh_channels_quietly()
        self.stdout.write(self.style.SUCCESS(f"Demo ready: {len(categories)} categories, {created} new products."))
        self.stdout.write("Demo accounts (email / password):")
        for email, password, group, _name in DEMO_ACCOUNTS:
            self.stdout.write(f"  {group or 'Pembeli':<11} {email:<20} {password}")

    def pages(self):
        home = HomePage.objects.first()
        if home is None:
            root = Page.get_first_root_node()
            home = root.add_child(instance=HomePage(title="Beranda", slug="beranda"))
            Site.objects.update_or_create(is_default_site=True, defaults={"hostname": "localhost", "root_page": home})
        if not CatalogPage.objects.exists():
            home.add_child(instance=CatalogPage(title="Produk", slug="produk"))
        catalog = CatalogPage.objects.first()
        if not catalog.intro:
            catalog.intro = "<p>Produk pilihan dari UMKM se-Indonesia, dikirim dari Yogyakarta.</p>"
            catalog.save_revision().publish()
        for title, slug, intro, body in [
            ("Tentang Kami", "tentang-kami", "Cerita di balik toko kami.", demo_pages.ABOUT),
            ("Cara Belanja", "cara-belanja", "Enam langkah dari keranjang sampai paket tiba.", demo_pages.HOW_TO_ORDER),
            ("Pengiriman & Pengembalian", "pengiriman", "Kurir, jadwal kirim dan garansi.", demo_pages.SHIPPING),
            ("Tanya Jawab", "faq", "Pertanyaan yang sering diajukan.", demo_pages.FAQ),
        ]:
            if not StandardPage.objects.filter(slug=slug).exists():
                page = StandardPage(title=title, slug=slug, intro=intro, body=[("rich_text", body)])
                home.add_child(instance=page)
        return home

    def categories(self):
        categories = {}
        for order, (name, slug, colour) in enumerate(demo_catalog.CATEGORIES):
            category, _ = Category.objects.get_or_create(slug=slug, defaults={"name": name, "sort_order": order})
            categories[slug] = (category, colour)
        return categories

    def products(self, categories):
        created = 0
        for index, (category_slug, name, price, compare, weight, stock, description) in enumerate(
            demo_catalog.PRODUCTS, 1
        ):
            sku = f"DEMO-{index:03d}"
            if Product.objects.filter(sku=sku).exists():
                continue
            category, colour = categories[category_slug]
            option_name, variants = demo_catalog.VARIANTS.get(name, ("", []))
            product = Product.objects.create(
                sku=sku,
                name=name,
                slug=_slugify(name),
                category=category,
                price=price,
                compare_at_price=compare,
                weight_grams=weight,
                description=f"<p>{description}</p>",
                option1_name=option_name,
            )
            if not variants:
                set_opening_stock(product, stock)
            for order, (value, variant_stock, variant_price) in enumerate(variants):
                variant = ProductVariant.objects.create(
                    product=product,
                    sku=f"{sku}-{_slugify(value).upper()}",
                    option1=value,
                    price=variant_price or price,
                    weight_grams=weight,
                    sort_order=order,
                )
                set_opening_stock(product, variant_stock, variant=variant)
            if variants:
                product.sync_default_variant()  # its "mulai" price and the words search finds it by
            image = _image(f"Demo {sku}", draw_picture(name, colour, subtitle=category.name))
            ProductImage.objects.create(product=product, image=image, sort_order=0)
            created += 1
        return created

    def home_page_blocks(self, home, categories):
        if home.body:
            return
        hero_image = _image("Demo hero", draw_picture("", "#c2411b", size=(1600, 600)))
        banner_image = _image("Demo banner", draw_picture("", "#15803d", size=(480, 240)))
        catalog = CatalogPage.objects.first()
        home.body = [
            (
                "hero",
                {
                    "image": hero_image,
                    "heading": "Produk lokal pilihan, langsung dari perajinnya",
                    "text": "Keripik, kopi, bumbu, kerajinan dan fashion muslim dari UMKM se-Indonesia.",
                    "cta_text": "Belanja sekarang",
                    "cta_page": catalog,
                    "cta_url": "",
                },
            ),
            (
                "product_grid",
                {"heading": "Produk terbaru", "source": "newest", "category": None, "products": [], "limit": 10},
            ),
            (
                "promo_banner",
                {
                    "image": banner_image,
                    "heading": "Gratis ongkir se-Jawa",
                    "text": "Untuk belanja minimal Rp 200.000 sampai akhir bulan.",
                    "link_page": catalog,
                    "link_url": "",
                    "colour": "green",
                },
            ),
            (
                "product_grid",
                {
                    "heading": "Kopi & minuman",
                    "source": "category",
                    "category": categories["minuman"][0],
                    "products": [],
                    "limit": 5,
                },
            ),
            (
                "product_grid",
                {
                    "heading": "Pilihan kami",
                    "source": "picked",
                    "category": None,
                    "products": list(
                        Product.objects.filter(sku__in=["DEMO-008", "DEMO-022", "DEMO-028", "DEMO-034", "DEMO-015"])
                    ),
                    "limit": 5,
                },
            ),
        ]
        home.save_revision().publish()

    def settings(self, home):
        site = Site.objects.get(is_default_site=True)
        store = StoreSettings.for_site(site)
        if not store.whatsapp:
            store.name = "Toko Nusantara"
            store.tagline = "Produk UMKM pilihan, dikirim dari Yogyakarta"
            store.whatsapp = "6281234567890"
            store.email = "halo@toko.com"
            store.phone = "0274 123456"
            store.address = "Jl. Kaliurang Km 7 No. 12\nSleman, DI Yogyakarta 55581"
            store.bank_accounts = [
                ("account", {"bank": "BCA", "number": "1234567890", "holder": "Toko Nusantara"}),
                ("account", {"bank": "BRI", "number": "0123-01-000123-56-7", "holder": "Toko Nusantara"}),
                ("account", {"bank": "Mandiri", "number": "137-00-1234567-8", "holder": "Toko Nusantara"}),
            ]
            store.footer_text = "<p>Buka setiap hari 08.00–20.00 WIB.</p>"
            store.save()
        nav = NavigationSettings.for_site(site)
        if not nav.header_links:
            catalog = CatalogPage.objects.first()
            pages = {p.slug: p for p in StandardPage.objects.all()}
            nav.header_links = [("link", {"page": catalog, "url": "", "text": "Semua Produk"})] + [
                ("link", {"page": None, "url": f"{catalog.url}?kategori={slug}", "text": name})
                for name, slug, _colour in demo_catalog.CATEGORIES[:4]
            ]
            nav.footer_links = [
                ("link", {"page": pages[slug], "url": "", "text": pages[slug].title})
                for slug in ("tentang-kami", "cara-belanja", "pengiriman", "faq")
                if slug in pages
            ]
            nav.save()
        PaymentSettings.load()

    def shipping(self):
        """Flat rates for anywhere and per island group, the banner's free-shipping rule, and the origin."""
        for order, (courier, service, cost, (fastest, slowest)) in enumerate(SHIPPING_RATES):
            for island_group, (factor, later) in [("", (1, 0)), *ISLAND_RATES.items()]:
                ShippingRate.objects.get_or_create(
                    courier=courier,
                    service=service,
                    island_group=island_group,
                    province=None,
                    defaults={
                        "cost": ceil(cost * factor / 1000) * 1000,  # whole thousands, rounded up as couriers do
                        "etd": _days(fastest + later, slowest + later),
                        "sort_order": order,
                    },
                )
        ShippingRule.objects.get_or_create(name=FREE_SHIPPING_RULE["name"], defaults=FREE_SHIPPING_RULE)
        shipping_settings = ShippingSettings.load()
        if shipping_settings.origin_district_id is None and District.objects.filter(code=ORIGIN_DISTRICT).exists():
            shipping_settings.origin_district_id = ORIGIN_DISTRICT
            shipping_settings.save()

    def accounts(self):
        User = get_user_model()
        for email, password, group_name, full_name in DEMO_ACCOUNTS:
            first, _, last = full_name.partition(" ")
            user, created = User.objects.get_or_create(
                username=email, defaults={"email": email, "first_name": first, "last_name": last}
            )
            if created:
                user.set_password(password)
                user.is_staff = group_name == roles.ADMIN
                user.is_superuser = group_name == roles.ADMIN
                user.save()
            if group_name:
                user.groups.add(Group.objects.get(name=group_name))
            EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})

    def synonyms(self):
        for words in DEMO_SYNONYMS:
            Synonym.objects.get_or_create(words=words)


def _image(title, data):
    existing = Image.objects.filter(title=title).first()
    if existing:
        return existing
    filename = title.lower().replace(" ", "-") + ".jpg"
    return Image.objects.create(title=title, file=ContentFile(data, name=filename))


def _days(low, high):
    return f"{low} hari" if low == high else f"{low}-{high} hari"


def _slugify(name):
    return slugify(name)[:200]
