"""The result page and the suggestions, built from one search (engine.find): filters with counts, sort, pages.

The engine answers with light rows (id, category, price, time) for every match, so the filters
count, the sort orders and the pages slice without searching again; only the products of the page
shown are read in full. The rows of a query and the suggestions are kept in the cache until the
catalog changes (caching.py), so the next page, sort or filter of a query does not search at all.
"""

from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _

from shop.catalog.models import pictures_with_renditions
from shop.core.money import format_rupiah
from shop.models import Category, Product

from . import caching, engine

# (key in the URL, lowest price, highest price or None): ranges a small Indonesian shop's buyers think in.
PRICE_RANGES = [
    ("0-25000", 0, 25_000),
    ("25000-50000", 25_000, 50_000),
    ("50000-100000", 50_000, 100_000),
    ("100000-250000", 100_000, 250_000),
    ("250000-", 250_000, None),
]
PRICE_KEYS = {key for key, _low, _high in PRICE_RANGES}
SORTS = {
    "relevan": _("Paling sesuai"),
    "termurah": _("Harga terendah"),
    "termahal": _("Harga tertinggi"),
    "terbaru": _("Terbaru"),
}
SUGGESTIONS = 8
SUGGESTION_MIN_LENGTH = 2
SUGGESTION_RENDITION = "fill-96x96"
EMPTY_STATE_CATEGORIES = 6


@dataclass
class Params:
    """What the buyer asked for, parsed from the query string; unknown values fall back to the defaults."""

    q: str = ""
    category: str = ""
    price: str = ""
    sort: str = "relevan"
    page: str = "1"

    @classmethod
    def parse(cls, get):
        price = get.get("harga", "")
        sort = get.get("urut", "relevan")
        return cls(
            q=engine.clean_typed(get.get("q", "")),
            category=get.get("kategori", "")[:120],
            price=price if price in PRICE_KEYS else "",
            sort=sort if sort in SORTS else "relevan",
            page=get.get("halaman", "1"),
        )

    @property
    def reset_url(self):
        return self.url(kategori="", harga="")

    def url(self, **changes):
        """The query string of this search with `changes`, back on its first page."""
        values = {"q": self.q, "kategori": self.category, "harga": self.price, "urut": self.sort, **changes}
        if values["urut"] == "relevan":
            values["urut"] = ""
        return "?" + urlencode({key: value for key, value in values.items() if value})


@dataclass
class ResultPage:
    params: Params
    found: engine.Found | None = None
    page_obj: object = None
    products: list = field(default_factory=list)
    categories: list = field(default_factory=list)  # facets: dicts of name, count, url, selected
    price_ranges: list = field(default_factory=list)
    sorts: list = field(default_factory=list)
    suggested_categories: list = field(default_factory=list)
    corrected_url: str = ""

    @property
    def query_prefix(self):
        """The current search's query string for the pagination links, ending in "&"."""
        return self.params.url()[1:] + "&" if self.params.url() != "?" else ""


def _price_key(price):
    """The key of the one range a price is in (the ranges follow each other from 0 up)."""
    for key, low, high in PRICE_RANGES:
        if price >= low and (high is None or price < high):
            return key
    return ""


def _price_label(low, high):
    if low == 0:
        return _("Di bawah %(price)s") % {"price": format_rupiah(high)}
    if high is None:
        return _("%(price)s ke atas") % {"price": format_rupiah(low)}
    return f"{format_rupiah(low)} – {format_rupiah(high)}"


def search_page(get, page_size):
    """The whole result page for a request's query string: the one service the search view calls."""
    params = Params.parse(get)
    result = ResultPage(params=params)
    if not params.q:
        result.suggested_categories = _categories_worth_suggesting()
        return result
    found = caching.remembered("found", params.q, lambda: engine.find(params.q))
    result.found = found
    if found.corrected_query:
        result.corrected_url = Params(q=found.corrected_query).url()
    priced = [(hit, _price_key(hit[2])) for hit in found.hits]
    counts = Counter(hit[1] for hit, key in priced if hit[1] is not None and params.price in ("", key))
    categories = _categories(counts, params.category)
    selected = next((category for category in categories if category.slug == params.category), None)
    in_category = [(hit, key) for hit, key in priced if selected is None or hit[1] == selected.pk]
    result.categories = _category_facets(categories, counts, params, selected)
    price_counts = Counter(key for _hit, key in in_category)
    result.price_ranges = [
        {
            "label": _price_label(low, high),
            "count": price_counts[key],
            "url": params.url(harga="" if params.price == key else key),
            "selected": params.price == key,
        }
        for key, low, high in PRICE_RANGES
    ]
    result.sorts = [{"key": key, "label": label, "selected": params.sort == key} for key, label in SORTS.items()]
    hits = _sorted([hit for hit, key in in_category if params.price in ("", key)], params.sort)
    result.page_obj = Paginator(hits, page_size).get_page(params.page)
    result.products = _products([hit[0] for hit in result.page_obj.object_list])
    if not found.hits:
        result.suggested_categories = _categories_worth_suggesting()
    return result


def _categories(counts, slug):
    """The categories of the hits and the one chosen (it may have none), in one query."""
    wanted = Q(pk__in=counts) | Q(slug=slug) if slug else Q(pk__in=counts)
    return list(Category.objects.filter(wanted)) if counts or slug else []


def _category_facets(categories, counts, params, selected):
    facets = [
        {
            "name": category.name,
            "count": counts[category.pk],
            "url": params.url(kategori="" if selected == category else category.slug),
            "selected": selected == category,
        }
        for category in categories
        if category.pk in counts
    ]
    return sorted(facets, key=lambda facet: (-facet["count"], facet["name"]))


def _sorted(hits, sort):
    if sort == "termurah":
        return sorted(hits, key=lambda hit: hit[2])
    if sort == "termahal":
        return sorted(hits, key=lambda hit: -hit[2])
    if sort == "terbaru":
        return sorted(hits, key=lambda hit: (-hit[3], -hit[0]))
    return hits


def _products(ids):
    """The page's products in the order given, read in a fixed number of queries; inactive ones left out."""
    if not ids:
        return []
    by_id = {product.pk: product for product in Product.objects.active().for_listing().filter(pk__in=ids)}
    return [by_id[pid] for pid in ids if pid in by_id]


def _categories_worth_suggesting():
    """Categories with something to sell, for the empty states: a way on instead of a dead end."""
    return list(Category.objects.filter(products__is_active=True).distinct().order_by("sort_order", "name"))[
        :EMPTY_STATE_CATEGORIES
    ]


def suggestions(raw):
    """Up to eight products for the header's search box, as JSON-ready dicts, after two letters."""
    typed = engine.clean_typed(raw)
    if len(typed) < SUGGESTION_MIN_LENGTH:
        return {"query": typed, "corrected": "", "results": []}
    return caching.remembered("suggestions", typed, lambda: _suggestions(typed))


def _suggestions(typed):
    found = engine.find(typed, limit=SUGGESTIONS)
    ids = [hit[0] for hit in found.hits]
    products = {
        product.pk: product
        for product in Product.objects.active().filter(pk__in=ids).prefetch_related(_gallery_prefetch())
    }
    results = []
    for pid in ids:
        product = products.get(pid)
        if product is None:
            continue
        image = product.main_image
        results.append(
            {
                "name": product.name,
                "url": product.get_absolute_url(),
                "price": format_rupiah(product.price),
                "image": image.get_rendition(SUGGESTION_RENDITION).url if image else "",
            }
        )
    return {"query": typed, "corrected": found.corrected_query, "results": results}


def _gallery_prefetch():
    return Prefetch("gallery", queryset=pictures_with_renditions((SUGGESTION_RENDITION,)))
