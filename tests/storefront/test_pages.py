import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.views.defaults import server_error
from wagtail.models import Site

from home.blocks import ProductGridBlock
from home.models import HomePage, StandardPage, StoreSettings
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(catalog_page, category):
    """Three categories' worth of products, one inactive, one sold out."""
    other = factories.category(name="Minuman")
    products = [
        factories.product(category=category, name=f"Keripik {i}", stock=5, price=10_000 + i * 1000) for i in range(5)
    ]
    products += [factories.product(category=other, name=f"Kopi {i}", stock=5, price=50_000 + i) for i in range(3)]
    factories.product(category=category, name="Produk Tersembunyi", stock=5, is_active=False)
    factories.product(category=other, name="Kopi Habis", stock=0)
    return {"category": category, "other": other, "products": products}


def test_home_page_renders_with_every_block(client, shelf):
    from django.core.files.base import ContentFile
    from wagtail.images.models import Image

    from home.demo.images import draw_picture

    image = Image.objects.create(
        title="hero", file=ContentFile(draw_picture("Hero", "#e8562a", size=(320, 120)), name="hero.jpg")
    )
    home = HomePage.objects.get()
    home.body = [
        (
            "hero",
            {
                "image": image,
                "heading": "Produk lokal pilihan",
                "text": "Teks",
                "cta_text": "Belanja",
                "cta_page": None,
                "cta_url": "/produk/",
            },
        ),
        ("product_grid", {"heading": "Terbaru", "source": "newest", "category": None, "products": [], "limit": 4}),
        (
            "product_grid",
            {"heading": "Kopi", "source": "category", "category": shelf["other"], "products": [], "limit": 4},
        ),
        (
            "product_grid",
            {"heading": "Pilihan", "source": "picked", "category": None, "products": shelf["products"][:2], "limit": 4},
        ),
        (
            "promo_banner",
            {
                "image": None,
                "heading": "Gratis ongkir",
                "text": "",
                "link_page": None,
                "link_url": "",
                "colour": "green",
            },
        ),
        ("rich_text", "<p>Selamat datang</p>"),
    ]
    home.save_revision().publish()
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Produk lokal pilihan", "Terbaru", "Gratis ongkir", "Selamat datang", "Kopi 0", "Rp 50.000"):
        assert text in html
    assert "Produk Tersembunyi" not in html


def test_standard_page_renders(client):
    home = HomePage.objects.get()
    home.add_child(
        instance=StandardPage(
            title="Cara Belanja", slug="cara-belanja", intro="Mudah", body=[("rich_text", "<p>Langkah satu</p>")]
        )
    )
    response = client.get("/cara-belanja/")
    assert response.status_code == 200
    assert "Langkah satu" in response.content.decode()


def test_catalog_lists_only_active_products(client, shelf, catalog_page):
    response = client.get(catalog_page.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Keripik 0" in html and "Kopi 2" in html
    assert "Produk Tersembunyi" not in html
    assert "Habis" in html  # the sold-out card says so


def test_catalog_filters_by_category(client, shelf, catalog_page):
    response = client.get(catalog_page.url, {"kategori": shelf["other"].slug})
    names = [p.name for p in response.context["products"]]
    assert sorted(names) == ["Kopi 0", "Kopi 1", "Kopi 2", "Kopi Habis"]


def test_catalog_unknown_category_shows_nothing(client, shelf, catalog_page):
    response = client.get(catalog_page.url, {"kategori": "tidak-ada"})
    assert response.status_code == 200
    assert list(response.context["products"]) == []


def test_parent_category_includes_children(client, catalog_page, category):
    child = factories.category(name="Anak", parent=category)
    factories.product(category=child, name="Produk Anak", stock=1)
    response = client.get(catalog_page.url, {"kategori": category.slug})
    assert [p.name for p in response.context["products"]] == ["Produk Anak"]


@pytest.mark.parametrize(
    "sort, key, reverse",
    [("price_asc", "price", False), ("price_desc", "price", True), ("name", "name", False)],
)
def test_catalog_sorts(client, shelf, catalog_page, sort, key, reverse):
    products = list(client.get(catalog_page.url, {"urut": sort}).context["products"])
    # Sorted among what can be bought, then among what is sold out (issue 17).
    for part in ([p for p in products if p.in_stock], [p for p in products if not p.in_stock]):
        values = [getattr(p, key) for p in part]
        assert values == sorted(values, reverse=reverse)
    assert [p.in_stock for p in products] == sorted((p.in_stock for p in products), reverse=True)


def test_catalog_sort_newest_first(client, shelf, catalog_page):
    products = list(client.get(catalog_page.url, {"urut": "newest"}).context["products"])
    # The newest product is sold out: the newest one a buyer can buy comes first, it comes last.
    assert products[0].name != "Kopi Habis" and products[0].in_stock
    assert products[-1].name == "Kopi Habis"


def test_catalog_paginates(client, shelf, catalog_page, settings):
    settings.CATALOG_PAGE_SIZE = 4
    first = client.get(catalog_page.url)
    assert len(first.context["products"]) == 4
    assert first.context["page_obj"].paginator.num_pages == 3
    last = client.get(catalog_page.url, {"halaman": 3})
    assert len(last.context["products"]) == 1
    # Garbage or out-of-range page numbers fall back instead of failing.
    assert client.get(catalog_page.url, {"halaman": "abc"}).status_code == 200
    assert client.get(catalog_page.url, {"halaman": 99}).context["page_obj"].number == 3


def test_catalog_query_count_does_not_grow_with_products(client, catalog_page, category, settings):
    settings.CATALOG_PAGE_SIZE = 50
    from django.core.files.base import ContentFile
    from wagtail.images.models import Image

    from home.demo.images import draw_picture
    from shop.models import ProductImage

    image = Image.objects.create(title="p", file=ContentFile(draw_picture("P", "#0ea5e9", size=(64, 64)), name="p.jpg"))

    def add(n):
        for _ in range(n):
            product = factories.product(category=category, stock=2)
            ProductImage.objects.create(product=product, image=image)

    add(3)
    client.get(catalog_page.url)  # warm caches (site root, renditions)
    with CaptureQueriesContext(connection) as few:
        assert client.get(catalog_page.url).status_code == 200
    add(30)
    client.get(catalog_page.url)
    with CaptureQueriesContext(connection) as many:
        assert client.get(catalog_page.url).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(many) <= 15


def test_product_page(client, catalog_page, category):
    product = factories.product(
        category=category,
        name="Kopi Gayo",
        price=85_000,
        compare_at_price=100_000,
        stock=4,
        description="<p>Arabika</p>",
    )
    response = client.get(product.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Kopi Gayo" in html and "Rp 85.000" in html and "Rp 100.000" in html and "Arabika" in html
    assert "Tersedia" in html and "-15%" in html


def test_sold_out_product_page_says_habis(client, catalog_page, category):
    product = factories.product(category=category, stock=0)
    html = client.get(product.get_absolute_url()).content.decode()
    assert "Habis" in html and "Tersedia" not in html


def test_inactive_or_unknown_product_is_404(client, catalog_page, category):
    product = factories.product(category=category, stock=3, is_active=False)
    assert client.get(f"{catalog_page.url}{product.slug}/").status_code == 404
    assert client.get(f"{catalog_page.url}tidak-ada/").status_code == 404


def test_catalog_url_follows_a_renamed_catalog_page(client, catalog_page, product):
    first_url = product.get_absolute_url()
    catalog_page.slug = "belanja"
    catalog_page.save_revision().publish()
    assert product.get_absolute_url() != first_url
    assert client.get(product.get_absolute_url()).status_code == 200


def test_landing_page_renders_its_blocks(client):
    from home.models import LandingPage

    home = HomePage.objects.get()
    home.add_child(
        instance=LandingPage(title="Promo Lebaran", slug="promo-lebaran", body=[("rich_text", "<p>Diskon 20%</p>")])
    )
    response = client.get("/promo-lebaran/")
    assert response.status_code == 200 and "Diskon 20%" in response.content.decode()


@pytest.mark.parametrize("sort", ["newest", "price_asc", "price_desc", "name"])
def test_sold_out_products_come_last_in_every_catalog_order(client, catalog_page, category, sort):
    sold_out = factories.product(category=category, name="Aaa Habis", price=1_000, stock=0)
    for_sale = [factories.product(category=category, name=f"Produk {n}", price=5_000 + n, stock=3) for n in range(3)]
    newest_sold_out = factories.product(category=category, name="Zzz Habis", price=99_000, stock=0)
    listed = list(client.get(catalog_page.url, {"urut": sort}).context["products"])
    assert set(listed[:3]) == set(for_sale)
    assert set(listed[3:]) == {sold_out, newest_sold_out}


def test_sold_out_products_come_last_in_home_grids(category):
    sold_out = factories.product(category=category, name="Habis", stock=0)
    for_sale = factories.product(category=category, name="Tersedia", stock=2)
    newest_sold_out = factories.product(category=category, name="Habis Baru", stock=0)
    grid = ProductGridBlock()
    newest = grid.get_products({"source": "newest", "category": None, "products": [], "limit": 8})
    assert newest == [for_sale, newest_sold_out, sold_out]
    picked = grid.get_products(
        {"source": "picked", "category": None, "products": [sold_out, for_sale, newest_sold_out], "limit": 8}
    )
    assert picked == [for_sale, sold_out, newest_sold_out]  # the owner's order otherwise


def test_a_missing_page_is_answered_in_the_shops_layout(client, catalog_page):
    for path in ("/tidak-ada-sama-sekali/", f"{catalog_page.url}produk-yang-tidak-ada/"):
        response = client.get(path)
        html = response.content.decode()
        assert response.status_code == 404
        assert "Halaman tidak ditemukan" in html and 'class="site-header"' in html and 'name="q"' in html


def test_a_server_error_is_answered_in_indonesian_without_the_database(rf, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = server_error(rf.get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Maaf, terjadi gangguan" in html and "tokoku.css" in html


@pytest.mark.parametrize("typed", ["0812 3456 7890", "0812-3456-7890", "+62 812 3456 7890", "6281234567890"])
def test_the_shops_whatsapp_number_is_kept_in_one_form_whatever_was_typed(client, typed):
    store = StoreSettings.for_site(Site.objects.get(is_default_site=True))
    store.whatsapp = typed
    store.full_clean()  # what Wagtail's settings form runs on save
    store.save()
    assert store.whatsapp == "+6281234567890"
    html = client.get("/").content.decode()
    assert 'href="https://wa.me/6281234567890"' in html and "WhatsApp 0812 3456 7890" in html


def test_a_whatsapp_number_that_is_not_a_mobile_number_is_refused():
    store = StoreSettings.for_site(Site.objects.get(is_default_site=True))
    store.whatsapp = "0274 123"
    with pytest.raises(ValidationError) as refused:
        store.full_clean()
    assert "whatsapp" in refused.value.message_dict


def test_a_number_saved_before_it_was_normalised_still_links(client):
    store = StoreSettings.for_site(Site.objects.get(is_default_site=True))
    StoreSettings.objects.filter(pk=store.pk).update(whatsapp="0812 3456 7890")
    html = client.get("/").content.decode()
    assert 'href="https://wa.me/6281234567890"' in html and "wa.me/0812" not in html
