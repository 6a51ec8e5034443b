"""What listings, filters and cached pages make of a product's variants."""

import pytest

from shop.models import Product, StockMovement
from shop.services.stock import move_stock
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_product_with_options_is_priced_from_its_cheapest_active_variant():
    hijab, colours = factories.variant_product({"Hitam": 5, "Navy": 5}, price=85_000)
    navy = colours["Navy"]
    navy.price = 79_000
    navy.save()
    hijab.save()
    assert Product.objects.get(pk=hijab.pk).price == 79_000

    navy.is_active = False
    navy.save()
    hijab.save()
    assert Product.objects.get(pk=hijab.pk).price == 85_000
    assert list(Product.objects.filter(price__lte=80_000)) == []


def test_a_product_whose_active_colours_are_sold_out_is_listed_last():
    hijab, colours = factories.variant_product({"Hitam": 2, "Navy": 3}, name="Hijab Voal")
    kopi = factories.product(stock=1, name="Kopi Gayo")
    # Navy is taken off sale with its stock, Hitam sells out: nothing is for sale, stock says 3.
    colours["Navy"].is_active = False
    colours["Navy"].save()
    move_stock(hijab.pk, -2, StockMovement.Reason.DAMAGED, variant_id=colours["Hitam"].pk)

    ordered = list(Product.objects.filter(pk__in=[hijab.pk, kopi.pk]).in_stock_first("-created_at", "-pk"))

    assert Product.objects.get(pk=hijab.pk).stock == 3
    assert ordered == [kopi, hijab]


def test_a_cached_page_shows_a_variants_new_price_and_stock_at_once(client, settings, catalog_page):
    settings.PAGE_CACHE_SECONDS = 60
    client.get("/")
    hijab, colours = factories.variant_product({"Hitam": 5, "Navy": 5}, price=85_000, name="Hijab Voal")
    url = hijab.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"

    navy = colours["Navy"]
    navy.price = 91_000
    navy.save()
    response = client.get(url)
    assert "X-Page-Cache" not in response and "Rp 91.000" in response.content.decode()

    client.get(url)
    move_stock(hijab.pk, -5, StockMovement.Reason.DAMAGED, variant_id=navy.pk)
    response = client.get(url)
    assert "X-Page-Cache" not in response
