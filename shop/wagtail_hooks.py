"""The shop in the Wagtail admin: catalog, shipping (rates, free-shipping rules, settings), order desks,
stock, imports, notifications, payments (settings, TriPay's channels and callbacks), dashboard."""

from django.urls import include, path
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from shop.catalog.admin import CatalogViewSetGroup
from shop.imports import admin as product_imports
from shop.inventory import admin as stock_admin
from shop.notifications.admin import notifications_viewset
from shop.orders.desks.lookup import order_lookup_desk
from shop.orders.desks.queues import DESKS
from shop.payments import admin as payments_admin
from shop.payments.callbacks_admin import gateway_callbacks_viewset
from shop.payments.channels_admin import payment_channels_viewset
from shop.payments.models import PaymentSettings
from shop.shipping import settings_admin as shipping_settings_admin
from shop.shipping.admin import ShippingViewSetGroup
from shop.shipping.models import ShippingSettings
from shop.staff import menus  # noqa: F401  (its hooks: what the menu leaves out for CS)
from shop.staff.dashboard import ShopDashboardPanel, drop_content_counts

register_snippet(CatalogViewSetGroup)
register_snippet(ShippingViewSetGroup)

# Wagtail builds a setting's form from the model's edit_handler; the TriPay panel reads the
# environment and the admin's URLs, which belong here rather than in the model.
PaymentSettings.edit_handler = payments_admin.payment_settings_edit_handler()
ShippingSettings.edit_handler = shipping_settings_admin.shipping_settings_edit_handler()


@hooks.register("register_admin_viewset")
def register_order_desks():
    return [*DESKS, order_lookup_desk]


@hooks.register("register_admin_viewset")
def register_notifications():
    return notifications_viewset


@hooks.register("register_admin_viewset")
def register_payments():
    return [payment_channels_viewset, gateway_callbacks_viewset]


@hooks.register("register_admin_viewset")
def register_district_chooser():
    return shipping_settings_admin.district_chooser_viewset


@hooks.register("register_admin_urls")
def register_product_import_urls():
    return [path("impor-produk/", include((product_imports.urlpatterns, product_imports.app_name)))]


@hooks.register("register_admin_menu_item")
def register_product_import_menu_item():
    return product_imports.menu_item()


@hooks.register("register_admin_urls")
def register_stock_urls():
    return stock_admin.admin_urls()


@hooks.register("register_snippet_listing_buttons")
def register_product_stock_buttons(snippet, user, next_url=None):
    return stock_admin.product_listing_buttons(snippet, user, next_url)


@hooks.register("construct_homepage_panels")
def add_shop_dashboard_panel(request, panels):
    panels.append(ShopDashboardPanel())


# After Wagtail's own hooks (order 0), which add the counts this one takes away.
@hooks.register("construct_homepage_summary_items", order=100)
def leave_out_content_counts(request, summary_items):
    drop_content_counts(summary_items)


@hooks.register("insert_global_admin_css")
def let_labels_wrap():
    # "Verifikasi Pembayaran (12)" in the sidebar, and a queue's "Konfirmasi pembayaran" button at
    # phone width (cut to "asi pembay" by Wagtail's fixed button height): wrap instead of clipping.
    return (
        "<style>.sidebar-menu-item__link .menuitem-label{white-space:normal;overflow:visible}"
        "table.listing td.title{min-width:9.5rem}"
        "table.listing td.title .actions .button{height:auto;min-height:2rem;white-space:normal;"
        "overflow:visible;line-height:1.2;padding-block:.25rem;text-align:start}"
        # A listing wider than a phone scrolls in its own box instead of losing its last columns.
        "@media (max-width:49.9375em){#listing-results>table.listing{display:block;overflow-x:auto}}</style>"
    )
