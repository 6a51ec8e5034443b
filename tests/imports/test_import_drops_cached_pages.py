"""An import writes in bulk, which sends no signals: the cached pages and searches of the old catalog
must still be dropped, or buyers see yesterday's prices for up to PAGE_CACHE_SECONDS."""

import pytest

from shop.models import Product
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 60


def test_a_price_changed_by_an_import_shows_on_a_cached_product_page(client, catalog_page, category, admin_user):
    product = factories.product(category=category, stock=5, sku="KRP-1", name="Keripik Balado", price=15_000)
    client.get("/")  # the first visit ever creates the site settings rows, which drops the cache
    client.get(product.get_absolute_url())
    assert client.get(product.get_absolute_url()).headers.get("X-Page-Cache") == "hit"

    sheet = factories.product_sheet([factories.import_row("KRP-1", name="Keripik Balado", price=18_000)])
    job = factories.confirmed_import(factories.product_import(sheet, user=admin_user))

    assert job.status == "done", job.message
    assert Product.objects.get(pk=product.pk).price == 18_000
    page = client.get(product.get_absolute_url())
    assert page.headers.get("X-Page-Cache") != "hit"
    assert "Rp 18.000" in page.content.decode() and "Rp 15.000" not in page.content.decode()
