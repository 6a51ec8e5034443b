from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Toko"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from shop import receivers  # noqa: F401  (connects the login cart merge)
