from wagtail.snippets.models import register_snippet

from shop.admin.catalog import CatalogViewSetGroup
from shop.admin.shipping import ShippingRateViewSet

register_snippet(CatalogViewSetGroup)
register_snippet(ShippingRateViewSet)


# --- Impor Produk (shop/admin/imports.py) ---
from django.urls import include, path  # noqa: E402
from wagtail import hooks  # noqa: E402

from shop.admin import imports as product_imports  # noqa: E402


@hooks.register("register_admin_urls")
def register_product_import_urls():
    return [path("impor-produk/", include((product_imports.urlpatterns, product_imports.app_name)))]


@hooks.register("register_admin_menu_item")
def register_product_import_menu_item():
    return product_imports.menu_item()
