from wagtail.snippets.models import register_snippet

from shop.admin.catalog import CatalogViewSetGroup
from shop.admin.shipping import ShippingRateViewSet

register_snippet(CatalogViewSetGroup)
register_snippet(ShippingRateViewSet)
