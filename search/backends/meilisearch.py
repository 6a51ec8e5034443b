"""A small Meilisearch backend for Wagtail's search API, used for the storefront's product search.

Only the models named in MODELS go to Meilisearch. Every other indexed model (pages, images,
documents) stays with the database backend, so the Wagtail admin does not depend on Meilisearch.
Why this exists instead of wagtail-meilisearch: docs/search.md.

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

import datetime
import logging

import meilisearch
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Manager, Model
from meilisearch.errors import MeilisearchError
from requests.exceptions import RequestException
from wagtail.search.backends.base import (
    BaseIndex,
    BaseSearchBackend,
    BaseSearchQueryCompiler,
    BaseSearchResults,
    EmptySearchResults,
    FilterError,
)
from wagtail.search.index import AutocompleteField, FilterField, RelatedFields, SearchField
from wagtail.search.query import Fuzzy, MatchAll, Phrase, PlainText

from . import SearchUnavailable

logger = logging.getLogger(__name__)

PRIMARY_KEY = "id"

# Indexes whose settings this process has already sent, so that a save does not resend them each time.
_configured_indexes = set()


class _MatchNothing:
    """A filter no document satisfies (e.g. `pk__in=[]`): the search is answered without a request."""

    def __bool__(self):
        # Truthy, because the base compiler drops falsy sub-filters as "no condition".
        return True

    def __repr__(self):
        return "MATCH_NOTHING"


MATCH_NOTHING = _MatchNothing()


def _literal(value):
    """A value as Meilisearch's filter syntax writes it."""
    if isinstance(value, Model):
        value = value.pk
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return str(_timestamp(value))
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _timestamp(value):
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime.combine(value, datetime.time(), tzinfo=datetime.timezone.utc)
    return int(value.timestamp())


def _filter_value(value):
    # Numbers and booleans stay native and dates become Unix timestamps, so that ranges filter and sort.
    if isinstance(value, (datetime.date, datetime.datetime)):
        return _timestamp(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, Model):
        return value.pk
    return str(value)


def _text(value):
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(filter(None, (_text(item) for item in value)))
    return str(value)


def _related_objects(related_fields, obj):
    value = related_fields.get_value(obj)
    if value is None:
        return []
    if isinstance(value, Manager):
        return list(value.all())
    return [value]


class MeilisearchQueryCompiler(BaseSearchQueryCompiler):
    """Turns a Wagtail search (query, queryset filters, ordering) into Meilisearch search parameters."""

    DEFAULT_OPERATOR = "and"

    def _process_lookup(self, field_path, lookup, value):
        if len(field_path) != 1:
            raise FilterError("The Meilisearch backend filters on the model's own fields only, not across relations.")
        attribute = field_path[0].get_attname(self.queryset.model)
        if lookup == "exact":
            return f"{attribute} IS NULL" if value is None else f"{attribute} = {_literal(value)}"
        if lookup == "isnull":
            return f"{attribute} IS NULL" if value else f"{attribute} IS NOT NULL"
        if lookup == "in":
            values = list(value)
            if not values:
                return MATCH_NOTHING
            return f"{attribute} IN [{', '.join(_literal(item) for item in values)}]"
        operators = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
        if lookup in operators:
            return f"{attribute} {operators[lookup]} {_literal(value)}"
        return None  # the base class reports the unsupported lookup

    def _process_match_none(self):
        return MATCH_NOTHING

    def _connect_filters(self, filters, connector, negated):
        if connector == "AND":
            if any(f is MATCH_NOTHING for f in filters):
                expression = MATCH_NOTHING
            else:
                expression = self._join(filters, "AND")
        else:
            kept = [f for f in filters if f is not MATCH_NOTHING]
            expression = self._join(kept, "OR") if kept else (MATCH_NOTHING if filters else "")
        if not negated:
            return expression
        if expression is MATCH_NOTHING:
            return ""
        if not expression:
            return MATCH_NOTHING
        return f"NOT ({expression})"

    @staticmethod
    def _join(filters, connector):
        if len(filters) == 1:
            return filters[0]
        return f" {connector} ".join(f"({f})" for f in filters)

    def query_string(self):
        query = self.query
        if isinstance(query, MatchAll):
            return ""
        if isinstance(query, (PlainText, Fuzzy)):
            # Meilisearch is typo-tolerant by default, so a fuzzy query is a plain one here.
            return query.query_string
        if isinstance(query, Phrase):
            return '"{}"'.format(query.query_string.replace('"', " "))
        raise NotImplementedError(f"{type(query).__name__} queries are not supported by the Meilisearch backend.")

    def searched_attributes(self):
        return list(self.fields) if self.fields else None

    def search_params(self):
        """The body of a Meilisearch search request, or None when the filters can match nothing."""
        filter_expression = self._get_filters_from_queryset()
        if filter_expression is MATCH_NOTHING:
            return None
        params = {"attributesToRetrieve": [PRIMARY_KEY]}
        if filter_expression:
            params["filter"] = filter_expression
        operator = getattr(self.query, "operator", "and")
        # "last" drops words from the end until something matches: the nearest Meilisearch has to OR.
        params["matchingStrategy"] = "all" if operator == "and" else "last"
        attributes = self.searched_attributes()
        if attributes:
            params["attributesToSearchOn"] = attributes
        model = self.queryset.model
        sort = [f"{field.get_attname(model)}:{'desc' if reverse else 'asc'}" for reverse, field in self._get_order_by()]
        if sort:
            params["sort"] = sort
        return params


class MeilisearchAutocompleteQueryCompiler(MeilisearchQueryCompiler):
    def searched_attributes(self):
        if self.fields:
            return list(self.fields)
        return [field.field_name for field in self.queryset.model.get_autocomplete_search_fields()] or None


class MeilisearchResults(BaseSearchResults):
    def _request(self, **extra):
        compiler = self.query_compiler
        params = compiler.search_params()
        if params is None:
            return None
        params.update(extra)
        index = self.backend.get_index_for_model(compiler.queryset.model)
        return index.search(compiler.query_string(), params)

    def _do_search(self):
        limit = (self.stop if self.stop is not None else self.backend.max_total_hits) - self.start
        if limit <= 0:
            return []
        extra = {"offset": self.start, "limit": limit}
        if self._score_field:
            extra["showRankingScore"] = True
        response = self._request(**extra)
        if response is None:
            return []
        hits = response["hits"]
        # The database has the last word, so a product hidden since it was indexed stays hidden.
        found = {obj.pk: obj for obj in self.query_compiler.queryset.filter(pk__in=[hit[PRIMARY_KEY] for hit in hits])}
        results = []
        for hit in hits:
            obj = found.get(hit[PRIMARY_KEY])
            if obj is None:
                continue
            if self._score_field:
                setattr(obj, self._score_field, hit.get("_rankingScore"))
            results.append(obj)
        return results

    def _do_count(self):
        # Page-based pagination is the mode in which Meilisearch counts hits exhaustively.
        response = self._request(page=1, hitsPerPage=1)
        if response is None:
            return 0
        count = max(0, response["totalHits"] - self.start)
        return count if self.stop is None else min(count, self.stop - self.start)


class MeilisearchIndex(BaseIndex):
    """One Meilisearch index per model: documents, settings and searches."""

    def __init__(self, backend, model):
        super().__init__(backend)
        self.model = model
        self.uid = f"{backend.index_prefix}_{model._meta.app_label}_{model._meta.model_name}"

    def __str__(self):
        return self.uid

    def get_key(self):
        return self.uid

    @property
    def _index(self):
        return self.backend.client.index(self.uid)

    def _call(self, method, *args, **kwargs):
        try:
            return method(*args, **kwargs)
        except (MeilisearchError, RequestException) as error:
            raise SearchUnavailable(f"Meilisearch index {self.uid}: {error}") from error

    # Documents and settings --------------------------------------------------------------------

    def document(self, obj):
        """What Meilisearch stores for one object: searchable text, then filterable values."""
        document = {PRIMARY_KEY: obj.pk}
        filters = {}
        for field in self.model.get_search_fields():
            if isinstance(field, (SearchField, AutocompleteField)):
                document[field.field_name] = _text(field.get_value(obj))
            elif isinstance(field, FilterField):
                filters[field.get_attname(self.model)] = _filter_value(field.get_value(obj))
            elif isinstance(field, RelatedFields):
                related = _related_objects(field, obj)
                for sub_field in field.fields:
                    key = f"{field.field_name}__{sub_field.field_name}"
                    values = [sub_field.get_value(item) for item in related]
                    if isinstance(sub_field, FilterField):
                        filters[key] = [_filter_value(v) for v in values]
                    else:
                        document[key] = _text(values)
        document.update(filters)
        return document

    def searchable_attributes(self):
        """Attributes in order of importance (highest boost first): Meilisearch ranks by that order."""
        weighted = {}
        for position, field in enumerate(self.model.get_search_fields()):
            if isinstance(field, RelatedFields):
                for sub_field in field.fields:
                    if isinstance(sub_field, (SearchField, AutocompleteField)):
                        key = f"{field.field_name}__{sub_field.field_name}"
                        weighted.setdefault(key, (getattr(sub_field, "boost", None) or 1, position))
            elif isinstance(field, (SearchField, AutocompleteField)):
                boost = getattr(field, "boost", None) or 1
                previous = weighted.get(field.field_name)
                if previous is None or boost > previous[0]:
                    weighted[field.field_name] = (boost, previous[1] if previous else position)
        return sorted(weighted, key=lambda key: (-weighted[key][0], weighted[key][1]))

    def filterable_attributes(self):
        attributes = []
        for field in self.model.get_search_fields():
            if isinstance(field, FilterField):
                attributes.append(field.get_attname(self.model))
            elif isinstance(field, RelatedFields):
                attributes += [
                    f"{field.field_name}__{sub.field_name}" for sub in field.fields if isinstance(sub, FilterField)
                ]
        return attributes

    def settings(self):
        filterable = self.filterable_attributes()
        return {
            "searchableAttributes": self.searchable_attributes(),
            "filterableAttributes": filterable,
            "sortableAttributes": filterable,
            "stopWords": list(self.backend.stop_words),
            "pagination": {"maxTotalHits": self.backend.max_total_hits},
        }

    def configure(self):
        """Create the index with its primary key and send its settings (Meilisearch applies them in order)."""
        self._call(self.backend.client.create_index, self.uid, {"primaryKey": PRIMARY_KEY})
        self._call(self._index.update_settings, self.settings())
        _configured_indexes.add((self.backend.url, self.uid))

    def ensure_configured(self):
        if (self.backend.url, self.uid) not in _configured_indexes:
            self.configure()

    # The BaseIndex interface ---------------------------------------------------------------------

    def add_model(self, model):
        self.ensure_configured()

    def add_items(self, model, items):
        documents = [self.document(item) for item in items]
        if not documents:
            return
        self.ensure_configured()
        self._call(self._index.add_documents, documents, primary_key=PRIMARY_KEY)

    def delete_item(self, item):
        self._call(self._index.delete_document, item.pk)

    def delete_all_documents(self):
        self._call(self._index.delete_all_documents)

    def reset(self):
        self._call(self.backend.client.delete_index, self.uid)
        _configured_indexes.discard((self.backend.url, self.uid))

    def search(self, query, params):
        return self._call(self._index.search, query, params)


class SkippedIndex(BaseIndex):
    """Models not named in MODELS: nothing is sent to Meilisearch for them."""

    def get_key(self):
        return "skipped"

    def __str__(self):
        return "skipped (kept by the database backend)"


class MeilisearchRebuilder:
    """`manage.py update_index`: settings first, then every document afresh, so deleted rows do not linger."""

    def __init__(self, index):
        self.index = index

    def start(self):
        if isinstance(self.index, MeilisearchIndex):
            self.index.configure()
            self.index.delete_all_documents()
        return self.index

    def finish(self):
        pass


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
            from wagtail.search.backends.database import SearchBackend as DatabaseSearchBackend

            backend = DatabaseSearchBackend({})
            method = backend.autocomplete if query_compiler_class is self.autocomplete_query_compiler_class else backend.search
            return method(query, model_or_queryset, **kwargs)
        if isinstance(query, str) and not query.strip():
            return EmptySearchResults()
        return super()._search(query_compiler_class, query, model_or_queryset, **kwargs)


SearchBackend = MeilisearchSearchBackend
