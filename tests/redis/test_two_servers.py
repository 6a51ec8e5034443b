"""More than one server on one PostgreSQL database and one Redis (issue 15).

Two web servers (gunicorn, as README's deployment) share cached pages, the catalog's invalidation and
sessions; two task workers (`manage.py qcluster`) run each due schedule once and send each message
once. The processes are real, on the test database's committed rows and a private Redis; HTTP goes
over loopback.

Why a schedule runs once (django-q2 1.11, django_q/scheduler.py): every guard cycle that reaches 30
seconds, each cluster opens a transaction, selects the due schedules FOR UPDATE (without SKIP
LOCKED), queues their tasks, moves each next_run and commits. A second cluster's select waits for
the first's row locks; PostgreSQL then reads the rows again and, their next_run now in the future,
they no longer match. No setting is needed. The test below holds the due schedules' row locks
itself until both workers wait on them, so the two selects really do meet.
"""

import re
from collections import Counter
from urllib.parse import urlencode

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from shop.models import Notification
from tests import factories
from tests.conftest import PASSWORD
from tests.redis.processes import (
    cookies_set,
    handed,
    request,
    start_web,
    start_worker,
    wait_for,
    wait_until_answering,
)

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCHEDULE_NAMES = [f"Uji jadwal {n}" for n in range(1, 7)]


@pytest.fixture
def web_servers(redis_cache, quiet_schedules, tmp_path):
    servers = [start_web(name, redis_cache.url, tmp_path) for name in ("web1", "web2")]
    try:
        for server in servers:
            wait_until_answering(server)
        yield servers
    finally:
        for server in servers:
            server.stop()


def test_two_web_servers_share_cached_pages_their_invalidation_and_sessions(
    web_servers, redis_cache, catalog_page, product, buyer
):
    one, two = web_servers
    request(one, "GET", "/")  # the first visit ever creates the site settings rows, which drops cached pages

    status, headers, page = request(one, "GET", catalog_page.url)
    assert status == 200 and product.name in page and "X-Page-Cache" not in headers
    status, headers, page = request(two, "GET", catalog_page.url)
    assert (status, headers["X-Page-Cache"]) == (200, "hit"), "web2 serves the page web1 rendered"

    product.name = "Kopi Gayo Panen Baru"
    product.save()  # in this process: its signal drops the pages of both servers, in the Redis they share

    for server in (one, two):
        status, headers, page = request(server, "GET", catalog_page.url)
        assert status == 200 and "Kopi Gayo Panen Baru" in page, f"{server.name} shows the new name"
    assert headers["X-Page-Cache"] == "hit", "web2 serves web1's new rendering"

    status, headers, form = request(one, "GET", "/accounts/login/")
    csrf = cookies_set(headers)["csrftoken"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    body = urlencode({"login": buyer.email, "password": PASSWORD, "csrfmiddlewaretoken": token})
    status, headers, _ = request(one, "POST", "/accounts/login/", body=body, cookies={"csrftoken": csrf})
    assert status == 302, "signed in on web1"
    session = cookies_set(headers)["sessionid"]

    status, headers, orders = request(two, "GET", "/pesanan/", cookies={"sessionid": session})
    assert status == 200 and "Keluar" in orders, "the same session on web2 (signed out, it would redirect)"
    assert redis_cache.client().keys(f"*django.contrib.sessions.cached_db{session}"), "read through Redis"


# --- Two task workers ----------------------------------------------------------------------------


def waiting_on_schedules():
    """Other sessions of this database waiting for a row lock in a select of due schedules."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # fresh figures inside this transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND wait_event_type = 'Lock' AND query LIKE '%%django_q_schedule%%FOR UPDATE%%'"
        )
        return cursor.fetchone()[0]


def schedulers_busy():
    """Other sessions in the middle of a scheduler's transaction (waiting, selecting or saving)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND state <> 'idle' AND query LIKE '%%django_q_schedule%%'"
        )
        return cursor.fetchone()[0]


@pytest.fixture
def start_two_workers(redis_cache, tmp_path):
    """Starts two `manage.py qcluster` on the private Redis when called; both are stopped after the test."""
    started = []

    def start():
        record, runs = tmp_path / "handed.jsonl", tmp_path / "runs.tsv"
        env = {
            "EMAIL_BACKEND": "tests.notifications.recording_worker.RecordingEmailBackend",
            "RECORD_FILE": str(record),
        }
        for name in ("q1", "q2"):
            worker = start_worker(name, redis_cache.url, tmp_path, RUNS_FILE=str(runs), **env)
            worker.record, worker.runs = record, runs
            started.append(worker)
        return started

    yield start
    for worker in started:
        worker.stop()


def test_two_workers_on_one_redis_and_database_run_each_schedule_once_and_send_each_message_once(
    start_two_workers, redis_broker, quiet_schedules, buyer, product
):
    due = timezone.now() - timezone.timedelta(seconds=1)
    for name in SCHEDULE_NAMES:
        Schedule.objects.create(
            name=name, func="tests.redis.tasks.note_run", args=repr(name), schedule_type=Schedule.MINUTES,
            minutes=60, repeats=-1, next_run=due,
        )  # fmt: skip
    orders = [factories.order(buyer, (product, 1)) for _ in range(4)]  # each commit kicks a delivery run
    for _ in range(6):  # and more runs, so that both workers deliver at once
        async_task("shop.notifications.outbox.deliver_notifications", group="notifications")

    with transaction.atomic():
        assert len(Schedule.objects.select_for_update().filter(name__in=SCHEDULE_NAMES)) == len(SCHEDULE_NAMES)
        workers = start_two_workers()
        # Each cluster's scheduler first runs about 30 s after it starts; both then wait on this test's locks.
        wait_for(lambda: waiting_on_schedules() == 2, 120, "both workers' schedulers to wait", workers[0].log)
    wait_for(lambda: schedulers_busy() == 0, 60, "both schedulers to finish", workers[0].log)

    logs = "".join(worker.log.read_text() for worker in workers)
    queued = Counter(re.findall(r"created task .+ from schedule \[(.+?)\]", logs))
    assert queued == dict.fromkeys(SCHEDULE_NAMES, 1), "each due schedule queued once, by one worker"
    runs = workers[0].runs
    wait_for(lambda: runs.exists() and len(runs.read_text().splitlines()) >= len(SCHEDULE_NAMES), 60, "the runs")
    assert Counter(line.split("\t")[0] for line in runs.read_text().splitlines()) == dict.fromkeys(SCHEDULE_NAMES, 1)
    assert all(schedule.next_run > timezone.now() for schedule in Schedule.objects.filter(name__in=SCHEDULE_NAMES))

    unsent = Notification.objects.filter(sent_at__isnull=True)
    wait_for(lambda: not unsent.exists(), 90, "every message to be sent", workers[1].log)
    owed = Counter({(order.email, order.number): order.notifications.count() for order in orders})
    assert Counter(handed(workers[0])) == owed, "each message handed over once"
