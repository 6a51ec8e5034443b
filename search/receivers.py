"""Storefront search's reactions to catalog changes (connected by SearchConfig.ready)."""

import logging

from django.db.models.signals import post_save
from django.dispatch import receiver
from wagtail.search.backends import get_search_backends_with_name

from shop.models import Category, Product

logger = logging.getLogger(__name__)


@receiver(post_save, sender=Category, dispatch_uid="search.reindex_category_products")
def reindex_products_of_category(sender, instance, created=False, raw=False, **kwargs):
    """A product's index entry holds its category's name, so a renamed category must refresh its products."""
    if created or raw:
        return
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
