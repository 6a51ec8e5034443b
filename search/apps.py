from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "storefront_search"
    verbose_name = "Pencarian"

    def ready(self):
        # Signal receivers live in receivers.py, connected by importing it here.
        from . import receivers  # noqa: F401
