import pytest

from shop.models import StockMovement
from shop.services.stock import move_stock
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings, client):
    settings.PAGE_CACHE_SECONDS = 60
    # The first visit ever creates the site settings rows, which (rightly) invalidates the cache.
    client.get("/")


def test_anonymous_visitors_get_the_cached_page(client, catalog_page, product):
    first = client.get(catalog_page.url)
    second = client.get(catalog_page.url)
    assert "X-Page-Cache" not in first
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content or product.name in second.content.decode()


def test_a_stock_change_is_shown_at_once(client, catalog_page, product):
    url = product.get_absolute_url()
    assert "Tersedia" in client.get(url).content.decode()
    move_stock(product.pk, -product.stock, StockMovement.Reason.DAMAGED)
    response = client.get(url)
    assert "X-Page-Cache" not in response
    assert "Habis" in response.content.decode()


def test_a_price_change_is_shown_at_once(client, catalog_page, product):
    client.get(catalog_page.url)
    product.price = 77_000
    product.save()
    assert "Rp 77.000" in client.get(catalog_page.url).content.decode()


def test_signed_in_buyers_never_get_a_cached_page(client, catalog_page, product, buyer):
    client.get(catalog_page.url)
    client.force_login(buyer)
    response = client.get(catalog_page.url)
    assert "X-Page-Cache" not in response
    assert "Keluar" in response.content.decode()


def test_cached_forms_carry_the_visitors_own_csrf_token(client, catalog_page, product):
    client.get(catalog_page.url)
    response = client.get(catalog_page.url)
    assert response["X-Page-Cache"] == "hit"
    assert "__tokoku_csrf_token__" not in response.content.decode()
    token = response.cookies["csrftoken"].value
    # The language switcher on the cached page posts successfully with the served token.
    enforcing = client.__class__(enforce_csrf_checks=True)
    enforcing.cookies["csrftoken"] = token
    import re

    form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()).group(1)
    posted = enforcing.post("/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": form_token})
    assert posted.status_code == 302


def test_not_found_and_search_are_not_cached(client, catalog_page, product):
    client.get(f"{catalog_page.url}tidak-ada/")
    assert "X-Page-Cache" not in client.get(f"{catalog_page.url}tidak-ada/")
    client.get("/search/?q=produk")
    assert "X-Page-Cache" not in client.get("/search/?q=produk")


def test_zero_seconds_turns_the_cache_off(client, catalog_page, product, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.get(catalog_page.url)
    assert "X-Page-Cache" not in client.get(catalog_page.url)


def test_new_products_appear_without_waiting(client, catalog_page, category):
    client.get(catalog_page.url)
    factories.product(category=category, name="Produk Baru Sekali", stock=1)
    assert "Produk Baru Sekali" in client.get(catalog_page.url).content.decode()
