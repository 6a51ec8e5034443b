"""Searches asked again come from the cache (search/caching.py), and nothing they show is ever stale:
a change to a product, its stock or the owner's synonyms shows in the very next search, and each
visitor gets their own header and cart in a kept page. Every database."""

import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.images.models import Image

from home.demo.images import draw_picture
from home.page_cache import bump_version
from search import engine
from search.caching import HIT_HEADER
from search.models import Synonym
from shop.cart.services import add_to_cart
from shop.models import Cart, Product, ProductImage, StockMovement
from shop.services.stock import move_stock
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def search_cache_on(settings, client, catalog_page):
    settings.PAGE_CACHE_SECONDS = 60
    # The first visit ever creates the site settings rows, which (rightly) drops whatever is kept.
    client.get("/")


def get(client, q, **params):
    response = client.get(reverse("search"), {"q": q, **params})
    assert response.status_code == 200
    return response


def card_names(response):
    return re.findall(r'<h3 class="product-card-name">([^<]*)</h3>', response.content.decode())


def cart_count(html):
    found = re.search(r'class="mini-cart-count">(\d+)<', html)
    return int(found.group(1)) if found else 0


@pytest.fixture
def searches(monkeypatch):
    """How many times the engine was asked, by query."""
    asked = []
    real_find = engine.find

    def counting_find(raw, limit=engine.MAX_HITS):
        asked.append(raw)
        return real_find(raw, limit=limit)

    monkeypatch.setattr(engine, "find", counting_find)
    return asked


# --- Served from the cache ----------------------------------------------------------------------


def test_a_search_asked_again_is_served_whole_from_the_cache(client, demo_shelf):
    first = get(client, "kopi")
    assert HIT_HEADER not in first
    with CaptureQueriesContext(connection) as captured:
        again = get(client, "kopi")
    assert again[HIT_HEADER] == "hit"
    # Not the page cache's entry (home/page_cache.py keeps Wagtail pages only), and no database at all.
    assert "X-Page-Cache" not in again
    assert len(captured) == 0, [query["sql"] for query in captured.captured_queries]
    assert card_names(again) == card_names(first)
    assert sorted(card_names(again)) == ["Kopi Gayo Arabika 200 g", "Kopi Robusta Lampung"]


def test_another_page_sort_or_filter_of_a_query_does_not_search_again(client, demo_shelf, searches, settings):
    settings.CATALOG_PAGE_SIZE = 1
    first = card_names(get(client, "kopi"))
    assert card_names(get(client, "kopi", urut="termurah")) == ["Kopi Robusta Lampung"]
    assert card_names(get(client, "kopi", harga="50000-100000")) == ["Kopi Gayo Arabika 200 g"]
    second = card_names(get(client, "kopi", halaman=2))
    assert sorted(first + second) == ["Kopi Gayo Arabika 200 g", "Kopi Robusta Lampung"]
    assert searches == ["kopi"]


def test_the_suggestions_are_kept_and_follow_the_catalog(client, demo_shelf, searches):
    url = reverse("search")
    first = client.get(url, {"q": "kopi g", "format": "json"}).json()
    assert first["results"][0]["name"] == "Kopi Gayo Arabika 200 g"
    assert client.get(url, {"q": "kopi g", "format": "json"}).json() == first
    assert searches == ["kopi g"]
    kopi = demo_shelf["kopi"]
    kopi.price = 91_000
    kopi.save()
    assert client.get(url, {"q": "kopi g", "format": "json"}).json()["results"][0]["price"] == "Rp 91.000"


def test_zero_seconds_turns_the_search_cache_off(client, demo_shelf, searches, settings):
    settings.PAGE_CACHE_SECONDS = 0
    get(client, "kopi")
    assert HIT_HEADER not in get(client, "kopi")
    assert searches == ["kopi", "kopi"]


def test_a_visitor_with_a_message_waiting_gets_a_fresh_page(client, demo_shelf):
    get(client, "kopi")
    client.cookies[CookieStorage.cookie_name] = CookieStorage(None)._encode(
        [Message(constants.SUCCESS, "Produk ditambahkan ke keranjang.")]
    )
    response = get(client, "kopi")
    assert HIT_HEADER not in response
    assert "Produk ditambahkan ke keranjang." in response.content.decode()


# --- Never stale --------------------------------------------------------------------------------


def test_a_price_change_shows_in_the_next_search(client, demo_shelf):
    assert "Rp 85.000" in get(client, "kopi gayo").content.decode()
    assert card_names(get(client, "kopi", harga="50000-100000")) == ["Kopi Gayo Arabika 200 g"]
    kopi = demo_shelf["kopi"]
    kopi.price = 47_000
    kopi.save()
    html = get(client, "kopi gayo").content.decode()
    assert "Rp 47.000" in html and "Rp 85.000" not in html
    # The price filter counts from the kept result rows, which must follow the price too.
    assert card_names(get(client, "kopi", harga="50000-100000")) == []
    assert len(card_names(get(client, "kopi", harga="25000-50000"))) == 2


def test_a_stock_change_shows_in_the_next_search(client, demo_shelf):
    assert "Habis" not in get(client, "gamis").content.decode()
    get(client, "gamis")
    move_stock(demo_shelf["gamis"].pk, -demo_shelf["gamis"].stock, StockMovement.Reason.DAMAGED)
    response = get(client, "gamis")
    assert HIT_HEADER not in response
    assert "Habis" in response.content.decode()


def test_a_renamed_product_shows_and_is_found_by_its_new_name_at_once(client, demo_shelf):
    assert card_names(get(client, "gamis")) == ["Gamis Katun Rayon"]
    assert card_names(get(client, "abaya")) == []
    gamis = demo_shelf["gamis"]
    gamis.name = "Abaya Katun Rayon"
    gamis.save()
    assert card_names(get(client, "abaya")) == ["Abaya Katun Rayon"]
    # Its description still says "gamis": the kept page of that search shows the new name.
    assert card_names(get(client, "gamis")) == ["Abaya Katun Rayon"]


def test_a_product_switched_off_leaves_the_next_search(client, demo_shelf):
    assert card_names(get(client, "hijab")) == ["Hijab Segi Empat Voal"]
    hijab = demo_shelf["hijab"]
    hijab.is_active = False
    hijab.save()
    assert "Hijab Segi Empat Voal" not in card_names(get(client, "hijab"))
    assert "Hijab Segi Empat Voal" not in str(client.get(reverse("search"), {"q": "hij", "format": "json"}).json())


def test_a_new_product_is_found_at_once(client, demo_shelf):
    assert "Kopi Toraja Kalosi" not in card_names(get(client, "kopi"))
    factories.product(name="Kopi Toraja Kalosi", category=demo_shelf["kopi"].category, stock=4)
    assert "Kopi Toraja Kalosi" in card_names(get(client, "kopi"))


def test_a_synonym_the_owner_adds_or_removes_counts_in_the_next_search(client, demo_shelf):
    assert card_names(get(client, "kudung")) == []
    assert card_names(get(client, "kudung")) == []
    group = Synonym.objects.create(words="hijab, kudung")
    assert card_names(get(client, "kudung")) == ["Hijab Segi Empat Voal"]
    group.delete()
    assert card_names(get(client, "kudung")) == []


def test_a_bulk_update_shows_once_the_catalog_version_is_bumped(client, demo_shelf):
    # An UPDATE of many rows sends no signal: code writing one bumps the version, as for cached pages.
    assert card_names(get(client, "gamis")) == ["Gamis Katun Rayon"]
    Product.objects.filter(pk=demo_shelf["gamis"].pk).update(is_active=False)
    bump_version()
    assert card_names(get(client, "gamis")) == []


# --- Each visitor's own parts -------------------------------------------------------------------


def logout_token(html):
    found = re.search(
        r'action="[^"]*logout[^"]*"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"', html
    )
    return found.group(1) if found else None


def test_two_buyers_and_an_anonymous_visitor_never_see_each_others_header(demo_shelf, buyer, other_buyer):
    add_to_cart(Cart.objects.create(user=buyer), demo_shelf["kopi"].pk, 3)
    add_to_cart(Cart.objects.create(user=other_buyer), demo_shelf["teh"].pk, 1)
    first, second, anonymous = Client(), Client(), Client()
    first.force_login(buyer)
    second.force_login(other_buyer)
    # Whoever asks first, the later visitors get the kept page with their own header and cart.
    for round_number, order in enumerate(
        ((first, second, anonymous), (anonymous, second, first), (second, anonymous, first))
    ):
        params = {"q": "kopi", "urut": ["termurah", "termahal", "terbaru"][round_number]}
        pages = {id(visitor): visitor.get(reverse("search"), params) for visitor in order}
        assert [pages[id(visitor)].get(HIT_HEADER) for visitor in order] == [None, "hit", "hit"]
        one, two, nobody = (pages[id(visitor)].content.decode() for visitor in (first, second, anonymous))
        assert (cart_count(one), cart_count(two), cart_count(nobody)) == (3, 1, 0)
        assert "Keluar" in one and "Keluar" in two and "Keluar" not in nobody and ">Masuk<" in nobody
        assert all("Kopi Gayo Arabika 200 g" in html for html in (one, two, nobody))
        tokens = [logout_token(one), logout_token(two)]
        assert all(tokens) and tokens[0] != tokens[1]
        # A kept page with a buyer's own header put back must not be kept by a shared cache on the way.
        for visitor in order[1:]:
            if visitor is not anonymous:
                assert "private" in pages[id(visitor)]["Cache-Control"]


def test_a_kept_page_follows_the_buyers_cart(client, demo_shelf, buyer):
    client.force_login(buyer)
    get(client, "kopi")
    assert cart_count(get(client, "kopi").content.decode()) == 0
    add_to_cart(Cart.objects.create(user=buyer), demo_shelf["kopi"].pk, 2)
    response = get(client, "kopi")
    assert response[HIT_HEADER] == "hit"
    assert cart_count(response.content.decode()) == 2


def test_a_kept_page_carries_the_visitors_own_csrf_token(client, demo_shelf):
    get(client, "kopi")
    response = get(client, "kopi")
    assert response[HIT_HEADER] == "hit"
    html = response.content.decode()
    assert "__tokoku_csrf_token__" not in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    enforcing = Client(enforce_csrf_checks=True)
    enforcing.cookies["csrftoken"] = response.cookies["csrftoken"].value
    posted = enforcing.post("/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token})
    assert posted.status_code == 302


# --- A fixed number of queries ------------------------------------------------------------------


def pictured_soaps(category, count):
    for _ in range(count):
        product = factories.product(name="Sabun Sereh Wangi", category=category, stock=5)
        image = Image.objects.create(
            title=product.sku, file=ContentFile(draw_picture(product.sku, "#0ea5e9", size=(48, 48)), name="p.jpg")
        )
        ProductImage.objects.create(product=product, image=image)


def queries_of(client, cold):
    get(client, "sabun")  # the first search makes the renditions and fills the caches
    if cold:
        for cache in caches.all(initialized_only=True):
            cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = get(client, "sabun")
    return len(card_names(response)), [query["sql"] for query in captured.captured_queries]


@pytest.mark.fulltext
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed in"])
@pytest.mark.parametrize("cached", [False, True], ids=["first time", "asked again"])
def test_a_search_costs_the_same_queries_with_2_or_24_cards(client, category, buyer, settings, signed_in, cached):
    settings.CATALOG_PAGE_SIZE = 24
    if not cached:
        settings.PAGE_CACHE_SECONDS = 0
    if signed_in:
        client.force_login(buyer)
    pictured_soaps(category, 2)
    shown, few = queries_of(client, cold=not cached)
    assert shown == 2
    pictured_soaps(category, 22)
    shown, many = queries_of(client, cold=not cached)
    assert shown == 24
    assert len(many) == len(few), many
    if cached and not signed_in:
        assert many == []
