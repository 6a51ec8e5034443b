"""A small Meilisearch backend for Wagtail's search API, used for the storefront's product search.

Only the models named in MODELS go to Meilisearch. Every other indexed model (pages, images,
documents) stays with the database backend, so the Wagtail admin does not depend on Meilisearch.
Why this exists instead of wagtail-meilisearch: docs/search.md. The index (documents and settings)
is in `meilisearch_index`, the searching (query compilers and results) in `meilisearch_query`.

    WAGTAILSEARCH_BACKENDS["storefront"] = {
        "BACKEND": "search.backends.meilisearch",
        "URL": "http://127.0.0.1:7700",
        "API_KEY": "...",
        "INDEX_PREFIX": "tokoku",        # index uid: tokoku_shop_product
        "MODELS": ["shop.Product"],
        "STOP_WORDS": ["dan", "yang"],
        "MAX_TOTAL_HITS": 1000,
        "TIMEOUT": 5,                    # seconds, per HTTP call
    }
"""

import meilisearch
from django.core.exceptions import ImproperlyConfigured
from wagtail.search.backends.base import BaseSearchBackend, EmptySearchResults
from wagtail.search.backends.database import SearchBackend as DatabaseSearchBackend

from .meilisearch_index import (
    MeilisearchIndex,
    MeilisearchRebuilder,
    SkippedIndex,
    _configured_indexes,  # noqa: F401  (tests clear it through this module)
)
from .meilisearch_query import MeilisearchAutocompleteQueryCompiler, MeilisearchQueryCompiler, MeilisearchResults


class MeilisearchSearchBackend(BaseSearchBackend):
    query_compiler_class = MeilisearchQueryCompiler
    autocomplete_query_compiler_class = MeilisearchAutocompleteQueryCompiler
    results_class = MeilisearchResults
    rebuilder_class = MeilisearchRebuilder
    # An outage of the search server must not stop the shop from saving products.
    catch_indexing_errors = True

    def __init__(self, params):
        super().__init__(params)
        self.url = (params.get("URL") or "").rstrip("/")
        if not self.url:
            raise ImproperlyConfigured("The Meilisearch search backend needs a URL.")
        self.client = meilisearch.Client(self.url, params.get("API_KEY") or None, timeout=params.get("TIMEOUT", 5))
        self.index_prefix = params.get("INDEX_PREFIX", "tokoku")
        self.models = {label.lower() for label in params.get("MODELS", ["shop.Product"])}
        self.stop_words = list(params.get("STOP_WORDS", []))
        self.max_total_hits = int(params.get("MAX_TOTAL_HITS", 1000))

    def handles(self, model):
        return model._meta.label_lower in self.models

    def get_index_for_model(self, model):
        if model is not None and self.handles(model):
            return MeilisearchIndex(self, model)
        return SkippedIndex(self)

    def _search(self, query_compiler_class, query, model_or_queryset, **kwargs):
        model = getattr(model_or_queryset, "model", model_or_queryset)
        if not self.handles(model):
            # Whatever is not in Meilisearch is searched where it is indexed: the database.
            backend = DatabaseSearchBackend({})
            autocomplete = query_compiler_class is self.autocomplete_query_compiler_class
            method = backend.autocomplete if autocomplete else backend.search
            return method(query, model_or_queryset, **kwargs)
        if isinstance(query, str) and not query.strip():
            return EmptySearchResults()
        return super()._search(query_compiler_class, query, model_or_queryset, **kwargs)


SearchBackend = MeilisearchSearchBackend
