from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Toko"
    default_auto_field = "django.db.models.BigAutoField"
