"""The Redis REDIS_URL names carries the cache, the sessions and the task queue of this process, as
configured by tokoku/settings.py. The runner's Redis pass sets REDIS_URL (to a Redis of its own);
without it these tests skip, saying so.
"""

import uuid

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.urls import reverse
from django_q.brokers import get_broker
from django_q.brokers.redis_broker import Redis as RedisBroker
from django_q.signing import SignedPackage
from django_q.tasks import async_task

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


def test_the_cache_is_the_configured_redis(configured_redis):
    key = f"tokoku:uji:{uuid.uuid4().hex}"
    cache.set(key, {"isi": "ada"}, 30)
    assert configured_redis.exists(f":1:{key}")
    assert cache.get(key) == {"isi": "ada"}
    assert cache.add(key, "lain") is False, "add() of a present key still says no"


def test_a_session_is_kept_in_the_database_and_read_through_redis(configured_redis, client, buyer):
    response = client.post(reverse("account_login"), {"login": buyer.email, "password": PASSWORD})
    assert response.status_code == 302
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists(), "survives an emptied Redis"
    assert configured_redis.exists(f":1:django.contrib.sessions.cached_db{key}")
    configured_redis.delete(f":1:django.contrib.sessions.cached_db{key}")  # as after a Redis restart
    assert "Keluar" in client.get(reverse("shop:order_list")).content.decode(), "still signed in"


def test_a_queued_task_waits_in_the_configured_redis_for_any_worker(configured_redis):
    broker = get_broker(f"uji-{uuid.uuid4().hex}")  # a queue of this test's own
    try:
        assert isinstance(broker, RedisBroker) and broker.ping()
        async_task("shop.notifications.outbox.deliver_notifications", group="notifications", broker=broker)
        assert configured_redis.llen(broker.list_key) == 1
        (_ack, package), *_ = broker.dequeue()
        assert SignedPackage.loads(package)["func"] == "shop.notifications.outbox.deliver_notifications"
    finally:
        broker.delete_queue()
