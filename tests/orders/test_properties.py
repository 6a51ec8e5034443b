"""Property-based: any sequence of order and stock operations keeps the shop's invariants.

stock >= 0, stock == sum of its StockMovements for every product, every recorded transition is
one the status table allows, and a processed (or later) order has taken exactly its lines. On
PostgreSQL it runs twice: with the database functions (confirmation, expiry in one statement)
and with the Python path MariaDB and SQLite use.
"""

from contextlib import suppress
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shop.models import Order, OrderEvent, Product, StockMovement
from shop.orders.services import expiry, payment
from shop.orders.status import PAID, TRANSITIONS, allowed_moves
from shop.services.orders import (
    OrderError,
    cancel_order,
    complete_order,
    confirm_payment,
    expire_unpaid_orders,
    reject_payment,
    ship_order,
    submit_payment_proof,
)
from shop.services.stock import adjust_stock
from tests import factories

S = Order.Status
# Placing an order, then every move the status table allows.
ALLOWED = {("", S.PENDING_PAYMENT)} | {
    (source, target) for source, targets in allowed_moves().items() for target in targets
}
TAKEN = set(PAID)

# The operations, each as often as it needs to be for every transition to happen within the
# examples: paying takes a proof then a confirmation, shipping needs a paid order, and so on.
ORDER_OPERATIONS = ["proof"] * 3 + ["confirm"] * 3 + ["reject", "ship", "complete", "cancel"] * 2
# The transition each operation asks for: it is aimed at an order that status allows, when there is one.
TRANSITION_OF = {
    "proof": "submit_proof",
    "confirm": "confirm_payment",
    "reject": "reject_payment",
    "ship": "ship",
    "complete": "complete",
    "cancel": "cancel",
}

ARGUMENTS = {
    "place": st.lists(st.tuples(st.integers(0, 2), st.integers(1, 4)), min_size=1, max_size=3),
    "adjust": st.tuples(st.integers(0, 2), st.integers(-6, 6)),
    "expire": st.just(None),
    **dict.fromkeys(ORDER_OPERATIONS, st.integers(0, 7)),
}
# Expiry cancels every unpaid order at once: rare, or paid orders would hardly ever happen.
KINDS = ["place"] * 3 + ORDER_OPERATIONS + ["adjust"] * 2 + ["expire"]
operation = st.sampled_from(KINDS).flatmap(lambda kind: st.tuples(st.just(kind), ARGUMENTS[kind]))


def target(op, argument, orders):
    """An order the operation can apply to, when there is one; any order otherwise (to be refused)."""
    statuses = dict(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("pk", "status"))
    sources = TRANSITIONS[TRANSITION_OF[op]].sources
    candidates = [o for o in orders if statuses[o.pk] in sources] or orders
    return candidates[argument % len(candidates)]


def run(op, argument, products, orders, buyer):
    if op == "place":
        wanted = {}
        for index, quantity in argument:
            wanted[index] = wanted.get(index, 0) + quantity
        orders.append(factories.order(buyer, *[(Product.objects.get(pk=products[i].pk), q) for i, q in wanted.items()]))
        return
    if op == "adjust":
        index, delta = argument
        adjust_stock(products[index], delta, StockMovement.Reason.CORRECTION)
        return
    if op == "expire":
        expire_unpaid_orders(now=timezone.now() + timedelta(hours=25))
        return
    if not orders:
        return
    order = target(op, argument, orders)
    {
        "proof": lambda: submit_payment_proof(order, buyer, factories.proof_file()),
        "confirm": lambda: confirm_payment(order, None),
        "reject": lambda: reject_payment(order, None, "Nominal tidak sesuai"),
        "ship": lambda: ship_order(order, None, "JNE", f"RESI{order.pk}"),
        "complete": lambda: complete_order(order, None),
        "cancel": lambda: cancel_order(order, None, "Dibatalkan CS"),
    }[op]()


def check_invariants(products, orders, seen):
    for product in Product.objects.filter(pk__in=[p.pk for p in products]):
        moved = StockMovement.objects.filter(product=product).aggregate(total=Sum("delta"))["total"] or 0
        assert product.stock >= 0
        assert product.stock == moved
    for order in Order.objects.filter(pk__in=[o.pk for o in orders]).prefetch_related("lines"):
        for event in OrderEvent.objects.filter(order=order):
            assert (event.from_status, event.to_status) in ALLOWED, (event.from_status, event.to_status)
            seen.add((event.from_status, event.to_status))
        taken = StockMovement.objects.filter(order=order).aggregate(total=Sum("delta"))["total"] or 0
        expected = -sum(line.quantity for line in order.lines.all()) if order.status in TAKEN else 0
        assert taken == expected, (order.status, taken, expected)


@pytest.fixture(params=["database", "python"])
def path(request, monkeypatch):
    """Which implementation confirms payments and expires orders: PostgreSQL's, or the portable Python one."""
    if request.param == "database" and connection.vendor != "postgresql":
        pytest.skip("the database functions exist on PostgreSQL only")
    if request.param == "python":
        monkeypatch.setattr(payment, "_confirm_in_database", payment._confirm_in_python)
        monkeypatch.setattr(expiry, "_expire_batch_in_one_statement", expiry._expire_batch)
    return request.param


@pytest.fixture
def transitions_seen():
    """Every transition the examples made; after them, each move of the status table must be among them,
    or the test would be blind to the ones it never reached (cancelling a paid order, say)."""
    seen = set()
    yield seen
    missing = ALLOWED - seen
    assert not missing, f"the examples never made these transitions: {sorted(missing)}"


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same examples every run, so that the coverage check above is not left to chance
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    operations=st.lists(operation, min_size=10, max_size=40),
    opening=st.lists(st.integers(0, 20), min_size=3, max_size=3),
)
def test_any_sequence_of_operations_keeps_the_invariants(path, transitions_seen, buyer, category, operations, opening):
    products = [factories.product(category=category, stock=stock) for stock in opening]
    orders = []
    for op, argument in operations:
        with suppress(OrderError):  # a refused operation must change nothing, which the invariants check
            run(op, argument, products, orders, buyer)
        check_invariants(products, orders, transitions_seen)
