"""Our Meilisearch backend (search/backends/meilisearch.py).

The unit tests intercept the HTTP calls of the meilisearch client with `responses` and check what
is sent: index settings, product documents, search requests. The last test talks to a real server
and runs only when MEILISEARCH_URL is set.
"""

import json
import os
import re
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.core.management import call_command
from django.urls import reverse
from wagtail.search.backends import get_search_backend

from search.backends import SearchUnavailable
from search.backends import meilisearch as meili_backend
from search.engine import MAX_HITS
from search.models import Synonym
from shop.models import Product
from tests import factories

pytestmark = pytest.mark.django_db

FAKE_URL = "http://meili.test:7700"
INDEX = "tokoku_shop_product"
STOP_WORDS = ["dan", "yang", "di"]


class FakeMeilisearch:
    """Just enough of Meilisearch's HTTP API to record what the backend sends and answer searches."""

    def __init__(self, mock):
        self.calls = []  # (method, path, query, body)
        self.documents = {}
        self.settings = {}
        self.down = False
        self.headers = None
        mock.add_callback(responses.POST, re.compile(rf"{FAKE_URL}/.*"), callback=self.handle)
        mock.add_callback(responses.PATCH, re.compile(rf"{FAKE_URL}/.*"), callback=self.handle)
        mock.add_callback(responses.PUT, re.compile(rf"{FAKE_URL}/.*"), callback=self.handle)
        mock.add_callback(responses.DELETE, re.compile(rf"{FAKE_URL}/.*"), callback=self.handle)
        mock.add_callback(responses.GET, re.compile(rf"{FAKE_URL}/.*"), callback=self.handle)

    def requests(self, method=None, path=None):
        return [c for c in self.calls if (method is None or c[0] == method) and (path is None or c[1] == path)]

    def bodies(self, method, path):
        return [body for _m, _p, _q, body in self.requests(method, path)]

    @staticmethod
    def task(kind):
        return (
            202,
            {},
            json.dumps(
                {
                    "taskUid": 1,
                    "indexUid": INDEX,
                    "status": "enqueued",
                    "type": kind,
                    "enqueuedAt": "2025-01-01T00:00:00.000000Z",
                }
            ),
        )

    def handle(self, request):
        if self.down:
            raise requests.ConnectionError("Meilisearch is down")
        self.headers = request.headers
        parts = urlsplit(request.url)
        body = json.loads(request.body) if request.body else None
        self.calls.append((request.method, parts.path, parse_qs(parts.query), body))
        path = parts.path
        if request.method == "POST" and path == "/indexes":
            return self.task("indexCreation")
        if request.method == "PATCH" and path == f"/indexes/{INDEX}/settings":
            self.settings.update(body)
            return self.task("settingsUpdate")
        if request.method == "POST" and path == f"/indexes/{INDEX}/documents":
            for document in body:
                self.documents[document["id"]] = document
            return self.task("documentAdditionOrUpdate")
        if request.method == "DELETE" and path == f"/indexes/{INDEX}/documents":
            self.documents.clear()
            return self.task("documentDeletion")
        if request.method == "DELETE" and path.startswith(f"/indexes/{INDEX}/documents/"):
            self.documents.pop(int(path.rsplit("/", 1)[1]), None)
            return self.task("documentDeletion")
        if request.method == "POST" and path == f"/indexes/{INDEX}/search":
            return 200, {}, json.dumps(self.search(body))
        raise AssertionError(f"Unexpected call {request.method} {request.url}")

    def search(self, body):
        words = [w.lower() for w in body["q"].split()]
        attributes = self.settings.get("searchableAttributes", ["name"])
        hits = []
        for document in sorted(self.documents.values(), key=lambda d: d["id"]):
            text = " ".join(str(document.get(a, "")) for a in attributes).lower()
            if not all(w in text for w in words):
                continue
            filter_expression = body.get("filter")
            if filter_expression not in (None, "is_active = true"):
                raise AssertionError(f"The fake only understands the storefront's filter, not {filter_expression!r}")
            if filter_expression and document["is_active"] is not True:
                continue
            hits.append({"id": document["id"]})
        if "hitsPerPage" in body:
            size = body["hitsPerPage"]
            start = (body["page"] - 1) * size
            return {
                "hits": hits[start : start + size],
                "totalHits": len(hits),
                "page": body["page"],
                "hitsPerPage": size,
            }
        offset, limit = body.get("offset", 0), body.get("limit", 20)
        return {
            "hits": hits[offset : offset + limit],
            "estimatedTotalHits": len(hits),
            "offset": offset,
            "limit": limit,
        }


@pytest.fixture
def meili(settings):
    settings.WAGTAILSEARCH_BACKENDS = {
        "default": {"BACKEND": "wagtail.search.backends.database"},
        "storefront": {
            "BACKEND": "search.backends.meilisearch",
            "URL": FAKE_URL,
            "API_KEY": "kunci-rahasia",
            "INDEX_PREFIX": "tokoku",
            "MODELS": ["shop.Product"],
            "STOP_WORDS": STOP_WORDS,
        },
    }
    meili_backend._configured_indexes.clear()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeMeilisearch(mock)
    meili_backend._configured_indexes.clear()


@pytest.fixture
def coffee(meili, catalog_page):
    category = factories.category(name="Minuman")
    return factories.product(
        name="Kopi Gayo Arabika",
        sku="DEMO-008",
        price=85_000,
        category=category,
        description="<p>Biji kopi <b>arabika</b>, sangrai medium.</p>",
        stock=5,
    )


# --- What is sent when products change -------------------------------------------------------------


def test_a_saved_product_is_sent_as_a_document_of_its_searchable_and_filterable_fields(meili, coffee):
    (documents,) = meili.bodies("POST", f"/indexes/{INDEX}/documents")[-1:]
    assert documents == [
        {
            "id": coffee.pk,
            "name": "Kopi Gayo Arabika",
            "sku": "DEMO-008",
            "variant_words": "",
            "description": "Biji kopi arabika, sangrai medium.",
            "category__name": "Minuman",
            "is_active": True,
            "category_id": coffee.category_id,
            "price": 85_000,
            "created_at": int(coffee.created_at.timestamp()),
        }
    ]
    (_method, _path, query, _body) = meili.requests("POST", f"/indexes/{INDEX}/documents")[-1]
    assert query == {"primaryKey": ["id"]}


def test_a_product_with_options_is_sent_with_the_words_of_its_variants(meili, catalog_page):
    hijab, _colours = factories.variant_product({"Hitam": 1, "Navy": 1}, name="Hijab Voal")
    hijab.save()  # as the admin saves it, after its variant rows

    (documents,) = meili.bodies("POST", f"/indexes/{INDEX}/documents")[-1:]
    assert documents[0]["variant_words"] == f"Warna Hitam {hijab.sku}-V1 Navy {hijab.sku}-V2"


def test_the_index_is_created_with_its_settings_once_per_process(meili, coffee, category):
    assert meili.bodies("POST", "/indexes") == [{"uid": INDEX, "primaryKey": "id"}]
    assert meili.bodies("PATCH", f"/indexes/{INDEX}/settings") == [
        {
            # Most important first: Meilisearch's attribute ranking follows this order (name boost 3, SKU 2).
            "searchableAttributes": ["name", "sku", "variant_words", "description", "category__name"],
            "filterableAttributes": ["is_active", "category_id", "price", "created_at"],
            "sortableAttributes": ["is_active", "category_id", "price", "created_at"],
            "stopWords": STOP_WORDS,
            "synonyms": {},
            "pagination": {"maxTotalHits": 1000},
        }
    ]
    factories.product(name="Teh Melati", category=category)
    assert len(meili.requests("PATCH", f"/indexes/{INDEX}/settings")) == 1


def test_the_api_key_is_sent_as_a_bearer_token(meili, coffee):
    assert meili.headers["Authorization"] == "Bearer kunci-rahasia"


def test_an_inactive_product_is_indexed_with_its_flag(meili, coffee):
    coffee.is_active = False
    coffee.save()
    assert meili.documents[coffee.pk]["is_active"] is False


def test_deleting_a_product_deletes_its_document(meili, catalog_page, category):
    # A product with stock movements is kept by the ledger, so this one never had stock.
    product = factories.product(name="Teh Melati", category=category)
    pk = product.pk
    assert pk in meili.documents
    product.delete()
    assert meili.requests("DELETE", f"/indexes/{INDEX}/documents/{pk}")
    assert pk not in meili.documents


def test_renaming_a_category_resends_its_products(meili, coffee):
    coffee.category.name = "Minuman Tradisional"
    coffee.category.save()
    assert meili.documents[coffee.pk]["category__name"] == "Minuman Tradisional"


# Ends in the database backend's full-text search, which on MariaDB needs committed rows.
@pytest.mark.fulltext
def test_pages_and_images_stay_out_of_meilisearch(meili, catalog_page):
    from home.models import StandardPage

    catalog_page.get_parent().add_child(instance=StandardPage(title="Cara Belanja", slug="cara-belanja"))
    assert meili.calls == []
    # Searching them through this backend is answered by the database backend.
    from wagtail.models import Page

    assert [p.title for p in get_search_backend("storefront").search("belanja", Page)] == ["Cara Belanja"]


def test_update_index_sends_settings_then_replaces_every_document(meili, coffee, category):
    inactive = factories.product(name="Kopi Luwak", category=category, is_active=False)
    meili.calls.clear()
    meili_backend._configured_indexes.clear()
    call_command("update_index", backend_name="storefront", verbosity=0)
    sequence = [(method, path) for method, path, _q, _b in meili.calls]
    assert sequence == [
        ("POST", "/indexes"),
        ("PATCH", f"/indexes/{INDEX}/settings"),
        ("DELETE", f"/indexes/{INDEX}/documents"),
        ("POST", f"/indexes/{INDEX}/documents"),
    ]
    assert sorted(meili.documents) == sorted([coffee.pk, inactive.pk])


# --- Searching ----------------------------------------------------------------------------------


def test_storefront_search_filters_inactive_products_in_the_query(client, meili, coffee, category):
    factories.product(name="Kopi Luwak", category=category, is_active=False)
    response = client.get(reverse("search"), {"q": "kopi"})
    assert response.status_code == 200
    assert [p.name for p in response.context["products"]] == ["Kopi Gayo Arabika"]
    searches = meili.bodies("POST", f"/indexes/{INDEX}/search")
    assert searches, "the storefront did not ask Meilisearch"
    for body in searches:
        assert body["q"] == "kopi"
        assert body["filter"] == "is_active = true"
        assert body["matchingStrategy"] == "all"
        assert body["attributesToRetrieve"] == ["id"]


def test_a_stale_document_of_an_inactive_product_is_still_hidden(client, meili, coffee):
    # A bulk update skips the save signals, so Meilisearch still thinks the product is active.
    Product.objects.filter(pk=coffee.pk).update(is_active=False)
    response = client.get(reverse("search"), {"q": "kopi"})
    assert list(response.context["products"]) == []


def test_one_request_reads_the_hits_the_page_filters_count_and_pages(client, meili, catalog_page, category, settings):
    # The result page counts its filters over every hit, so Meilisearch is asked once for the ids of all
    # of them (up to MAX_HITS), and the page's products are read from the database.
    settings.CATALOG_PAGE_SIZE = 2
    teas = [factories.product(name=f"Teh Melati {i}", category=category) for i in range(5)]
    meili.calls.clear()
    response = client.get(reverse("search"), {"q": "teh", "halaman": 2})
    page = response.context["page_obj"]
    assert page.paginator.count == 5
    assert [p.pk for p in response.context["products"]] == [teas[2].pk, teas[3].pk]
    bodies = meili.bodies("POST", f"/indexes/{INDEX}/search")
    assert [(b.get("offset"), b.get("limit")) for b in bodies if "limit" in b] == [(0, MAX_HITS)]
    assert all(b["attributesToRetrieve"] == ["id"] for b in bodies)


def test_synonyms_go_to_the_index_settings_when_the_owner_changes_them(meili, coffee):
    meili.calls.clear()
    Synonym.objects.create(words="kopi, kupi")
    assert meili.bodies("PATCH", f"/indexes/{INDEX}/settings")[-1]["synonyms"] == {"kopi": ["kupi"], "kupi": ["kopi"]}


def test_queryset_filters_and_ordering_become_meilisearch_parameters(meili):
    backend = get_search_backend("storefront")
    queryset = Product.objects.filter(is_active=True, price__gte=10_000, price__lt=50_000).exclude(category__in=[3, 4])
    compiler = backend.query_compiler_class(
        queryset.order_by("-price"), "kopi", operator="or", order_by_relevance=False
    )
    params = compiler.search_params()
    assert (
        params["filter"]
        == "(is_active = true) AND (price >= 10000) AND (price < 50000) AND (NOT ((category_id IN [3, 4]) AND (category_id IS NOT NULL)))"
    )
    assert params["sort"] == ["price:desc"]
    assert params["matchingStrategy"] == "last"


def test_a_filter_that_matches_nothing_sends_no_request(meili):
    backend = get_search_backend("storefront")
    assert list(backend.search("kopi", Product.objects.filter(category__in=[]))) == []
    assert backend.search("kopi", Product.objects.none()).count() == 0
    assert meili.calls == []


# --- When Meilisearch is away ------------------------------------------------------------------


# Ends in the database backend's full-text search, which on MariaDB needs committed rows.
@pytest.mark.fulltext
def test_an_outage_neither_breaks_saving_nor_searching(client, meili, catalog_page, category, caplog):
    meili.down = True
    product = factories.product(name="Sambal Bawang", category=category)
    product.name = "Sambal Bawang Pedas"
    product.save()
    with pytest.raises(SearchUnavailable):
        list(get_search_backend("storefront").search("sambal", Product.objects.active()))
    # The database backend indexed the product too, and the storefront falls back to it.
    response = client.get(reverse("search"), {"q": "sambal"})
    assert [p.name for p in response.context["products"]] == ["Sambal Bawang Pedas"]
    Product.objects.get(pk=product.pk).delete()
    assert not Product.objects.filter(pk=product.pk).exists()


# --- A real server --------------------------------------------------------------------------------


@pytest.mark.meilisearch
def test_against_a_real_meilisearch_server(settings, catalog_page, category):
    url = os.environ.get("MEILISEARCH_URL")
    if not url:
        pytest.skip("MEILISEARCH_URL is not set: no Meilisearch server to test against (start one and set it)")
    prefix = f"tokoku_test_{uuid.uuid4().hex[:8]}"
    settings.WAGTAILSEARCH_BACKENDS = {
        "default": {"BACKEND": "wagtail.search.backends.database"},
        "storefront": {
            "BACKEND": "search.backends.meilisearch",
            "URL": url,
            "API_KEY": os.environ.get("MEILISEARCH_API_KEY", ""),
            "INDEX_PREFIX": prefix,
            "STOP_WORDS": STOP_WORDS,
        },
    }
    backend = get_search_backend("storefront")
    index = backend.get_index_for_model(Product)
    try:
        coffee = factories.product(
            name="Kopi Gayo Arabika", sku="DEMO-008", category=category, description="<p>Sangrai medium</p>"
        )
        factories.product(name="Kopi Luwak", category=category, is_active=False)
        factories.product(name="Teh Melati", category=category)
        _wait_for_tasks(backend)

        def names(q, queryset=None):
            return [p.name for p in backend.search(q, queryset if queryset is not None else Product.objects.active())]

        assert names("kopi") == ["Kopi Gayo Arabika"]
        assert names("sangrai") == ["Kopi Gayo Arabika"]
        assert names("DEMO-008") == ["Kopi Gayo Arabika"]
        assert names("kopii") == ["Kopi Gayo Arabika"]  # typo tolerance
        assert sorted(names("kopi", Product.objects.all())) == ["Kopi Gayo Arabika", "Kopi Luwak"]
        assert backend.search("kopi", Product.objects.active()).count() == 1
        remote = backend.client.index(index.uid).get_settings()
        assert remote["filterableAttributes"] and "is_active" in remote["filterableAttributes"]
        assert remote["stopWords"] == sorted(STOP_WORDS) or set(remote["stopWords"]) == set(STOP_WORDS)

        coffee.delete()
        _wait_for_tasks(backend)
        assert names("kopi") == []
    finally:
        index.reset()


def _wait_for_tasks(backend, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = backend.client.get_tasks({"statuses": ["enqueued", "processing"]})
        if not pending.results:
            return
        time.sleep(0.2)
    raise AssertionError("Meilisearch did not finish its tasks in time")
