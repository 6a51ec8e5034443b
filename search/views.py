"""The storefront's search screens: the result page (/search/?q=) and the suggestions of the header's box.

A page asked for before is served from the cache with the visitor's own parts put back (caching.py).
"""

from django.conf import settings
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from home.models import CatalogPage

from . import caching, results
from .text import normalize_query  # noqa: F401  (tests and callers read it from here)

# `/search/?q=…&format=json`: the suggestions share the page's URL, so the header's box needs no route of its own.
SUGGEST_FORMAT = "json"


@require_GET
def search(request):
    """Active products for what the buyer typed, with "did you mean", filters with counts, sort and pages."""
    if request.GET.get("format") == SUGGEST_FORMAT:
        return suggest(request)
    return caching.cached_page(request, settings.CATALOG_PAGE_SIZE, lambda: _result_page(request))


def _result_page(request):
    page = results.search_page(request.GET, settings.CATALOG_PAGE_SIZE)
    context = {
        "search_query": page.params.q,
        "result": page,
        "page_obj": page.page_obj,
        "products": page.products,
        "query_prefix": page.query_prefix,
    }
    if page.page_obj is None or not page.page_obj.paginator.count:
        # Only the empty states point to the catalog, so a page of results costs no extra query.
        catalog = CatalogPage.objects.live().first()
        context["catalog_url"] = catalog.get_url(request) if catalog else ""
    return TemplateResponse(request, "search/search.html", context)


def suggest(request):
    """Up to eight products with picture and price, for the header's search box as the buyer types."""
    return JsonResponse(results.suggestions(request.GET.get("q", "")))
