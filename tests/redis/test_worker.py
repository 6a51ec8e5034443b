"""The task worker on the Redis broker: a real `manage.py qcluster` against the test database and a
private Redis, delivering what orders owe, before and after Redis is stopped and started again.

This process places and confirms orders through the services checkout and the CS desk call, on
committed rows (transactional tests, as tests/notifications/test_worker_killed.py); their commits
kick delivery through this process's cache and django-q2 (both on the private Redis, see conftest).
The worker hands each message to a recording email backend (tests/notifications/recording_worker.py),
which writes it to a file this test reads.
"""

from collections import Counter

import pytest
from django.core.cache import cache
from django_q.models import Task

from shop.models import Notification
from shop.notifications.outbox import KICK_KEY
from tests import factories, helpers
from tests.redis.processes import handed, start_worker, wait_for

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def worker(redis_cache, redis_broker, quiet_schedules, tmp_path):
    record = tmp_path / "handed.jsonl"
    process = start_worker(
        "qcluster",
        redis_cache.url,
        tmp_path,
        EMAIL_BACKEND="tests.notifications.recording_worker.RecordingEmailBackend",
        RECORD_FILE=str(record),
    )
    process.record = record
    yield process
    process.stop()


def owed_count(*orders):
    return Notification.objects.filter(order__in=orders).count()


def test_an_orders_messages_go_through_redis_to_the_worker_and_out(worker, buyer, product, cs1_user):
    order = helpers.processed_order(buyer, (product, 1), cs1=cs1_user)  # placed, proof sent, confirmed by CS

    wait_for(
        lambda: len(handed(worker)) >= owed_count(order), 90, "the worker to send the order's messages", worker.log
    )

    assert Counter(handed(worker)) == {(order.email, order.number): 2}, "placed and paid, each once"
    assert not Notification.objects.filter(order=order, sent_at__isnull=True).exists()
    # Sent by the task the commit's kick queued on Redis (the schedules wait a day), and the worker
    # cleared the kick's key in the cache it shares with this process.
    delivery_runs = Task.objects.filter(func="shop.notifications.outbox.deliver_notifications", group="notifications")
    wait_for(delivery_runs.exists, 30, "the worker to record its delivery run", worker.log)
    assert cache.get(KICK_KEY) is None


def test_the_worker_carries_on_after_redis_restarts_and_sends_what_was_owed_meanwhile(
    worker, redis_cache, buyer, product
):
    first = factories.order(buyer, (product, 1))
    wait_for(lambda: len(handed(worker)) == 1, 90, "the worker to send the first order's message", worker.log)

    redis_cache.stop()
    during = factories.order(buyer, (product, 1))  # checkout's service; its kick finds no Redis
    assert Notification.objects.filter(order=during, sent_at__isnull=True).count() == 1, "owed, kept in the outbox"
    wait_for(lambda: worker.logged("Failed to pull task from broker"), 60, "the worker to lose Redis", worker.log)
    redis_cache.start()  # same port, empty

    after = factories.order(buyer, (product, 1))  # its kick queues a delivery run again

    wait_for(lambda: len(handed(worker)) >= 3, 120, "the worker to send what was owed", worker.log)
    assert handed(worker)[0] == (first.email, first.number)
    assert Counter(handed(worker)[1:]) == {(during.email, during.number): 1, (after.email, after.number): 1}
    assert not Notification.objects.filter(sent_at__isnull=True).exists()
    assert worker.process.poll() is None, "the same worker, never restarted"
