"""How the Meilisearch backend searches: a Wagtail search as a Meilisearch search request, and back.

The query compilers turn the query, the queryset's filters and its ordering into the body of a
search request; `MeilisearchResults` sends it (one request per page, one to count) and reads the
hits back through the database. The backend itself is in `search.backends.meilisearch`.
"""

import datetime

from django.db.models import Model
from wagtail.search.backends.base import BaseSearchQueryCompiler, BaseSearchResults, FilterError
from wagtail.search.query import Fuzzy, MatchAll, Phrase, PlainText

from .meilisearch_index import PRIMARY_KEY, timestamp


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
        return str(timestamp(value))
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


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
            expression = MATCH_NOTHING if any(f is MATCH_NOTHING for f in filters) else self._join(filters, "AND")
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
