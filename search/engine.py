"""Finding products for what a buyer typed: the one service the search page and the suggestions call.

The query is split into words, each word gets the owner's synonyms, and one engine answers with
every matching active product (up to MAX_HITS), best first, as light rows (id, category, price,
time) that the result page filters, counts and sorts without asking again:

- Meilisearch when MEILISEARCH_URL is set (the synonyms are in its index settings), falling back to
  the database when it does not answer;
- PostgreSQL: full-text search with the `indonesian` configuration, then trigrams (backends/postgres.py);
- SQLite and MariaDB: the catalog's words in memory, one typo per word tolerated (backends/fallback.py).

A full SKU typed as it is written ("DEMO-008", "BTK#07+A"), a product's or one of its variants',
always comes first.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from wagtail.search.backends import get_search_backend

from shop.models import Product, ProductVariant

from .backends import SearchUnavailable, fallback, postgres
from .corrections import corrections_from_hits
from .synonyms import alternatives, synonym_map
from .text import MAX_QUERY_LENGTH, normalize_query, query_terms

logger = logging.getLogger(__name__)

# The WAGTAILSEARCH_BACKENDS alias that serves the storefront when it is configured (Meilisearch).
STOREFRONT_BACKEND = "storefront"
# Enough for every page a buyer reads and for honest filter counts, few enough to hold in memory per request.
MAX_HITS = 1000


@dataclass
class Found:
    typed: str
    query: str
    hits: list = field(default_factory=list)  # [(pid, category_id, price, created timestamp)], best first
    corrections: dict = field(default_factory=dict)  # {typed word: word searched instead}

    @property
    def corrected_query(self):
        """The query as searched after typo correction ("kopi gayo" for "kopii gayo"), or "" when not corrected."""
        if not self.corrections:
            return ""
        return " ".join(self.corrections.get(term, term) for term in query_terms(self.query))


def clean_typed(raw):
    # PostgreSQL refuses NUL in a string, so it goes before the query reaches the database.
    return (raw or "").replace("\x00", "").strip()[:MAX_QUERY_LENGTH]


def find(raw, limit=MAX_HITS):
    """Every active product matching what the buyer typed, best first (see the module's docstring)."""
    typed = clean_typed(raw)
    query = normalize_query(typed)
    found = Found(typed=typed, query=query)
    if not typed:
        return found
    # The SKU as typed, in capitals or in small letters: three values the unique index on sku answers at once,
    # where a case-insensitive comparison would read every product.
    skus = {typed, typed.upper(), typed.lower()}
    exact = list(
        Product.objects.active().filter(sku__in=skus).values_list("pk", "category_id", "price", "created_at")[:1]
    ) or list(
        # A variant's SKU ("HV-NAVY") finds its product, as the printed label on the shelf would.
        ProductVariant.objects.filter(sku__in=skus, is_active=True, product__is_active=True).values_list(
            "product_id", "product__category_id", "product__price", "product__created_at"
        )[:1]
    )
    if query:
        mapping = synonym_map()
        groups = [(term, alternatives(term, mapping)) for term in query_terms(query)]
        found.hits, found.corrections = _engine_find(groups, query, limit)
    if exact:
        pid, category_id, price, created = exact[0]
        found.hits = [(pid, category_id, price, created.timestamp())] + [h for h in found.hits if h[0] != pid]
        found.corrections = {}
    found.hits = found.hits[:limit]
    return found


def storefront_backend_name():
    return STOREFRONT_BACKEND if STOREFRONT_BACKEND in settings.WAGTAILSEARCH_BACKENDS else None


def _engine_find(groups, query, limit):
    if storefront_backend_name():
        try:
            return _meilisearch_find(groups, query, limit)
        except SearchUnavailable:
            # Buyers still find products while Meilisearch is away: the database searches instead.
            logger.warning(
                "Search backend %r is unavailable; searching the database instead.", STOREFRONT_BACKEND, exc_info=True
            )
    return _database_engine().find(groups, limit)


def _database_engine():
    return postgres if connection.vendor == "postgresql" else fallback


def _meilisearch_find(groups, query, limit):
    backend = get_search_backend(STOREFRONT_BACKEND)
    ids = [product.pk for product in backend.search(query, Product.objects.active(), operator="and")[:limit]]
    if not ids:
        ids = [product.pk for product in backend.autocomplete(query, Product.objects.active(), operator="and")[:limit]]
    if not ids:
        return [], {}
    facts = {
        pid: (pid, category_id, price, created.timestamp())
        for pid, category_id, price, created in Product.objects.active()
        .filter(pk__in=ids)
        .values_list("pk", "category_id", "price", "created_at")
    }
    hits = [facts[pid] for pid in ids if pid in facts]
    # Meilisearch corrects typos silently; the nearest words of its best hits tell the buyer what it understood.
    return hits, corrections_from_hits(groups, [h[0] for h in hits[:5]])
