"""PostHog hears of orders from the server: order_placed, order_paid, order_shipped and
order_completed are owed in the outbox with the change and sent by the worker to PostHog's capture
API (here a real HTTP server on 127.0.0.1), under an opaque buyer id and with no personal data.
PostHog failing or slow never touches an order; with POSTHOG_KEY empty nothing is owed or sent."""

import json
import logging
import threading
import time
from datetime import UTC, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from shop.integrations import posthog as posthog_client
from shop.models import Notification, Order
from shop.notifications import analytics
from shop.notifications.outbox import MAX_ATTEMPTS, deliver_notifications
from shop.orders.services import payment
from shop.services.orders import (
    auto_complete_orders,
    complete_order,
    confirm_payment,
    ship_order,
    submit_payment_proof,
)
from tests import factories
from tests.integrations import binderbyte_api

pytestmark = [pytest.mark.django_db]

Kind = Notification.Kind
Channel = Notification.Channel
KEY = "phc_tokoku_test_key"
# How long the client waits here, and how long the slow PostHog takes to answer.
TIMEOUT = 0.5
SLOW = 2.0
# What the buyer typed at checkout (tests.factories.shipping_address) or signed up with: none of it may leave.
PERSONAL = [
    "pembeli@example.com",
    "siti@example.com",
    "Siti Rahayu",
    "081234567890",
    "6281234567890",
    "Jl. Kaliurang",
    "Ngaglik",
    "Sleman",
    "55581",
]


class FakePostHog(ThreadingHTTPServer):
    """PostHog's ingestion host, as the SDK sees it: answers per `mode`, keeps what it was sent."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), CaptureHandler)
        self.mode = "ok"
        self.received = []  # (path, headers, parsed JSON body)
        self.lock = threading.Lock()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def events(self):
        return [event for _path, _headers, body in self.received for event in body["batch"]]


class CaptureHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server = self.server
        with server.lock:
            server.received.append((self.path, dict(self.headers), body))
        if server.mode == "slow":
            time.sleep(SLOW)
        status, answer = {
            "ok": (200, {"status": "Ok"}),
            "slow": (200, {"status": "Ok"}),
            "error": (500, {"detail": "ClickHouse unavailable"}),
            "unauthorized": (401, {"detail": "Project API key invalid."}),
        }[server.mode]
        payload = json.dumps(answer).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped waiting: what a slow PostHog does to it

    def log_message(self, *args):
        pass


@pytest.fixture
def posthog(settings, monkeypatch):
    """PostHog on: POSTHOG_KEY set and POSTHOG_HOST a local server standing in for PostHog."""
    server = FakePostHog()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    settings.POSTHOG_KEY = KEY
    settings.POSTHOG_HOST = server.url
    monkeypatch.setattr(posthog_client, "TIMEOUT_SECONDS", TIMEOUT)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def no_tracking(settings):
    binderbyte_api.configure(settings, key="")  # auto-completion asks no courier


def owed(order, channel=Channel.POSTHOG):
    return list(Notification.objects.filter(order=order, channel=channel).order_by("pk").values_list("kind", flat=True))


def waiting(buyer, product):
    order = factories.order(buyer, (product, 2))
    submit_payment_proof(order, buyer, factories.proof_file())
    return order


# --- What is owed ---------------------------------------------------------------------------------


def test_each_stage_of_an_order_owes_posthog_one_event(posthog, buyer, product, cs1_user, cs2_user):
    order = factories.order(buyer, (product, 2))
    assert owed(order) == [Kind.PLACED]
    submit_payment_proof(order, buyer, factories.proof_file())
    confirm_payment(order, cs1_user)  # CS Layer 1 confirms; on PostgreSQL the database function writes the rows
    confirm_payment(order, cs1_user)  # a repeat owes nothing more
    assert owed(order) == [Kind.PLACED, Kind.PAID]
    ship_order(order, cs2_user, "JNE", "JNE0001")
    assert owed(order) == [Kind.PLACED, Kind.PAID, Kind.SHIPPED]
    complete_order(order, buyer)
    complete_order(order, buyer)
    assert owed(order) == [Kind.PLACED, Kind.PAID, Kind.SHIPPED, Kind.COMPLETED]
    # Beside the buyer's emails, never instead of them; and nothing is sent before the worker runs.
    assert owed(order, Channel.EMAIL) == [Kind.PLACED, Kind.PAID, Kind.SHIPPED, Kind.COMPLETED]
    assert posthog.received == []


@pytest.mark.parametrize("path", ["database", "python"])
def test_both_ways_of_confirming_owe_order_paid(posthog, buyer, product, cs1_user, path):
    if path == "database" and connection.vendor != "postgresql":
        pytest.skip("the database function exists on PostgreSQL only")
    order = waiting(buyer, product)
    confirm = payment._confirm_in_database if path == "database" else payment._confirm_in_python
    confirm(order, cs1_user)
    paid = Notification.objects.filter(order=order, kind=Kind.PAID).order_by("pk")
    assert [(n.channel, n.attempts, n.sent_at, n.last_error, n.skipped) for n in paid] == [
        (Channel.EMAIL, 0, None, "", False),
        (Channel.POSTHOG, 0, None, "", False),
    ]


def test_orders_completing_by_themselves_owe_order_completed(posthog, buyer, product, settings):
    settings.AUTO_COMPLETE_DAYS = 7
    orders = []
    for _ in range(3):
        order = waiting(buyer, product)
        confirm_payment(order, None)
        ship_order(order, None, "JNE", "JNE0001")
        orders.append(order)
    assert auto_complete_orders(now=timezone.now() + timedelta(days=7, minutes=1), batch_size=2) == 3
    for order in orders:
        assert owed(order)[-1] == Kind.COMPLETED and owed(order, Channel.EMAIL)[-1] == Kind.COMPLETED


def test_with_no_key_nothing_is_owed_or_sent(posthog, buyer, product, cs1_user, settings):
    settings.POSTHOG_KEY = ""
    order = waiting(buyer, product)
    confirm_payment(order, cs1_user)
    ship_order(order, None, "JNE", "JNE0001")
    complete_order(order, buyer)
    assert owed(order) == [] and len(owed(order, Channel.EMAIL)) == 4
    assert deliver_notifications() == 4 and posthog.received == []


def test_a_key_emptied_after_the_change_closes_its_event_as_not_sent(posthog, buyer, product, settings):
    order = factories.order(buyer, (product, 1))
    settings.POSTHOG_KEY = ""
    assert deliver_notifications() == 1  # the buyer's email
    event = Notification.objects.get(order=order, channel=Channel.POSTHOG)
    assert event.skipped and event.sent_at is None and event.attempts == 0 and "POSTHOG_KEY" in event.last_error
    assert posthog.received == []


# --- What PostHog receives ------------------------------------------------------------------------


def test_the_worker_sends_each_event_to_posthogs_capture_api(posthog, buyer, product, cs1_user, cs2_user):
    order = waiting(buyer, product)
    confirm_payment(order, cs1_user)
    ship_order(order, cs2_user, "JNE", "JNE0001")
    complete_order(order, buyer)
    rows = {n.kind: n for n in Notification.objects.filter(order=order, channel=Channel.POSTHOG)}

    assert deliver_notifications() == 8  # four emails, four events
    assert deliver_notifications() == 0  # each once
    assert len(mail.outbox) == 4

    assert [path for path, _headers, _body in posthog.received] == ["/batch/"] * 4
    for _path, headers, body in posthog.received:
        assert headers["Content-Type"] == "application/json"
        assert headers["User-Agent"].startswith("posthog-python/")
        assert set(body) == {"api_key", "batch", "historical_migration", "sent_at"}
        assert body["api_key"] == KEY and body["historical_migration"] is False and len(body["batch"]) == 1
    events = posthog.events()
    assert [event["event"] for event in events] == ["order_placed", "order_paid", "order_shipped", "order_completed"]

    order = Order.objects.get(pk=order.pk)
    for event, kind in zip(events, [Kind.PLACED, Kind.PAID, Kind.SHIPPED, Kind.COMPLETED], strict=True):
        assert set(event) == {"event", "distinct_id", "properties", "timestamp", "uuid"}
        assert event["distinct_id"] == analytics.buyer_id(buyer.pk)
        # Dated when the order changed, and with the row's own id: a second send is the same event.
        assert event["timestamp"] == rows[kind].created_at.astimezone(UTC).isoformat()
        assert event["uuid"] == analytics.event_uuid(rows[kind])
        ours = {name: value for name, value in event["properties"].items() if not name.startswith("$")}
        assert ours == {
            "order_number": order.number,
            "total": order.total,
            "subtotal": order.subtotal,
            "shipping_cost": 15_000,
            "currency": "IDR",
            "item_count": 2,
            "payment_method": "bank_transfer",
            "courier": "JNE",
        }
        sdk = event["properties"]
        assert sdk["$lib"] == "posthog-python" and sdk["$geoip_disable"] is True and sdk["$is_server"] is True
    assert len({event["uuid"] for event in events}) == 4
    assert all(n.sent_at and n.attempts == 1 for n in Notification.objects.filter(order=order))
    # Sending every event did not leave the SDK logging every body.
    assert logging.getLogger("posthog").getEffectiveLevel() >= logging.WARNING


def test_no_personal_data_leaves_the_shop(posthog, buyer, product):
    order = factories.order(buyer, (product, 1))
    deliver_notifications()
    [(_path, _headers, body)] = posthog.received
    sent = json.dumps(body)
    assert not [value for value in PERSONAL + [order.recipient_name, order.phone, order.email] if value in sent]
    distinct_id = body["batch"][0]["distinct_id"]
    assert len(distinct_id) == 32 and int(distinct_id, 16) >= 0
    assert str(buyer.pk) != distinct_id and buyer.username not in distinct_id


def test_the_buyer_id_is_stable_per_account_and_keyed_by_the_shops_secret(buyer, other_buyer, settings):
    assert analytics.buyer_id(buyer.pk) == analytics.buyer_id(buyer.pk)
    assert analytics.buyer_id(buyer.pk) != analytics.buyer_id(other_buyer.pk)
    before = analytics.buyer_id(buyer.pk)
    settings.SECRET_KEY = "another shop's secret key, just as long as the first one"
    assert analytics.buyer_id(buyer.pk) != before


# --- PostHog failing ------------------------------------------------------------------------------


def test_posthog_failing_is_retried_later_and_never_touches_the_order(posthog, buyer, product, cs1_user):
    posthog.mode = "error"
    order = waiting(buyer, product)
    confirm_payment(order, cs1_user)  # the order moves on whatever PostHog does
    assert Order.objects.get(pk=order.pk).status == Order.Status.PROCESSED

    assert deliver_notifications() == 2  # the two emails
    placed, paid = Notification.objects.filter(order=order, channel=Channel.POSTHOG).order_by("pk")
    assert (placed.attempts, placed.sent_at) == (1, None)
    assert "HTTP 500" in placed.last_error and "ClickHouse unavailable" in placed.last_error
    # The channel failed: its other event waits for the next run instead of failing the same way.
    assert (paid.attempts, paid.last_error) == (0, "") and len(posthog.received) == 1

    posthog.mode = "ok"
    assert deliver_notifications() == 2
    assert [event["event"] for event in posthog.events()] == ["order_placed", "order_placed", "order_paid"]
    placed.refresh_from_db()
    assert placed.sent_at is not None and placed.attempts == 2
    assert Order.objects.get(pk=order.pk).status == Order.Status.PROCESSED


def test_a_slow_posthog_holds_up_neither_orders_nor_emails(posthog, buyer, product):
    posthog.mode = "slow"
    started = time.monotonic()
    orders = [factories.order(buyer, (product, 1)) for _ in range(3)]
    assert time.monotonic() - started < SLOW  # placing never waits for PostHog

    started = time.monotonic()
    assert deliver_notifications() == 3  # every email went out ...
    assert time.monotonic() - started < SLOW  # ... after one wait for PostHog, not one per event
    assert len(mail.outbox) == 3 and len(posthog.received) == 1
    first = Notification.objects.get(order=orders[0], channel=Channel.POSTHOG)
    assert first.attempts == 1 and first.sent_at is None
    assert "could not be reached" in first.last_error and "timed out" in first.last_error

    posthog.mode = "ok"
    assert deliver_notifications() == 3
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


def test_posthog_down_fails_each_event_until_given_up(posthog, buyer, product):
    order = factories.order(buyer, (product, 1))
    posthog.shutdown()
    posthog.server_close()  # nothing listens on its port any more
    for _run in range(MAX_ATTEMPTS + 1):
        deliver_notifications()
    event = Notification.objects.get(order=order, channel=Channel.POSTHOG)
    assert event.sent_at is None and event.attempts == MAX_ATTEMPTS and "could not be reached" in event.last_error
    assert Notification.objects.get(order=order, channel=Channel.EMAIL).sent_at is not None


def test_a_rejected_key_is_given_up_at_once_with_what_to_do(posthog, buyer, product):
    posthog.mode = "unauthorized"
    order = factories.order(buyer, (product, 1))
    deliver_notifications()
    event = Notification.objects.get(order=order, channel=Channel.POSTHOG)
    assert event.attempts == MAX_ATTEMPTS and event.sent_at is None
    assert "HTTP 401" in event.last_error and "POSTHOG_KEY" in event.last_error
    deliver_notifications()
    assert len(posthog.received) == 1  # not tried again until the owner asks
