"""Visitors without a session are served cached pages before sessions, CSRF, authentication and
messages run (home.page_cache.AnonymousPageHitMiddleware): the page must be the one the whole stack
would have given them, headers and working forms included, and nobody else's."""

import re

import pytest
from django.conf import settings
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.middleware.csrf import CSRF_ALLOWED_CHARS, _unmask_cipher_token
from django.test import Client
from django.urls import reverse

from home.page_cache_tokens import mask, random_string
from tests import factories
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

FORM_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def page_cache_on(settings, client):
    settings.PAGE_CACHE_SECONDS = 60
    client.get("/")  # the first visit ever creates the site settings rows, which empties the cache


def served_early(response):
    """A hit of the early middleware: AuthenticationMiddleware, which sets request.user, never ran."""
    return response.get("X-Page-Cache") == "hit" and not hasattr(response.wsgi_request, "user")


def cart_count(html):
    found = re.search(r'class="mini-cart-count">(\d+)<', html)
    return int(found.group(1)) if found else 0


def form_token(response):
    return FORM_TOKEN.search(response.content.decode()).group(1)


def test_a_visitor_without_a_session_is_served_before_the_rest_of_the_stack(client, catalog_page, product):
    first = client.get(catalog_page.url)
    second = client.get(catalog_page.url)
    assert "X-Page-Cache" not in first and served_early(second)
    assert product.name in second.content.decode() and ">Masuk<" in second.content.decode()
    assert not hasattr(second.wsgi_request, "session")


def test_an_early_hit_has_every_header_the_whole_stack_gives(client, catalog_page, product, settings):
    client.get(catalog_page.url)
    # A setting the early middleware leaves to CommonMiddleware sends the same visit through every middleware.
    settings.DISALLOWED_USER_AGENTS = [re.compile("no browser is called this")]
    whole_stack = client.get(catalog_page.url)
    settings.DISALLOWED_USER_AGENTS = []
    early = client.get(catalog_page.url)
    assert whole_stack["X-Page-Cache"] == "hit" and not served_early(whole_stack) and served_early(early)
    assert sorted(early.headers) == sorted(whole_stack.headers)
    for name, value in whole_stack.headers.items():
        assert early[name] == value, name
    assert early["X-Frame-Options"] == settings.X_FRAME_OPTIONS.upper()
    assert early["Content-Language"] == "id" and early["Vary"] == "Cookie, Accept-Language"
    assert early["X-Content-Type-Options"] == "nosniff" and int(early["Content-Length"]) == len(early.content)
    # The same page: only the form tokens, masked afresh for every response, differ.
    assert FORM_TOKEN.sub("", early.content.decode()) == FORM_TOKEN.sub("", whole_stack.content.decode())
    assert early.cookies["csrftoken"].value == whole_stack.cookies["csrftoken"].value


@pytest.mark.parametrize("language", ["id", "en"])
def test_an_early_hit_is_in_the_language_of_the_visitors_cookie(product, language):
    visitor, other = Client(), Client()
    visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    other.cookies[settings.LANGUAGE_COOKIE_NAME] = "en" if language == "id" else "id"
    url = product.get_absolute_url()
    for client in (visitor, other, visitor, other):
        response = client.get(url)
    response = visitor.get(url)
    assert served_early(response)
    assert response["Content-Language"] == language and f'lang="{language}"' in response.content.decode()
    words = {"id": ("Tambah ke Keranjang", ">Masuk<"), "en": ("Add to Cart", ">Sign in<")}
    assert all(word in response.content.decode() for word in words[language])


def test_a_cookie_less_visitor_gets_a_csrf_cookie_of_their_own_and_their_form_posts(catalog_page, product):
    Client().get(catalog_page.url)
    one, two = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first, second = one.get(catalog_page.url), two.get(catalog_page.url)
    assert served_early(first) and served_early(second)
    secrets = [response.cookies["csrftoken"].value for response in (first, second)]
    assert secrets[0] != secrets[1] and all(len(secret) == 32 for secret in secrets)
    assert [_unmask_cipher_token(form_token(response)) for response in (first, second)] == secrets
    # The language switcher of the cached page posts, with the visitor's own cookie and token.
    posted = one.post("/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": form_token(first)})
    assert posted.status_code == 302
    # Another visitor's token is refused.
    refused = two.post("/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": form_token(first)})
    assert refused.status_code == 403


def test_a_returning_visitor_keeps_their_csrf_secret_and_a_bad_cookie_is_replaced(catalog_page, product):
    Client().get(catalog_page.url)
    visitor = Client(enforce_csrf_checks=True)
    secret = visitor.get(catalog_page.url).cookies["csrftoken"].value
    tokens = set()
    for _ in range(2):
        response = visitor.get(catalog_page.url)
        assert served_early(response) and response.cookies["csrftoken"].value == secret  # renewed, as Django does
        assert _unmask_cipher_token(form_token(response)) == secret
        tokens.add(form_token(response))
    assert len(tokens) == 2, "every response masks the token afresh"
    # A cookie of the older, masked shape still names the same secret; a malformed one is replaced.
    visitor.cookies["csrftoken"] = mask(secret)
    assert visitor.get(catalog_page.url).cookies["csrftoken"].value == secret
    visitor.cookies["csrftoken"] = "not-a-token"
    replaced = visitor.get(catalog_page.url)
    assert served_early(replaced) and replaced.cookies["csrftoken"].value not in (secret, "not-a-token")
    posted = visitor.post(
        "/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": form_token(replaced)}
    )
    assert posted.status_code == 302


def test_the_tokens_are_djangos_shape():
    secret = random_string()
    assert len(secret) == 32 and set(secret) <= set(CSRF_ALLOWED_CHARS)
    assert len({random_string() for _ in range(50)}) == 50
    token = mask(secret)
    assert len(token) == 64 and token[:32] != mask(secret)[:32]
    assert _unmask_cipher_token(token) == secret


def test_waiting_messages_are_shown_by_the_whole_stack(client, catalog_page, product):
    client.get(catalog_page.url)
    client.cookies[CookieStorage.cookie_name] = CookieStorage(None)._encode(
        [Message(constants.INFO, "Pesan untuk tamu ini.")]
    )
    shown = client.get(catalog_page.url)
    assert "X-Page-Cache" not in shown and "Pesan untuk tamu ini." in shown.content.decode()
    later = client.get(catalog_page.url)
    assert served_early(later) and "Pesan untuk tamu ini." not in later.content.decode()


def test_a_visitor_with_a_session_never_gets_an_early_hit_nor_anyone_elses_header(catalog_page, product, buyer):
    cart_owner = Client()
    cart_owner.post(reverse("shop:cart_add"), {"product": product.pk, "quantity": 2})
    assert settings.SESSION_COOKIE_NAME in cart_owner.cookies
    assert "X-Page-Cache" not in cart_owner.get(catalog_page.url)  # it shows the "added to cart" message
    nobody = Client()
    nobody.get(catalog_page.url)
    for _ in range(2):
        own = cart_owner.get(catalog_page.url)
        assert own["X-Page-Cache"] == "hit" and not served_early(own)
        assert cart_count(own.content.decode()) == 2 and "private" in own["Cache-Control"]
        other = nobody.get(catalog_page.url)
        assert served_early(other) and cart_count(other.content.decode()) == 0
    buyer_page = signed_in(buyer).get(catalog_page.url)
    assert not served_early(buyer_page) and "Keluar" in buyer_page.content.decode()
    assert "Keluar" not in nobody.get(catalog_page.url).content.decode()


def test_a_page_a_signed_in_buyer_rendered_first_is_then_served_early_to_visitors_without_a_session(
    catalog_page, product, buyer
):
    buyer_client = signed_in(buyer)
    factories.category(name="Kategori Baru")  # a catalog change: the next visit renders the page again
    rendered = buyer_client.get(catalog_page.url)
    assert "X-Page-Cache" not in rendered and "Keluar" in rendered.content.decode()
    visitors = [Client() for _ in range(3)]
    pages = [visitor.get(catalog_page.url) for visitor in visitors]
    # The first visitor without a session gets their header rendered, and it is kept for the next ones.
    assert pages[0]["X-Page-Cache"] == "hit" and not served_early(pages[0])
    assert all(served_early(page) for page in pages[1:])
    for page in pages:
        html = page.content.decode()
        assert ">Masuk<" in html and "Keluar" not in html and "Kategori Baru" in html
        assert "__tokoku_csrf_token__" not in html
    assert len({form_token(page) for page in pages}) == 3


def test_settings_that_change_a_skipped_middlewares_answer_leave_the_visit_to_the_whole_stack(
    client, catalog_page, product, settings
):
    client.get(catalog_page.url)
    settings.DISALLOWED_USER_AGENTS = [re.compile("BadBot")]
    assert client.get(catalog_page.url, HTTP_USER_AGENT="BadBot/1.0").status_code == 403
    settings.DISALLOWED_USER_AGENTS = []
    settings.PREPEND_WWW = True
    assert client.get(catalog_page.url).status_code == 301
