from django.apps import AppConfig


def forget_catalog_url(**kwargs):
    from django.core.cache import cache

    from .models import CATALOG_URL_CACHE_KEY

    cache.delete(CATALOG_URL_CACHE_KEY)


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = "Halaman"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wagtail.signals import page_published, page_unpublished, post_page_move

        # Product URLs hang off the catalog page's URL, which is cached: forget it when pages move.
        for signal in (page_published, page_unpublished, post_page_move):
            signal.connect(forget_catalog_url)

        from .page_cache import connect_invalidation

        connect_invalidation()
