"""Storefront search (/search/?q=) on the database backend: SQLite FTS5, PostgreSQL's and MariaDB's full-text.

Tests marked `fulltext` read the full-text index, which on MariaDB sees only committed rows: there
they commit their data (tests/conftest.py), so they test the search buyers get, not an empty index.
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.search.backends import get_search_backend
from wagtail.search.models import IndexEntry

from search.views import normalize_query
from shop.models import Product
from tests import factories

pytestmark = pytest.mark.django_db


def search(client, q=None, **params):
    if q is not None:
        params["q"] = q
    response = client.get(reverse("search"), params)
    assert response.status_code == 200
    return response


def found(response):
    return [product.name for product in response.context["products"]]


@pytest.fixture
def shelf(catalog_page):
    drinks = factories.category(name="Minuman Tradisional")
    snacks = factories.category(name="Makanan Ringan")
    return {
        "kopi": factories.product(
            name="Kopi Gayo Arabika 200 g",
            sku="DEMO-008",
            category=drinks,
            stock=5,
            description="<p>Biji kopi arabika, sangrai medium, aroma cokelat dan rempah.</p>",
        ),
        "wedang": factories.product(
            name="Wedang Uwuh Jogja",
            sku="DEMO-012",
            price=25_000,
            category=drinks,
            stock=5,
            description="<p>Rempah khas Imogiri: secang, jahe, cengkih.</p>",
        ),
        "keripik": factories.product(
            name="Keripik Singkong Balado",
            sku="DEMO-001",
            category=snacks,
            stock=5,
            description="<p>Keripik renyah dengan bumbu balado pedas manis.</p>",
        ),
        "hidden": factories.product(
            name="Kopi Luwak Rahasia",
            sku="DEMO-099",
            category=drinks,
            stock=5,
            is_active=False,
            description="<p>Biji kopi arabika pilihan yang tidak dijual lagi.</p>",
        ),
    }


# --- What the buyer finds ---------------------------------------------------------------------


@pytest.mark.fulltext
@pytest.mark.parametrize(
    "q, expected",
    [
        ("kopi", ["Kopi Gayo Arabika 200 g"]),
        ("KOPI gayo", ["Kopi Gayo Arabika 200 g"]),
        ("DEMO-012", ["Wedang Uwuh Jogja"]),
        ("demo-001", ["Keripik Singkong Balado"]),
        ("sangrai", ["Kopi Gayo Arabika 200 g"]),
        ("cengkih", ["Wedang Uwuh Jogja"]),
        ("tradisional", ["Kopi Gayo Arabika 200 g", "Wedang Uwuh Jogja"]),
        ("makanan ringan", ["Keripik Singkong Balado"]),
        ("balado", ["Keripik Singkong Balado"]),
    ],
    ids=[
        "name",
        "two-words",
        "sku",
        "sku-lowercase",
        "description",
        "description-2",
        "category",
        "category-2",
        "name-and-description",
    ],
)
def test_finds_products_by_name_sku_description_and_category(client, shelf, q, expected):
    assert sorted(found(search(client, q))) == expected


@pytest.mark.fulltext
def test_a_word_prefix_finds_product_names(client, shelf):
    # Buyers on phones stop typing early: "kop" should still find the coffee.
    assert found(search(client, "kop")) == ["Kopi Gayo Arabika 200 g"]


@pytest.mark.fulltext
def test_exact_sku_comes_first_then_other_matches(client, shelf, category):
    factories.product(name="Kopi Robusta DEMO-008 Refill", sku="REFILL-1", category=category)
    names = found(search(client, "DEMO-008"))
    assert names[0] == "Kopi Gayo Arabika 200 g"
    assert len(names) == len(set(names))


def test_a_sku_with_symbols_is_found_as_typed(client, shelf, category):
    factories.product(name="Batik Tulis Sekar Jagad", sku="BTK#07+A", category=category)
    assert found(search(client, "btk#07+a")) == ["Batik Tulis Sekar Jagad"]


@pytest.mark.fulltext
@pytest.mark.parametrize("q", ["kopi", "luwak", "DEMO-099", "rahasia", "kopi arabika", "luw"])
def test_inactive_products_never_appear(client, shelf, q):
    response = search(client, q)
    assert "Kopi Luwak Rahasia" not in found(response)
    assert "Luwak" not in response.content.decode()


@pytest.mark.fulltext
def test_results_render_as_product_cards_with_links(client, shelf):
    html = search(client, "wedang").content.decode()
    assert 'class="product-card' in html
    assert shelf["wedang"].get_absolute_url() in html
    assert "Rp 25.000" in html


# --- States --------------------------------------------------------------------------------------


def test_empty_query_invites_to_search(client, shelf, catalog_page):
    for params in ({}, {"q": ""}, {"q": "   "}):
        response = client.get(reverse("search"), params)
        assert response.status_code == 200
        assert response.context["page_obj"] is None
        html = response.content.decode()
        assert "Ketik nama produk" in html
        assert catalog_page.url in html
        assert 'class="product-card' not in html


def test_no_results_says_so_kindly(client, shelf, catalog_page):
    response = search(client, "sepatu roda")
    assert found(response) == []
    html = response.content.decode()
    assert "Maaf, produk “sepatu roda” tidak ditemukan." in html
    assert "Lihat semua produk" in html


def test_the_search_form_keeps_the_query_and_the_page_is_not_for_crawlers(client, shelf):
    html = search(client, "kopi").content.decode()
    assert 'name="q" value="kopi"' in html
    assert 'name="robots" content="noindex' in html


# --- Pagination ----------------------------------------------------------------------------------


@pytest.fixture
def many_teas(catalog_page, category, settings):
    settings.CATALOG_PAGE_SIZE = 2
    return [factories.product(name=f"Teh Melati {i}", category=category) for i in range(5)]


@pytest.mark.fulltext
@pytest.mark.parametrize(
    "halaman, expected_page, expected_count",
    [(1, 1, 2), (2, 2, 2), (3, 3, 1), ("99", 3, 1), ("abc", 1, 2), ("-1", 3, 1)],
)
def test_pagination(client, many_teas, halaman, expected_page, expected_count):
    response = search(client, "teh melati", halaman=halaman)
    page = response.context["page_obj"]
    assert page.paginator.count == 5
    assert page.number == expected_page
    assert len(found(response)) == expected_count


@pytest.mark.fulltext
def test_pages_cover_every_result_once_and_links_keep_the_query(client, many_teas):
    seen = []
    for number in (1, 2, 3):
        response = search(client, "teh melati", halaman=number)
        seen += found(response)
    assert sorted(seen) == sorted(p.name for p in many_teas)
    html = search(client, "teh melati", halaman=2).content.decode()
    assert "?q=teh+melati&amp;halaman=1" in html
    assert "?q=teh+melati&amp;halaman=3" in html


@pytest.mark.fulltext
def test_query_count_does_not_grow_with_the_page_size(client, catalog_page, category, settings):
    settings.CATALOG_PAGE_SIZE = 24

    def queries_for(n):
        Product.objects.filter(name__startswith="Sabun").delete()
        for i in range(n):
            factories.product(name=f"Sabun Sereh {i}", category=category)
        search(client, "sabun")  # warm the per-process caches (site, settings)
        with CaptureQueriesContext(connection) as captured:
            assert len(found(search(client, "sabun"))) == n
        return len(captured)

    assert queries_for(2) == queries_for(12)


# --- Odd input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    [
        '"',
        'kopi"',
        "*",
        "AND",
        "kopi OR",
        "NEAR(kopi",
        "(",
        "kopi & !teh",
        "'; DROP TABLE shop_product; --",
        "\\",
        "%_%",
        "🙂☕",
        "k" * 5000,
        "kopi " * 400,
        "<script>alert(1)</script>",
        "kopi\x00",
        "-kopi",
        "kopi:*",
    ],
    ids=lambda q: repr(q[:20]),
)
def test_odd_queries_are_harmless(client, shelf, q):
    response = search(client, q)
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "Kopi Luwak Rahasia" not in found(response)
    assert Product.objects.count() == 4


@pytest.mark.fulltext
def test_odd_query_keeps_the_useful_words(client, shelf):
    assert found(search(client, '"kopi"')) == ["Kopi Gayo Arabika 200 g"]
    assert found(search(client, "kopi!!!")) == ["Kopi Gayo Arabika 200 g"]


@pytest.mark.parametrize(
    "raw, normalized",
    [
        ("  Kopi   Gayo ", "Kopi Gayo"),
        ('"kopi" AND (teh)', "kopi AND teh"),
        ("DEMO-001", "DEMO-001"),
        ("1.5kg", "1.5kg"),
        ("!!!", ""),
    ],
)
def test_normalize_query(raw, normalized):
    assert normalize_query(raw) == normalized


# --- The index follows the catalog ---------------------------------------------------------------


def backend_finds(q):
    return [p.name for p in get_search_backend().search(q, Product.objects.active())]


@pytest.mark.fulltext
def test_index_entry_is_written_when_a_product_is_created_and_removed_when_deleted(catalog_page, category):
    product = factories.product(name="Sambal Bawang Botol", category=category)
    content_type = ContentType.objects.get_for_model(Product)
    assert IndexEntry.objects.filter(content_type=content_type, object_id=str(product.pk)).exists()
    assert backend_finds("sambal") == ["Sambal Bawang Botol"]

    product.delete()
    assert not IndexEntry.objects.filter(content_type=content_type, object_id=str(product.pk)).exists()
    assert backend_finds("sambal") == []


@pytest.mark.fulltext
def test_renaming_a_product_updates_the_index(catalog_page, category):
    product = factories.product(name="Sambal Bawang Botol", category=category)
    product.name = "Terasi Udang Bangka"
    product.save()
    assert backend_finds("terasi") == ["Terasi Udang Bangka"]
    assert backend_finds("sambal") == []


@pytest.mark.fulltext
def test_deactivating_a_product_hides_it_at_once(client, catalog_page, category):
    product = factories.product(name="Sambal Bawang Botol", category=category)
    assert found(search(client, "sambal")) == ["Sambal Bawang Botol"]
    product.is_active = False
    product.save()
    assert found(search(client, "sambal")) == []
    # Even a change that skips the save signals (a bulk update) cannot show it: the filter is in the query.
    Product.objects.filter(pk=product.pk).update(is_active=True)
    Product.objects.filter(pk=product.pk).update(is_active=False)
    assert found(search(client, "sambal")) == []


@pytest.mark.fulltext
def test_renaming_a_category_reindexes_its_products(catalog_page):
    category = factories.category(name="Bumbu Dapur")
    factories.product(name="Sambal Bawang Botol", category=category)
    assert backend_finds("dapur") == ["Sambal Bawang Botol"]
    category.name = "Rempah Nusantara"
    category.save()
    assert backend_finds("nusantara") == ["Sambal Bawang Botol"]
    assert backend_finds("dapur") == []


@pytest.mark.fulltext
def test_update_index_rebuilds_lost_entries(catalog_page, category):
    from django.core.management import call_command

    factories.product(name="Sambal Bawang Botol", category=category)
    # As after restoring a database dump without the search index, or a bulk load that skipped signals.
    IndexEntry.objects.all().delete()
    assert backend_finds("sambal") == []
    call_command("update_index", backend_name="default", verbosity=0)
    assert backend_finds("sambal") == ["Sambal Bawang Botol"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search only")
def test_postgresql_backend_is_the_full_text_one():
    from wagtail.search.backends.database.postgres.postgres import PostgresSearchBackend

    assert isinstance(get_search_backend(), PostgresSearchBackend)
