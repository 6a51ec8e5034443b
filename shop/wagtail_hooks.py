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


# --- Order desks, stock adjustments, dashboard (shop/admin/queues.py, inventory.py, dashboard.py) ---
from shop.admin import dashboard as shop_dashboard  # noqa: E402
from shop.admin import inventory as stock_admin  # noqa: E402
from shop.admin import queues as order_desks  # noqa: E402


@hooks.register("register_admin_viewset")
def register_order_desks():
    return list(order_desks.DESKS)


# --- Notification outbox (shop/admin/notifications.py) ---
from shop.admin.notifications import notifications_viewset  # noqa: E402


@hooks.register("register_admin_viewset")
def register_notifications():
    return notifications_viewset


@hooks.register("register_admin_urls")
def register_stock_urls():
    return stock_admin.admin_urls()


@hooks.register("register_snippet_listing_buttons")
def register_product_stock_buttons(snippet, user, next_url=None):
    return stock_admin.product_listing_buttons(snippet, user, next_url)


@hooks.register("construct_homepage_panels")
def add_shop_dashboard_panel(request, panels):
    shop_dashboard.add_dashboard_panel(request, panels)


@hooks.register("insert_global_admin_css")
def let_menu_labels_wrap():
    # "Verifikasi Pembayaran (12)": the waiting count must not be cut off by the sidebar's width.
    return "<style>.sidebar-menu-item__link .menuitem-label{white-space:normal;overflow:visible}</style>"
