"""Redis stops while the shop runs with REDIS_URL set, then comes back (issue 15).

Real HTTP through the Django test client, with this process's cache, sessions and task queue on a
private redis-server (tests/redis/conftest.py): while it is stopped, pages are served (the cache's
errors are logged and taken as misses), a buyer signs in, orders through checkout and sees their
order, and the order's messages wait in the outbox (the commit's kick, finding no task queue, is
logged and swallowed); once it is back, pages are cached again by the same process and nobody was
signed out. tests/redis/test_worker.py shows the worker's side.
"""

import logging
import re

import pytest
from django.test import Client
from django.urls import reverse

from home.page_cache import VERSION_KEY
from shop.models import Notification, Order
from tests import factories
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.redis, pytest.mark.django_db]

ADDRESS = factories.CHECKOUT_ADDRESS


@pytest.fixture
def shop_on_redis(redis_cache, redis_broker, settings, catalog_page, product):
    settings.PAGE_CACHE_SECONDS = 60
    # The first visit ever creates the site settings rows, which (rightly) drops cached pages.
    Client().get("/")
    return redis_cache


def ignored_cache_errors(caplog):
    return [r for r in caplog.records if r.name == "django_redis.cache" and r.message == "Exception ignored"]


def place_order(client, rate, product, django_capture_on_commit_callbacks):
    """Cart, checkout, review, place: the buyer's way, as tests/checkout does it; the page it ends on."""
    assert client.post(reverse("shop:cart_add"), {"product": product.pk, "quantity": 2}).status_code == 302
    choice = {"shipping_option": f"tarif:{rate.pk}", "payment_method": "bank_transfer", **ADDRESS}
    assert client.post(reverse("shop:checkout"), choice).status_code == 302
    review = client.get(reverse("shop:checkout_review"))
    snapshot = re.search(r'name="snapshot" value="([^"]+)"', review.content.decode()).group(1)
    # The commit's callbacks run as in the shop: the outbox's kick among them.
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("shop:checkout_review"), {"snapshot": snapshot}, follow=True)


def test_with_redis_stopped_pages_serve_orders_commit_and_their_messages_wait_then_caching_resumes(
    shop_on_redis, catalog_page, product, buyer, caplog, django_capture_on_commit_callbacks
):
    redis_server = shop_on_redis
    rate = factories.shipping_rate(courier="JNE", service="REG", cost=9_000)
    visitor = Client()
    assert visitor.get(catalog_page.url).status_code == 200
    assert visitor.get(catalog_page.url)["X-Page-Cache"] == "hit"
    assert redis_server.client().exists(f":1:{VERSION_KEY}"), "the page cache lives in Redis"

    redis_server.stop()
    caplog.set_level(logging.ERROR)

    catalog = visitor.get(catalog_page.url)
    assert catalog.status_code == 200 and "X-Page-Cache" not in catalog
    assert product.name in catalog.content.decode()
    assert visitor.get(product.get_absolute_url()).status_code == 200
    assert ignored_cache_errors(caplog), "each failed cache call is logged"

    buyer_client = Client()
    signed_in = buyer_client.post(reverse("account_login"), {"login": buyer.email, "password": PASSWORD})
    assert signed_in.status_code == 302 and "sessionid" in signed_in.cookies
    placed = place_order(buyer_client, rate, product, django_capture_on_commit_callbacks)
    order = Order.objects.get(user=buyer)
    assert placed.redirect_chain[-1][0] == reverse("shop:order_detail", kwargs={"number": order.number})
    assert order.number in placed.content.decode()
    owed = Notification.objects.filter(order=order)
    assert owed.exists() and not owed.filter(sent_at__isnull=False).exists(), "owed, waiting for the worker"
    # The commit's kick found the task queue down too: logged, and the order went through all the same.
    assert [r for r in caplog.records if r.name == "shop.notifications.outbox" and "Could not queue" in r.message]
    assert order.number in buyer_client.get(reverse("shop:order_list")).content.decode()

    redis_server.start()  # empty: nothing was saved

    assert "X-Page-Cache" not in visitor.get(catalog_page.url)
    assert visitor.get(catalog_page.url)["X-Page-Cache"] == "hit", "the same process caches again"
    orders_page = buyer_client.get(reverse("shop:order_list"))
    assert orders_page.status_code == 200 and order.number in orders_page.content.decode(), "still signed in"
    session_keys = redis_server.client().keys("*django.contrib.sessions.cached_db*")
    assert [key.decode().endswith(buyer_client.session.session_key) for key in session_keys] == [True]
