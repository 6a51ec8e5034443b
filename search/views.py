import logging
import re
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from wagtail.search.backends import get_search_backend

from home.models import CatalogPage
from shop.models import Product

from .backends import SearchUnavailable

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 100
MAX_QUERY_TERMS = 8
# The WAGTAILSEARCH_BACKENDS alias that serves the storefront when it is configured (Meilisearch).
STOREFRONT_BACKEND = "storefront"
# Words, numbers and codes such as "KPI-001"; everything else is syntax to some backend, not a word to a buyer.
TERM = re.compile(r"\w+(?:[-./]\w+)*")


def normalize_query(raw):
    """The terms worth searching for in what the buyer typed, joined by single spaces."""
    return " ".join(TERM.findall(raw[:MAX_QUERY_LENGTH])[:MAX_QUERY_TERMS])


def storefront_backend_name():
    return STOREFRONT_BACKEND if STOREFRONT_BACKEND in settings.WAGTAILSEARCH_BACKENDS else "default"


def find_products(query, backend, typed=None):
    """Active products matching `query`, best first, as a sequence the paginator can count and slice.

    A SKU typed in full (`typed`, before normalizing) comes first: PostgreSQL's parser splits
    "KPI-001" into "kpi" and "-001", so full-text search alone does not find it there. When no whole
    word matches, the last word is taken as the beginning of a product name ("kop" finds "Kopi").
    """
    products = Product.objects.active().for_listing()
    results = backend.search(query, products, operator="and")
    if not results.count():
        results = backend.autocomplete(query, products, operator="and")
    exact = products.filter(sku__iexact=typed or query).first()
    if exact is None:
        return results
    # Only a full SKU takes this path, and a code matches few products, so reading them all is cheap.
    return [exact, *(product for product in results if product.pk != exact.pk)]


def search(request):
    """Storefront search over active products through Wagtail's search API (backend by settings)."""
    # PostgreSQL refuses NUL in a string, so it goes before the query reaches the database.
    typed = request.GET.get("q", "").replace("\x00", "").strip()[:MAX_QUERY_LENGTH]
    query = normalize_query(typed)
    page_obj = None
    if typed:
        page_obj = _results_page(request, query, typed)
    context = {
        "search_query": typed,
        "page_obj": page_obj,
        "products": page_obj.object_list if page_obj else [],
        "query_prefix": urlencode({"q": typed}) + "&",
    }
    if page_obj is None or not page_obj.paginator.count:
        # Only the empty states point to the catalog, so a page of results costs no extra query.
        catalog = CatalogPage.objects.live().first()
        context["catalog_url"] = catalog.get_url(request) if catalog else ""
    return TemplateResponse(request, "search/search.html", context)


def _results_page(request, query, typed):
    page_number = request.GET.get("halaman", 1)
    if not query:
        # Nothing searchable was typed ("!!!"): the page says nothing was found.
        return Paginator([], settings.CATALOG_PAGE_SIZE).get_page(1)
    name = storefront_backend_name()
    try:
        return _evaluated_page(find_products(query, get_search_backend(name), typed), page_number)
    except SearchUnavailable:
        if name == "default":
            raise
        # The database backend indexes products too, so buyers still find them while Meilisearch is away.
        logger.warning("Search backend %r is unavailable; searching the database instead.", name, exc_info=True)
        return _evaluated_page(find_products(query, get_search_backend("default"), typed), page_number)


def _evaluated_page(results, page_number):
    page = Paginator(results, settings.CATALOG_PAGE_SIZE).get_page(page_number)
    # Evaluated here, so that an unavailable backend is noticed inside the fallback above, not in the template.
    page.object_list = list(page.object_list)
    return page
