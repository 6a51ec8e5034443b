from wagtail.snippets.models import register_snippet

from shop.admin.catalog import CatalogViewSetGroup

register_snippet(CatalogViewSetGroup)
