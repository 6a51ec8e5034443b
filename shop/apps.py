from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Toko"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Signal receivers live in each domain's receivers.py, connected by importing it here.
        from shop.cart import receivers as cart_receivers  # noqa: F401
        from shop.staff import receivers as staff_receivers  # noqa: F401
