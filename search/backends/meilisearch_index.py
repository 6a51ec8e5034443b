"""What the Meilisearch backend stores: one index per model, its documents and its settings.

`MeilisearchIndex` turns an object into a document (searchable text, then native filter values),
derives the index settings from the model's search fields and sends both; `MeilisearchRebuilder`
is what `manage.py update_index` runs. The backend itself is in `search.backends.meilisearch`.
"""

import datetime

from django.db.models import Manager, Model
from meilisearch.errors import MeilisearchError
from requests.exceptions import RequestException
from wagtail.search.backends.base import BaseIndex
from wagtail.search.index import AutocompleteField, FilterField, RelatedFields, SearchField

from ..synonyms import synonym_map
from . import SearchUnavailable

PRIMARY_KEY = "id"

# Indexes whose settings this process has already sent, so that a save does not resend them each time.
_configured_indexes = set()


def timestamp(value):
    """A date or datetime as Unix seconds, the form dates are stored and filtered in."""
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime.combine(value, datetime.time(), tzinfo=datetime.UTC)
    return int(value.timestamp())


def _filter_value(value):
    # Numbers and booleans stay native and dates become Unix timestamps, so that ranges filter and sort.
    if isinstance(value, (datetime.date, datetime.datetime)):
        return timestamp(value)
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
            # The owner's synonym groups, so that Meilisearch finds "sambel" as the database backends do.
            "synonyms": {word: list(alts[1:]) for word, alts in synonym_map().items() if len(alts) > 1},
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
