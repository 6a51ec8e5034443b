"""The result page (issue 16, item 4): filters by category and price with counts, sort, "did you mean",
and empty states that suggest categories instead of a dead end. Every database."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def page(client, **params):
    response = client.get(reverse("search"), params)
    assert response.status_code == 200
    return response


def names(response):
    return [product.name for product in response.context["products"]]


def facets(response, kind):
    return {
        facet["name" if kind == "categories" else "label"]: facet["count"]
        for facet in getattr(response.context["result"], kind)
    }


def test_category_filter_counts_and_narrows(client, demo_shelf):
    response = page(client, q="keripik")
    assert facets(response, "categories") == {"Makanan Ringan": 2}
    response = page(client, q="kopi")
    assert facets(response, "categories") == {"Minuman": 2}
    # "pedas": the chips and the sauce, in two categories.
    response = page(client, q="pedas")
    assert facets(response, "categories") == {"Bumbu Dapur": 1, "Makanan Ringan": 1}
    slug = demo_shelf["sambal"].category.slug
    response = page(client, q="pedas", kategori=slug)
    assert names(response) == ["Sambal Bawang Botol"]
    # The other category's count stays visible, so the buyer can switch.
    assert facets(response, "categories") == {"Bumbu Dapur": 1, "Makanan Ringan": 1}
    html = response.content.decode()
    assert 'aria-current="true"' in html


def test_price_filter_counts_and_narrows(client, demo_shelf):
    response = page(client, q="kopi")
    counts = facets(response, "price_ranges")
    assert counts["Rp 25.000 – Rp 50.000"] == 1
    assert counts["Rp 50.000 – Rp 100.000"] == 1
    assert counts["Di bawah Rp 25.000"] == 0
    response = page(client, q="kopi", harga="50000-100000")
    assert names(response) == ["Kopi Gayo Arabika 200 g"]
    html = response.content.decode()
    # Ranges with nothing in them are not offered; the chosen one is marked.
    assert "Di bawah Rp 25.000" not in html
    assert "Rp 50.000 – Rp 100.000" in html


def test_filters_combine_and_an_empty_combination_offers_a_reset(client, demo_shelf):
    response = page(client, q="pedas", kategori=demo_shelf["sambal"].category.slug, harga="0-25000")
    assert names(response) == []
    html = response.content.decode()
    assert "Tidak ada produk dengan saringan ini." in html
    assert 'href="?q=pedas"' in html


def test_unknown_filter_values_are_ignored(client, demo_shelf):
    # An old link to a category since deleted still shows the results rather than nothing.
    assert len(names(page(client, q="kopi", harga="murah", urut="acak"))) == 2
    assert len(names(page(client, q="kopi", kategori="tidak-ada"))) == 2


@pytest.mark.parametrize(
    "urut, expected",
    [
        ("termurah", ["Kopi Robusta Lampung", "Kopi Gayo Arabika 200 g"]),
        ("termahal", ["Kopi Gayo Arabika 200 g", "Kopi Robusta Lampung"]),
        ("terbaru", ["Kopi Robusta Lampung", "Kopi Gayo Arabika 200 g"]),
    ],
)
def test_sort(client, demo_shelf, urut, expected):
    assert names(page(client, q="kopi", urut=urut)) == expected


def test_sort_form_keeps_query_and_filters_and_works_without_javascript(client, demo_shelf):
    slug = demo_shelf["kopi"].category.slug
    html = page(client, q="kopi", kategori=slug, urut="termahal").content.decode()
    assert '<input type="hidden" name="q" value="kopi">' in html
    assert f'<input type="hidden" name="kategori" value="{slug}">' in html
    assert '<option value="termahal" selected>' in html
    assert "<noscript>" in html


def test_filter_links_keep_the_sort_and_pages_keep_everything(client, demo_shelf, settings):
    settings.CATALOG_PAGE_SIZE = 1
    html = page(client, q="kopi", urut="termurah", harga="25000-50000").content.decode()
    assert "?q=kopi&amp;kategori=" in html and "urut=termurah" in html
    html = page(client, q="kopi", urut="termurah").content.decode()
    assert "?q=kopi&amp;urut=termurah&amp;halaman=2" in html


def test_no_results_suggest_categories_with_products(client, demo_shelf, catalog_page):
    response = page(client, q="sepatu roda")
    html = response.content.decode()
    assert "Maaf, produk “sepatu roda” tidak ditemukan." in html
    suggested = [category.name for category in response.context["result"].suggested_categories]
    assert suggested == sorted(["Makanan Ringan", "Minuman", "Bumbu Dapur", "Fashion Muslim"])
    slug = demo_shelf["kopi"].category.slug
    assert f'href="{catalog_page.url}?kategori={slug}"' in html


def test_a_category_without_active_products_is_not_suggested(client, demo_shelf):
    demo_shelf["hijab"].category.products.update(is_active=False)
    response = page(client, q="sepatu roda")
    assert "Fashion Muslim" not in [c.name for c in response.context["result"].suggested_categories]


def test_did_you_mean_links_to_the_corrected_search(client, demo_shelf):
    response = page(client, q="gamsi")
    assert names(response) == ["Gamis Katun Rayon"]
    html = response.content.decode()
    assert "Menampilkan hasil untuk <strong>gamis</strong>." in html
    assert 'href="?q=gamis"' in html


def test_a_kept_page_shows_the_catalog_as_it_is_now(client, demo_shelf, settings):
    # Search keeps pages of its own (search/caching.py, tests/search/test_cache.py), dropped by any catalog change.
    settings.PAGE_CACHE_SECONDS = 60
    assert names(page(client, q="gamis")) == ["Gamis Katun Rayon"]
    demo_shelf["gamis"].is_active = False
    demo_shelf["gamis"].save()
    assert names(page(client, q="gamis")) == []
    assert "max-age" not in page(client, q="gamis").get("Cache-Control", "")
