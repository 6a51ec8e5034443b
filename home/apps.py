from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = "Halaman"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Signal receivers live in receivers.py, connected by importing it here.
        from . import receivers  # noqa: F401
