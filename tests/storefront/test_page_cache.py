import json
import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage, MessageEncoder
from django.contrib.messages.storage.session import SessionStorage
from django.test import Client
from django.urls import reverse
from wagtail.models import PageViewRestriction

from home.models import StandardPage
from shop.cart.services import add_to_cart
from shop.models import Cart, CartItem, StockMovement
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


def test_signed_in_buyers_get_the_cached_page_with_their_own_header(client, catalog_page, product, buyer):
    client.get(catalog_page.url)
    client.force_login(buyer)
    response = client.get(catalog_page.url)
    html = response.content.decode()
    assert response["X-Page-Cache"] == "hit"
    assert "Keluar" in html and "Pesanan Saya" in html and ">Masuk<" not in html
    assert product.name in html
    # It carries this buyer's header: no shared cache may keep it.
    assert "private" in response["Cache-Control"]


def test_cached_forms_carry_the_visitors_own_csrf_token(client, catalog_page, product):
    client.get(catalog_page.url)
    response = client.get(catalog_page.url)
    assert response["X-Page-Cache"] == "hit"
    assert "__tokoku_csrf_token__" not in response.content.decode()
    token = response.cookies["csrftoken"].value
    # The language switcher on the cached page posts successfully with the served token.
    enforcing = client.__class__(enforce_csrf_checks=True)
    enforcing.cookies["csrftoken"] = token
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


def cart_count(html):
    found = re.search(r'class="mini-cart-count">(\d+)<', html)
    return int(found.group(1)) if found else 0


def logout_token(html):
    return re.search(
        r'action="[^"]*logout[^"]*"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"', html
    )


def test_two_buyers_and_an_anonymous_visitor_never_see_each_others_parts(catalog_page, category, buyer, other_buyer):
    """The per-visitor parts (name links, cart count, CSRF token) are never served to anyone else."""
    kopi = factories.product(category=category, name="Kopi Gayo", stock=20)
    add_to_cart(Cart.objects.create(user=buyer), kopi.pk, 3)
    add_to_cart(Cart.objects.create(user=other_buyer), kopi.pk, 1)
    first, second, anonymous = Client(), Client(), Client()
    first.force_login(buyer)
    second.force_login(other_buyer)
    url = catalog_page.url
    # Whoever renders the page first, each later visitor gets the stored page with their own parts.
    for order in ((first, second, anonymous), (anonymous, second, first), (second, first, anonymous)):
        factories.category(name=f"Kategori {id(order)}")  # a catalog change: the page is rendered again
        pages = {id(visitor): visitor.get(url) for visitor in order}
        hits = [pages[id(visitor)].get("X-Page-Cache") for visitor in order]
        assert hits == [None, "hit", "hit"]
        one, two, nobody = (pages[id(v)].content.decode() for v in (first, second, anonymous))
        assert (cart_count(one), cart_count(two), cart_count(nobody)) == (3, 1, 0)
        assert "Keluar" in one and "Keluar" in two and "Keluar" not in nobody and ">Masuk<" in nobody
        assert "Kopi Gayo" in one and "Kopi Gayo" in two and "Kopi Gayo" in nobody
        # Each visitor's forms carry a token that their own CSRF cookie accepts, and only theirs.
        tokens = [logout_token(html) for html in (one, two)]
        assert all(tokens) and tokens[0].group(1) != tokens[1].group(1)
        assert logout_token(nobody) is None


def test_the_cart_count_of_a_cached_page_follows_the_cart(client, catalog_page, product, buyer):
    client.force_login(buyer)
    client.get(catalog_page.url)
    assert cart_count(client.get(catalog_page.url).content.decode()) == 0
    add_to_cart(Cart.objects.create(user=buyer), product.pk, 2)
    response = client.get(catalog_page.url)
    assert response["X-Page-Cache"] == "hit"
    assert cart_count(response.content.decode()) == 2


def test_a_signed_in_buyer_can_sign_out_from_a_cached_page(catalog_page, product, buyer):
    visitor = Client(enforce_csrf_checks=True)
    visitor.force_login(buyer)
    visitor.get(catalog_page.url)
    response = visitor.get(catalog_page.url)
    assert response["X-Page-Cache"] == "hit"
    token = logout_token(response.content.decode()).group(1)
    assert visitor.post(reverse("account_logout"), {"csrfmiddlewaretoken": token}).status_code == 302
    assert "Keluar" not in visitor.get(catalog_page.url).content.decode()


@pytest.mark.parametrize("kept_in", ["cookie", "session"])
def test_waiting_messages_are_shown_once_and_never_stored(client, catalog_page, product, buyer, kept_in, settings):
    client.force_login(buyer)
    client.get(catalog_page.url)
    request_messages = [{"level": constants.SUCCESS, "message": "Produk masuk keranjang."}]
    if kept_in == "cookie":
        storage = CookieStorage(None)
        client.cookies[CookieStorage.cookie_name] = storage._encode([_message(m) for m in request_messages])
    else:  # a shop configured to keep messages in the session only
        settings.MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
        session = client.session
        session[SessionStorage.session_key] = json.dumps([_message(m) for m in request_messages], cls=MessageEncoder)
        session.save()
    shown = client.get(catalog_page.url)
    assert "X-Page-Cache" not in shown
    assert "Produk masuk keranjang." in shown.content.decode()
    later = client.get(catalog_page.url)
    assert later["X-Page-Cache"] == "hit"
    assert "Produk masuk keranjang." not in later.content.decode()
    assert "Produk masuk keranjang." not in Client().get(catalog_page.url).content.decode()


def _message(fields):
    return Message(fields["level"], fields["message"])


def test_a_restricted_page_is_never_served_from_the_cache(client, buyer):
    parent = factories.catalog_page().get_parent()
    page = parent.add_child(instance=StandardPage(title="Khusus Anggota", slug="khusus-anggota"))
    url = page.url
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
    assert client.get(url).status_code == 302  # the restriction applies at once
    client.force_login(buyer)
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200 and "X-Page-Cache" not in response
    assert Client().get(url).status_code == 302  # nothing the member saw was kept for others


def test_the_header_cart_follows_prices_and_every_writer(client, catalog_page, product, buyer):
    client.force_login(buyer)
    cart = Cart.objects.create(user=buyer)
    add_to_cart(cart, product.pk, 2)
    assert cart_count(client.get(catalog_page.url).content.decode()) == 2
    product.price = 12_345
    product.save()
    assert 'class="mini-cart-total">Rp 24.690<' in client.get(catalog_page.url).content.decode()
    CartItem.objects.filter(cart=cart).delete()  # not through the cart's services: the admin, a script
    response = client.get(catalog_page.url)
    assert response["X-Page-Cache"] == "hit" and cart_count(response.content.decode()) == 0
