"""A catalog or product page costs a fixed number of queries, however many products or pictures it
shows, whether Wagtail's rendition cache is warm or cold (after a restart, or on another server)."""

import pytest
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.images.models import Image

from home.demo.images import draw_picture
from shop.cart.services import add_to_cart
from shop.models import Cart, ProductImage
from tests import factories

pytestmark = pytest.mark.django_db


def picture(label):
    return Image.objects.create(
        title=label, file=ContentFile(draw_picture(label, "#0ea5e9", size=(48, 48)), name="p.jpg")
    )


def pictured_products(category, count, pictures_each=1):
    products = []
    for _ in range(count):
        product = factories.product(category=category, stock=5)
        for number in range(pictures_each):
            ProductImage.objects.create(product=product, image=picture(f"{product.sku}-{number}"), sort_order=number)
        products.append(product)
    return products


def queries_of(client, url, cold):
    client.get(url)  # renditions are made once, on the first visit
    if cold:
        for cache in caches.all(initialized_only=True):
            cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


@pytest.fixture(params=["anonymous", "signed in"])
def visitor(request, client, buyer):
    if request.param == "signed in":
        client.force_login(buyer)
    return client


@pytest.mark.parametrize("cold", [False, True], ids=["warm caches", "cold caches"])
def test_a_catalog_page_costs_the_same_queries_with_2_or_24_products(
    visitor, buyer, catalog_page, category, cold, settings
):
    settings.CATALOG_PAGE_SIZE = 24
    add_to_cart(Cart.objects.create(user=buyer), pictured_products(category, 2)[0].pk, 1)
    few = queries_of(visitor, catalog_page.url, cold)
    pictured_products(category, 22)
    many = queries_of(visitor, catalog_page.url, cold)
    assert len(many) == len(few), many
    assert len(many) <= 20


@pytest.mark.parametrize("cold", [False, True], ids=["warm caches", "cold caches"])
def test_a_product_page_costs_the_same_queries_with_1_or_6_pictures(visitor, catalog_page, category, cold):
    one, six = pictured_products(category, 1), pictured_products(category, 1, pictures_each=6)
    few = queries_of(visitor, one[0].get_absolute_url(), cold)
    many = queries_of(visitor, six[0].get_absolute_url(), cold)
    assert len(many) == len(few), many
