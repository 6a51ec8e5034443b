"""Storefront search's reactions to catalog and synonym changes (connected by SearchConfig.ready)."""

import logging

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.search.backends import get_search_backends_with_name

from home.page_cache import bump_version
from shop.models import Category, Product

from .backends import SearchUnavailable, catalog_words
from .backends.meilisearch import MeilisearchSearchBackend
from .backends.meilisearch_index import _configured_indexes
from .models import Synonym

logger = logging.getLogger(__name__)


@receiver(post_save, sender=Category, dispatch_uid="search.reindex_category_products")
def reindex_products_of_category(sender, instance, created=False, raw=False, **kwargs):
    """A product's index entry holds its category's name, so a renamed category must refresh its products."""
    if created or raw:
        return
    catalog_words.forget()
    products = list(Product.get_indexed_objects().filter(category=instance))
    if not products:
        return
    for name, backend in get_search_backends_with_name(with_auto_update=True):
        try:
            backend.add_bulk(Product, products)
        except Exception:
            logger.exception("Could not reindex the products of category %s in search backend %r", instance.pk, name)
            # As in Wagtail's own handlers: only a backend outside the database may fail without failing the save.
            if not backend.catch_indexing_errors:
                raise


@receiver(post_save, sender=Product, dispatch_uid="search.forget_catalog_words_on_save")
@receiver(post_delete, sender=Product, dispatch_uid="search.forget_catalog_words_on_delete")
@receiver(post_delete, sender=Category, dispatch_uid="search.forget_catalog_words_on_category_delete")
def forget_catalog_words(sender, **kwargs):
    # This process sees the change at once; others notice it by the snapshot's stamp (catalog_words.py).
    catalog_words.forget()


@receiver(post_save, sender=Synonym, dispatch_uid="search.send_synonyms_on_save")
@receiver(post_delete, sender=Synonym, dispatch_uid="search.send_synonyms_on_delete")
def send_synonyms_to_meilisearch(sender, **kwargs):
    """Meilisearch applies synonyms from its index settings, so a changed group resends them."""
    for name, backend in get_search_backends_with_name():
        if not isinstance(backend, MeilisearchSearchBackend):
            continue
        index = backend.get_index_for_model(Product)
        try:
            index.configure()
        except SearchUnavailable:
            # Sent again the next time a product is saved, since the index counts as not configured.
            _configured_indexes.discard((backend.url, index.uid))
            logger.warning("Could not send synonyms to search backend %r", name, exc_info=True)


@receiver(post_save, sender=Synonym, dispatch_uid="search.drop_cached_searches_on_synonym_save")
@receiver(post_delete, sender=Synonym, dispatch_uid="search.drop_cached_searches_on_synonym_delete")
def drop_cached_searches(sender, **kwargs):
    """A synonym changes what a search finds: kept results and pages (caching.py) stop counting."""
    bump_version()
