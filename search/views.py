from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.template.response import TemplateResponse

from shop.models import Product

MAX_QUERY_LENGTH = 100


def search(request):
    """Storefront search over active products through Wagtail's search API (backend by settings)."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    page_obj = None
    if query:
        results = Product.objects.active().search(query, operator="and")
        paginator = Paginator(results, settings.CATALOG_PAGE_SIZE)
        try:
            page_obj = paginator.page(request.GET.get("halaman", 1))
        except PageNotAnInteger:
            page_obj = paginator.page(1)
        except EmptyPage:
            page_obj = paginator.page(paginator.num_pages)
    return TemplateResponse(
        request,
        "search/search.html",
        {"search_query": query, "page_obj": page_obj, "products": _with_listing_data(page_obj)},
    )


def _with_listing_data(page_obj):
    """Search results come back as model instances; refetch the page's rows with card data in bulk."""
    if page_obj is None:
        return []
    ids = [product.pk for product in page_obj.object_list]
    by_id = Product.objects.for_listing().in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]
