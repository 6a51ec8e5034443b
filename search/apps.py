from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "storefront_search"
    verbose_name = "Pencarian"

    def ready(self):
        from . import signals

        signals.connect()
