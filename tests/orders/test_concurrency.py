"""Races on the order services, on a real server database (PostgreSQL, MariaDB).

Each racer runs in its own thread with its own database connection and commits for real, so
these tests see what two CS, a buyer and the expiry job would see at the same moment. Some
races are started together and repeated; the ones that must go one way are forced by holding
a row lock from another connection while the service runs.
"""

import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import Sum
from django.utils import timezone

from shop.models import DailyOrderCounter, Order, OrderEvent, Product, StockMovement
from shop.services.orders import (
    InsufficientStock,
    InvalidTransition,
    cancel_order,
    confirm_payment,
    expire_unpaid_orders,
    place_order,
)
from shop.staff import roles
from tests import factories
from tests.helpers import assert_ledger_balances, errors, run_together, stock_of, user, waiting_order

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite has no row locks; run on PostgreSQL or MariaDB"),
]

Status = Order.Status


# --- Helpers ---------------------------------------------------------------------------------


@contextmanager
def row_locked_elsewhere(model, pk, *, before_commit=None):
    """Hold a row lock from another connection, as a CS mid-transaction would, until the block ends.

    `before_commit` runs in that transaction just before it commits, so the holder can change
    the row the waiting code will then have to re-read.
    """
    locked = threading.Event()
    release = threading.Event()
    failure = []

    def holder():
        try:
            with transaction.atomic():
                model.objects.select_for_update().get(pk=pk)
                locked.set()
                release.wait(30)
                if before_commit:
                    before_commit()
        except Exception as error:
            failure.append(error)
            locked.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    assert locked.wait(10) and not failure, failure
    try:
        yield
    finally:
        release.set()
        thread.join(10)
    assert not failure, failure


def in_thread(call):
    """Start `call` in its own thread and connection; returns (thread, outcome list)."""
    outcome = []

    def run():
        try:
            outcome.append(("ok", call()))
        except Exception as error:
            outcome.append(("error", error))
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.fixture
def buyer():
    return user("pembeli@example.com")


@pytest.fixture
def cs_staff():
    """Four agents on both desks, so each may confirm, and cancel an order whether paid or not."""
    return [user(f"cs{n}@example.com", roles.CS_LAYER_1, roles.CS_LAYER_2) for n in range(4)]


# --- confirm_payment -------------------------------------------------------------------------


def test_four_cs_confirming_one_order_at_once_take_stock_once(buyer, cs_staff):
    product = factories.product(stock=50)
    for _round in range(5):
        order = waiting_order(buyer, (product, 3))
        results = run_together(*[lambda cs=cs: confirm_payment(order.pk, cs) for cs in cs_staff])

        assert errors(results) == []
        assert StockMovement.objects.filter(order=order, reason=StockMovement.Reason.SALE).count() == 1
        assert OrderEvent.objects.filter(order=order, to_status=Status.PROCESSED).count() == 1
    assert stock_of(product) == 50 - 5 * 3
    assert_ledger_balances()


def test_the_last_unit_goes_to_the_first_confirmation_only(buyer, cs_staff):
    for _round in range(5):
        product = factories.product(stock=1)
        first, second = waiting_order(buyer, (product, 1)), waiting_order(buyer, (product, 1))
        results = run_together(
            lambda: confirm_payment(first.pk, cs_staff[0]), lambda: confirm_payment(second.pk, cs_staff[1])
        )

        assert len(errors(results)) == 1 and isinstance(errors(results)[0], InsufficientStock)
        statuses = sorted(Order.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", "needs_attention"))
        assert statuses == [(Status.PROCESSED, False), (Status.WAITING_VERIFICATION, True)]
        assert stock_of(product) == 0
    assert_ledger_balances()


def test_many_buyers_of_scarce_stock_never_oversell(buyer, cs_staff):
    product = factories.product(stock=5)
    orders = [waiting_order(buyer, (product, 1)) for _ in range(16)]
    results = run_together(*[lambda o=o: confirm_payment(o.pk, cs_staff[o.pk % 4]) for o in orders])

    assert all(isinstance(e, InsufficientStock) for e in errors(results)) and len(errors(results)) == 11
    assert Order.objects.filter(status=Status.PROCESSED).count() == 5
    assert stock_of(product) == 0
    assert_ledger_balances()


def test_orders_locking_the_same_products_in_opposite_order_do_not_deadlock(buyer, cs_staff):
    a, b, c = (factories.product(stock=100) for _ in range(3))
    orders = []
    for n in range(12):
        lines = [(a, 1), (b, 1), (c, 1)] if n % 2 else [(c, 1), (b, 1), (a, 1)]
        orders.append(waiting_order(buyer, *lines))
    results = run_together(*[lambda o=o: confirm_payment(o.pk, cs_staff[0]) for o in orders])

    assert errors(results) == []
    assert (stock_of(a), stock_of(b), stock_of(c)) == (88, 88, 88)
    assert_ledger_balances()


def test_checkouts_and_confirmations_of_the_same_products_do_not_deadlock(buyer, cs_staff):
    # Order lines share-lock their products (foreign-key check) while a confirmation locks them
    # for update: both must go in ascending product pk, whatever order the cart lists them in.
    products = [factories.product(stock=500) for _ in range(4)]
    to_confirm = [waiting_order(buyer, *[(p, 1) for p in products]) for _ in range(10)]
    reversed_cart = [{"product_id": p.pk, "quantity": 1, "unit_price": p.price} for p in reversed(products)]
    checkout = lambda: place_order(  # noqa: E731
        buyer,
        items=reversed_cart,
        address=factories.shipping_address(),
        shipping={"courier": "JNE", "service": "REG", "cost": 10_000},
    )
    results = run_together(
        *[lambda o=o: confirm_payment(o.pk, cs_staff[0]) for o in to_confirm], *[checkout for _ in range(10)]
    )

    assert errors(results) == []
    assert all(stock_of(p) == 490 for p in products)
    assert Order.objects.filter(status=Status.PENDING_PAYMENT).count() == 10


def test_confirm_waits_for_the_order_lock_and_rereads_the_order(buyer, cs_staff):
    """A confirmation that starts while the expiry job cancels the order must see the cancellation."""
    product = factories.product(stock=5)
    order = waiting_order(buyer, (product, 2))

    def cancelled_by_someone_else():
        Order.objects.filter(pk=order.pk).update(status=Status.CANCELLED)

    with row_locked_elsewhere(Order, order.pk, before_commit=cancelled_by_someone_else):
        thread, outcome = in_thread(lambda: confirm_payment(order.pk, cs_staff[0]))
        time.sleep(0.5)
        assert thread.is_alive(), "confirm_payment did not wait for the order's row lock"
    thread.join(10)

    assert outcome[0][0] == "error" and isinstance(outcome[0][1], InvalidTransition)
    assert stock_of(product) == 5 and not StockMovement.objects.filter(order=order).exists()


def test_confirm_locks_the_order_then_products_in_pk_order(buyer, cs_staff):
    """Caught mid-way, waiting for the middle product: it holds the order and the lower product
    and has not touched the higher one. Seen from outside, so it holds for the database function
    on PostgreSQL and the Python path on MariaDB alike."""
    products = [factories.product(stock=10) for _ in range(3)]
    order = waiting_order(buyer, *[(p, 1) for p in reversed(products)])

    with row_locked_elsewhere(Product, products[1].pk):
        thread, outcome = in_thread(lambda: confirm_payment(order.pk, cs_staff[0]))
        time.sleep(0.5)
        assert thread.is_alive(), "confirm_payment did not wait for the product's row lock"
        assert is_locked(Order, order.pk)
        assert is_locked(Product, products[0].pk)
        assert not is_locked(Product, products[2].pk)
    thread.join(10)

    assert outcome == [("ok", outcome[0][1])] and outcome[0][1].status == Status.PROCESSED
    assert [stock_of(p) for p in products] == [9, 9, 9]


def is_locked(model, pk):
    """Whether another transaction holds the row lock, asked from a connection of its own."""
    answer = []

    def ask():
        try:
            with transaction.atomic():
                model.objects.select_for_update(nowait=True).get(pk=pk)
            answer.append(False)
        except DatabaseError:
            answer.append(True)
        finally:
            connections.close_all()

    thread = threading.Thread(target=ask)
    thread.start()
    thread.join(10)
    return answer[0]


# --- cancel_order ----------------------------------------------------------------------------


def test_two_cs_cancelling_a_paid_order_at_once_give_stock_back_once(buyer, cs_staff):
    product = factories.product(stock=10)
    for _round in range(5):
        order = waiting_order(buyer, (product, 4))
        confirm_payment(order, cs_staff[0])
        results = run_together(*[lambda cs=cs: cancel_order(order.pk, cs, "stok rusak") for cs in cs_staff])

        assert errors(results) == []
        assert StockMovement.objects.filter(order=order, reason=StockMovement.Reason.CANCELLATION).count() == 1
        assert stock_of(product) == 10
    assert_ledger_balances()


def test_confirm_and_cancel_racing_leave_a_consistent_order(buyer, cs_staff):
    product = factories.product(stock=100)
    for _round in range(8):
        order = waiting_order(buyer, (product, 2))
        run_together(
            lambda: confirm_payment(order.pk, cs_staff[0]), lambda: cancel_order(order.pk, cs_staff[1], "batal")
        )
        order.refresh_from_db()
        net = StockMovement.objects.filter(order=order).aggregate(net=Sum("delta"))["net"] or 0
        # Either cancelled first (nothing taken), or confirmed then cancelled (taken and given back).
        assert order.status == Status.CANCELLED and net == 0
    assert stock_of(product) == 100
    assert_ledger_balances()


# --- expire_unpaid_orders --------------------------------------------------------------------


def test_expiry_racing_confirmations_never_cancels_a_paid_order(buyer, cs_staff):
    product = factories.product(stock=100)
    orders = [waiting_order(buyer, (product, 1)) for _ in range(30)]
    Order.objects.update(payment_deadline=timezone.now() - timedelta(minutes=1))
    results = run_together(
        lambda: expire_unpaid_orders(batch_size=4),
        *[lambda o=o: confirm_payment(o.pk, cs_staff[o.pk % 4]) for o in orders],
    )

    expired = results[0][1]
    confirmations_refused = errors(results[1:])
    assert all(isinstance(e, InvalidTransition) for e in confirmations_refused)
    # An order expiry skipped because a CS held it is one that CS then confirmed: none is left over.
    processed = Order.objects.filter(status=Status.PROCESSED).count()
    cancelled = Order.objects.filter(status=Status.CANCELLED).count()
    assert processed + cancelled == 30
    assert cancelled == expired == len(confirmations_refused)
    assert stock_of(product) == 100 - processed
    assert not StockMovement.objects.filter(order__status=Status.CANCELLED).exists()
    assert_ledger_balances()


def test_expiry_skips_an_order_a_cs_is_working_on_and_takes_it_next_run(buyer):
    product = factories.product(stock=10)
    busy, idle = waiting_order(buyer, (product, 1)), waiting_order(buyer, (product, 1))
    Order.objects.update(payment_deadline=timezone.now() - timedelta(minutes=1))

    with row_locked_elsewhere(Order, busy.pk):
        started = time.monotonic()
        assert expire_unpaid_orders() == 1
        assert time.monotonic() - started < 5, "expiry waited for a locked order instead of skipping it"
        assert Order.objects.get(pk=busy.pk).status == Status.WAITING_VERIFICATION
        assert Order.objects.get(pk=idle.pk).status == Status.CANCELLED
    assert expire_unpaid_orders() == 1
    assert Order.objects.get(pk=busy.pk).status == Status.CANCELLED


def test_two_expiry_runs_at_once_cancel_each_order_once(buyer):
    product = factories.product(stock=10)
    for _ in range(25):
        factories.order(buyer, (product, 1))
    Order.objects.update(payment_deadline=timezone.now() - timedelta(minutes=1))

    results = run_together(lambda: expire_unpaid_orders(batch_size=5), lambda: expire_unpaid_orders(batch_size=5))

    assert errors(results) == []
    assert results[0][1] + results[1][1] == 25
    assert OrderEvent.objects.filter(to_status=Status.CANCELLED).count() == 25


# --- place_order -----------------------------------------------------------------------------


def test_concurrent_first_checkouts_of_a_day_get_distinct_consecutive_numbers(buyer):
    product = factories.product(stock=100)
    DailyOrderCounter.objects.all().delete()
    items = [{"product_id": product.pk, "quantity": 1, "unit_price": product.price}]

    def checkout():
        # Inside a transaction, as the checkout view calls it (it empties the cart in the same one).
        with transaction.atomic():
            return place_order(
                buyer,
                items=items,
                address=factories.shipping_address(),
                shipping={"courier": "JNE", "service": "REG", "cost": 0},
            )

    results = run_together(*[checkout for _ in range(12)])

    assert errors(results) == []
    numbers = sorted(order.number[-4:] for _outcome, order in results)
    assert numbers == [f"{n:04d}" for n in range(1, 13)]
