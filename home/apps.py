from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = "Halaman"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core.cache import cache
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from .models import CATALOG_URL_CACHE_KEY

        def forget_catalog_url(**kwargs):
            cache.delete(CATALOG_URL_CACHE_KEY)

        for signal in (page_published, page_unpublished, post_page_move):
            signal.connect(forget_catalog_url, dispatch_uid=f"forget-catalog-url-{signal}")
