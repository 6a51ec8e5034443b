"""TriPay's callback racing the rest of the shop on a real server database (issue 12, item 6).

Each racer runs in its own thread and connection and commits for real (tests/helpers.run_together):
the callback through Django's test client, the expiry job, CS confirming, the buyer cancelling and
the schedule that asks TriPay. Races are started together and repeated; whatever the order they
land in, the books must balance and the order end in one coherent state.
"""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from shop.models import GatewayCallback, Notification, Order, OrderEvent, StockMovement
from shop.orders.status import allowed_moves
from shop.payments.gateways.tripay_callbacks import reconcile_gateway_orders
from shop.services.orders import OrderError, cancel_order, confirm_payment, expire_unpaid_orders
from shop.staff import roles
from tests import factories
from tests.helpers import assert_ledger_balances, errors, run_together, stock_of, transitions, user
from tests.orders.test_concurrency import in_thread, row_locked_elsewhere
from tests.payments import test_tripay_callbacks
from tests.payments.test_tripay_callbacks import body_for, owed, place, post, sales
from tests.payments.test_tripay_reconcile import Details

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite has no row locks; run on PostgreSQL or MariaDB"),
]

Status = Order.Status
Outcome = GatewayCallback.Outcome
ROUNDS = 6
gateway = test_tripay_callbacks.gateway  # the fixture: TriPay set up, transaction/create answered


@pytest.fixture
def buyer():
    return user("pembeli@example.com")


@pytest.fixture
def cs():
    return user("cs1@example.com", roles.CS_LAYER_1)


def answered(result):
    """The callback's racer ended with TriPay's answer `{"success": true}`, as JSON with status 200."""
    outcome, response = result
    assert outcome == "ok", response
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json() == {"success": True}


def assert_coherent(order, units):
    """Paid and stock taken once, or cancelled with nothing taken (flagged for a refund when TriPay's
    money came after the cancellation); never cancelled by the expiry job; a history the table allows."""
    order.refresh_from_db()
    taken = -sum(StockMovement.objects.filter(order=order).values_list("delta", flat=True))
    moves = allowed_moves()
    assert all(to in moves[source] for source, to in transitions(order) if source), transitions(order)
    if order.status == Status.PROCESSED:
        assert taken == units and sales(order) == 1 and order.paid_at is not None and not order.needs_attention
        assert owed(order, Notification.Kind.PAID) == 1
    else:
        assert order.status == Status.CANCELLED, f"{order} ended {order.status}"
        assert taken == 0 and sales(order) == 0 and owed(order, Notification.Kind.PAID) == 0
        assert order.needs_attention and "Kembalikan dana" in order.attention_note
    assert not OrderEvent.objects.filter(order=order, to_status=Status.CANCELLED, actor=None).exists()


RACERS = {
    "callback": lambda order, cs, buyer: post(Client(), body_for(order)),
    "expiry": lambda order, cs, buyer: expire_unpaid_orders(),
    "cs": lambda order, cs, buyer: confirm_payment(order.pk, cs),
    "buyer": lambda order, cs, buyer: cancel_order(order.pk, buyer, "berubah pikiran"),
}


@pytest.mark.parametrize(
    "racers", [("callback", "expiry", "cs"), ("callback", "expiry", "buyer"), ("callback", "expiry", "cs", "buyer")]
)
def test_a_paid_callback_racing_expiry_cs_and_the_buyer_leaves_the_books_consistent(gateway, buyer, cs, racers):
    hot = factories.product(stock=100)
    processed = 0
    for _round in range(ROUNDS):
        order = place(buyer, (hot, 2))
        # An overdue manual transfer gives the expiry job real work in the same moment.
        manual = factories.order(buyer, (hot, 1))
        Order.objects.filter(pk__in=[order.pk, manual.pk]).update(
            payment_deadline=timezone.now() - timedelta(minutes=1)
        )

        results = dict(
            zip(
                racers,
                run_together(*[lambda name=name: RACERS[name](order, cs, buyer) for name in racers]),
                strict=True,
            )
        )

        answered(results["callback"])
        assert results["expiry"] == ("ok", 1) and Order.objects.get(pk=manual.pk).status == Status.CANCELLED
        assert all(isinstance(error, OrderError) for error in errors(results.values())), errors(results.values())
        assert_coherent(order, 2)
        processed += Order.objects.get(pk=order.pk).status == Status.PROCESSED
        assert set(GatewayCallback.objects.filter(order=order).values_list("outcome", flat=True)) <= {
            Outcome.PAID,
            Outcome.UNCHANGED,
            Outcome.PAID_SHORT,
        }
    assert stock_of(hot) == 100 - 2 * processed
    assert_ledger_balances()


@pytest.mark.parametrize("copies", [2, 4])
def test_identical_paid_callbacks_at_once_confirm_once(gateway, buyer, copies):
    hot = factories.product(stock=100)
    for _round in range(ROUNDS):
        order = place(buyer, (hot, 3))
        body = body_for(order)

        results = run_together(*[lambda: post(Client(), body) for _copy in range(copies)])

        for result in results:
            answered(result)
        assert_coherent(order, 3)
        assert Order.objects.get(pk=order.pk).status == Status.PROCESSED
        assert OrderEvent.objects.filter(order=order, to_status=Status.PROCESSED).count() == 1
        outcomes = list(GatewayCallback.objects.filter(order=order).values_list("outcome", flat=True))
        assert (
            len(outcomes) == copies and Outcome.PAID in outcomes and set(outcomes) <= {Outcome.PAID, Outcome.UNCHANGED}
        )
    assert stock_of(hot) == 100 - 3 * ROUNDS
    assert_ledger_balances()


def test_paid_callbacks_for_more_than_the_stock_at_once_never_oversell(gateway, buyer):
    hot = factories.product(stock=5)
    orders = [place(buyer, (hot, 1)) for _ in range(9)]

    results = run_together(*[lambda order=order: post(Client(), body_for(order)) for order in orders])

    for result in results:
        answered(result)  # the short ones too: the money is in, TriPay must stop retrying
    assert stock_of(hot) == 0
    statuses = sorted(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("status", "needs_attention"))
    assert statuses == [(Status.PENDING_PAYMENT, True)] * 4 + [(Status.PROCESSED, False)] * 5
    outcomes = sorted(GatewayCallback.objects.values_list("outcome", flat=True))
    assert outcomes == sorted([Outcome.PAID] * 5 + [Outcome.PAID_SHORT] * 4)
    assert_ledger_balances()


def test_a_paid_callback_racing_the_schedule_that_finds_the_deadline_passed(gateway, buyer):
    details = Details(gateway)
    hot = factories.product(stock=100)
    for _round in range(ROUNDS):
        order = place(buyer, (hot, 2))
        Order.objects.filter(pk=order.pk).update(payment_deadline=timezone.now() - timedelta(seconds=1))
        details.set(order, "UNPAID")  # TriPay's detail, asked a moment before the buyer's payment landed

        results = run_together(lambda: post(Client(), body_for(order)), reconcile_gateway_orders)

        answered(results[0])
        assert errors(results) == []
        order.refresh_from_db()
        if order.status == Status.PROCESSED:
            assert sales(order) == 1 and not order.needs_attention
        else:  # the schedule cancelled it first: the payment is flagged for a refund, no stock taken
            assert order.status == Status.CANCELLED and order.needs_attention and sales(order) == 0
    assert_ledger_balances()


def test_a_callback_that_waited_for_cs_to_confirm_is_kept_as_unchanged(gateway, buyer, cs):
    hot = factories.product(stock=10)
    order = place(buyer, (hot, 2))

    with row_locked_elsewhere(Order, order.pk, before_commit=lambda: confirm_payment(order.pk, cs)):
        thread, outcome = in_thread(lambda: post(Client(), body_for(order)))
        time.sleep(0.5)
        assert thread.is_alive(), "the callback did not wait for the order's row lock"
    thread.join(10)

    answered(outcome[0])
    assert stock_of(hot) == 8 and sales(order) == 1
    assert GatewayCallback.objects.get().outcome == Outcome.UNCHANGED
