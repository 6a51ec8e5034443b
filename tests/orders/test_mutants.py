"""Tests that kill hand-made mutants of the order services the rest of the suite let live (issue 11).

Each names the mutant it kills: a change to the service that every other test passed.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from shop.models import Order, StockMovement
from shop.services.orders import (
    cancel_order,
    complete_order,
    confirm_payment,
    expire_unpaid_orders,
    ship_order,
)
from tests import factories
from tests.helpers import assert_ledger_balances, stock_of, waiting_order

pytestmark = pytest.mark.django_db

Status = Order.Status


def test_cancelling_a_paid_order_of_several_lines_gives_every_line_its_stock_back(buyer, cs1_user, cs2_user):
    """Mutant: give back only the first line's stock."""
    products = [factories.product(stock=10) for _n in range(3)]
    order = waiting_order(buyer, (products[0], 1), (products[1], 2), (products[2], 3))
    confirm_payment(order, cs1_user)
    assert [stock_of(p) for p in products] == [9, 8, 7]

    cancel_order(order, cs2_user, "stok rusak")

    assert [stock_of(p) for p in products] == [10, 10, 10]
    given_back = StockMovement.objects.filter(order=order, reason=StockMovement.Reason.CANCELLATION)
    assert sorted(given_back.values_list("product_id", "delta")) == sorted(
        [(products[0].pk, 1), (products[1].pk, 2), (products[2].pk, 3)]
    )
    assert_ledger_balances()


@pytest.mark.parametrize("stage", ["shipped", "completed"])
def test_confirming_an_order_already_past_payment_changes_nothing_and_returns_it(
    stage, buyer, product, cs1_user, cs2_user
):
    """Mutant: raise for a shipped or completed order instead of treating it as already paid."""
    order = waiting_order(buyer, (product, 2))
    confirm_payment(order, cs1_user)
    ship_order(order, cs2_user, "JNE", "JNE0001")
    if stage == "completed":
        complete_order(order, cs2_user)
    events = order.events.count()

    returned = confirm_payment(order, cs1_user)  # a replayed gateway callback, a stale CS tab

    assert returned is order and order.status == stage
    assert stock_of(product) == 8 and order.events.count() == events
    assert StockMovement.objects.filter(order=order).count() == 1
    returned_by_pk = confirm_payment(order.pk, cs1_user)
    assert returned_by_pk.pk == order.pk and returned_by_pk.status == stage


def test_an_order_from_before_deadlines_were_stored_expires_exactly_a_payment_window_after_it_was_made(
    buyer, product, settings
):
    """Mutant: a 23-hour cutoff for orders without a stored deadline."""
    settings.PAYMENT_WINDOW_HOURS = 24
    made_at = timezone.now() - timedelta(hours=30)
    order = factories.order(buyer, (product, 1))
    Order.objects.filter(pk=order.pk).update(payment_deadline=None, created_at=made_at)

    assert expire_unpaid_orders(now=made_at + timedelta(hours=23, minutes=30)) == 0
    assert expire_unpaid_orders(now=made_at + timedelta(hours=23, minutes=59)) == 0
    assert Order.objects.get(pk=order.pk).status == Status.PENDING_PAYMENT
    assert expire_unpaid_orders(now=made_at + timedelta(hours=24, minutes=1)) == 1
    assert Order.objects.get(pk=order.pk).status == Status.CANCELLED
