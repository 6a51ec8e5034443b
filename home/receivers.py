"""The storefront's reactions to changes of pages and of what pages show (connected by HomeConfig.ready)."""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished, post_page_move

from .models import CATALOG_URL_CACHE_KEY
from .page_cache import bump_version

PAGE_SIGNALS = (page_published, page_unpublished, post_page_move)
# What a cached page shows changes when one of these is saved or deleted.
SHOWN_ON_PAGES = (
    "shop.Product",
    "shop.ProductImage",
    "shop.ProductVariant",
    "shop.Category",
    "shop.StockMovement",
    "home.StoreSettings",
    "home.NavigationSettings",
    "wagtailimages.Image",
    # A page given a restriction must stop being served from the cache at once.
    "wagtailcore.PageViewRestriction",
)


@receiver(PAGE_SIGNALS)
def forget_catalog_url(**kwargs):
    # Product URLs hang off the catalog page's URL, which is cached: forget it when pages move.
    cache.delete(CATALOG_URL_CACHE_KEY)


@receiver(PAGE_SIGNALS)
def drop_cached_pages_after_page_change(**kwargs):
    bump_version()


for _label in SHOWN_ON_PAGES:
    receiver(post_save, sender=_label, dispatch_uid=f"page-cache-save-{_label}")(bump_version)
    receiver(post_delete, sender=_label, dispatch_uid=f"page-cache-delete-{_label}")(bump_version)
