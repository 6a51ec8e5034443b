"""Completion races on a real server database (PostgreSQL, MariaDB): the buyer's "Pesanan diterima", the
courier's report of delivery and the schedule's days, each in its own thread and connection, committing for real.
Whichever comes first completes the order; the others change nothing, and the buyer is emailed once."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from shop.models import Notification, Order, OrderEvent
from shop.orders.services.completion import record_parcel
from shop.services.orders import auto_complete_orders, complete_order, ship_order
from shop.shipping.parcels import ParcelState
from shop.shipping.tracking import ParcelReport
from tests import factories
from tests.helpers import errors, processed_order, run_together, user
from tests.orders.test_concurrency import row_locked_elsewhere

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite has no row locks; run on PostgreSQL or MariaDB"),
]

Status = Order.Status
ROUNDS = 5


@pytest.fixture
def buyer():
    return user("pembeli@example.com")


@pytest.fixture
def no_tracking(settings):
    # The days alone decide here; BinderByte's part is a report handed to record_parcel.
    settings.BINDERBYTE_API_KEY = ""
    settings.AUTO_COMPLETE_DAYS = 7


def shipped(buyer, product, awb):
    order = processed_order(buyer, (product, 1))
    ship_order(order, None, "JNE", awb)
    return order


def delivered(awb):
    return ParcelReport("jne", awb, timezone.now(), status="DELIVERED", state=ParcelState.DELIVERED)


def assert_completed_once(order):
    assert Order.objects.get(pk=order.pk).status == Status.COMPLETED
    assert OrderEvent.objects.filter(order=order, to_status=Status.COMPLETED).count() == 1
    assert Notification.objects.filter(order=order, kind=Notification.Kind.COMPLETED).count() == 1


def test_the_buyers_button_racing_the_schedules_days_completes_once(buyer, no_tracking):
    product = factories.product(stock=50)
    later = timezone.now() + timedelta(days=8)
    for round_ in range(ROUNDS):
        order = shipped(buyer, product, f"CGK00000000{round_}")
        results = run_together(
            lambda: complete_order(order.pk, buyer, "Pembeli menandai pesanan sudah diterima."),
            lambda: auto_complete_orders(now=later),
        )

        assert errors(results) == []
        assert_completed_once(order)


def test_the_buyers_button_racing_the_couriers_report_completes_once(buyer, no_tracking):
    product = factories.product(stock=50)
    for round_ in range(ROUNDS):
        awb = f"CGK00000001{round_}"
        order = shipped(buyer, product, awb)
        results = run_together(lambda: complete_order(order.pk, buyer), lambda: record_parcel(order.pk, delivered(awb)))

        assert errors(results) == []
        assert_completed_once(order)
        # Exactly one of them completed it.
        event = OrderEvent.objects.get(order=order, to_status=Status.COMPLETED)
        assert (event.actor_id == buyer.pk) == (results[1] == ("ok", 0))


def test_two_schedule_runs_at_once_complete_each_order_once(buyer, no_tracking):
    product = factories.product(stock=50)
    orders = [shipped(buyer, product, f"CGK0000000{n:02}") for n in range(12)]
    later = timezone.now() + timedelta(days=8)

    results = run_together(
        lambda: auto_complete_orders(now=later, batch_size=5), lambda: auto_complete_orders(now=later, batch_size=5)
    )

    assert errors(results) == []
    assert sum(value for _outcome, value in results) == 12
    for order in orders:
        assert_completed_once(order)


def test_the_schedule_passes_over_an_order_the_buyer_holds_and_takes_it_next_run(buyer, no_tracking):
    product = factories.product(stock=50)
    held, free = shipped(buyer, product, "CGK0000000091"), shipped(buyer, product, "CGK0000000092")
    later = timezone.now() + timedelta(days=8)

    with row_locked_elsewhere(Order, held.pk):
        assert auto_complete_orders(now=later) == 1

    assert Order.objects.get(pk=held.pk).status == Status.SHIPPED
    assert_completed_once(free)
    assert auto_complete_orders(now=later) == 1
    assert_completed_once(held)
