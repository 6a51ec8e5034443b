"""Who may cancel an order is decided by cancel_order itself, under the order's lock (shop.orders.policy).

The desks and the buyer's page used to apply these rules in the screen; now a gateway callback, a
job or any other caller gets exactly the same answers.
"""

import pytest

from shop.models import Order, StockMovement
from shop.orders import policy
from shop.services.orders import (
    ActionNotAllowed,
    InvalidTransition,
    OrderError,
    cancel_order,
    confirm_payment,
    ship_order,
    submit_payment_proof,
)
from tests import factories

pytestmark = pytest.mark.django_db

Status = Order.Status


@pytest.fixture
def unpaid(buyer, product):
    return factories.order(buyer, (product, 2))


@pytest.fixture
def processed(buyer, product, cs1_user):
    order = factories.order(buyer, (product, 2))
    submit_payment_proof(order, buyer, factories.proof_file())
    confirm_payment(order, cs1_user)
    return order


def nothing_changed(order, status):
    order.refresh_from_db()
    return order.status == status and not order.events.filter(to_status=Status.CANCELLED).exists()


def test_the_buyer_may_cancel_until_payment_is_confirmed(unpaid, buyer):
    cancel_order(unpaid, buyer, "salah pilih")
    assert unpaid.status == Status.CANCELLED


def test_the_buyer_may_not_cancel_a_paid_order(processed, buyer, product):
    with pytest.raises(ActionNotAllowed, match="tidak bisa dibatalkan sendiri"):
        cancel_order(processed, buyer, "berubah pikiran")
    assert nothing_changed(processed, Status.PROCESSED)
    assert StockMovement.objects.filter(order=processed).count() == 1


def test_another_buyer_may_not_cancel_an_order(unpaid, other_buyer):
    with pytest.raises(ActionNotAllowed):
        cancel_order(unpaid, other_buyer, "iseng")
    assert nothing_changed(unpaid, Status.PENDING_PAYMENT)


def test_each_cs_layer_cancels_only_at_its_own_desk(unpaid, processed, cs1_user, cs2_user):
    with pytest.raises(ActionNotAllowed, match="tidak dapat membatalkannya"):
        cancel_order(processed, cs1_user, "stok rusak")
    with pytest.raises(ActionNotAllowed):
        cancel_order(unpaid, cs2_user, "pembeli minta batal")
    assert nothing_changed(processed, Status.PROCESSED) and nothing_changed(unpaid, Status.PENDING_PAYMENT)

    cancel_order(unpaid, cs1_user, "pembeli minta batal")
    cancel_order(processed, cs2_user, "stok rusak")
    assert (unpaid.status, processed.status) == (Status.CANCELLED, Status.CANCELLED)


def test_the_owner_and_the_system_may_cancel_at_any_desk(buyer, product, admin_user):
    first, second = factories.order(buyer, (product, 1)), factories.order(buyer, (product, 1))
    cancel_order(first, admin_user, "dobel")
    cancel_order(second, None, "dibatalkan sistem")
    assert first.status == second.status == Status.CANCELLED


def test_an_order_no_one_may_cancel_says_so_whoever_asks(processed, cs2_user, admin_user):
    ship_order(processed, cs2_user, "JNE", "JNE123")
    for actor in (admin_user, cs2_user, processed.user, None):
        with pytest.raises(InvalidTransition):
            cancel_order(processed, actor, "terlambat")
    assert nothing_changed(processed, Status.SHIPPED)


def test_a_refusal_is_an_order_error_every_screen_already_shows(unpaid, other_buyer):
    with pytest.raises(OrderError):
        cancel_order(unpaid, other_buyer, "iseng")


def test_the_desk_buttons_and_the_service_agree(unpaid, processed, buyer, cs1_user, cs2_user, admin_user):
    """Where a desk shows "Batalkan pesanan", the service accepts; where it does not, the service refuses."""
    for order in (unpaid, processed):
        for user in (cs1_user, cs2_user, admin_user):
            shown = policy.may(user, "cancel", order)
            try:
                policy.check_cancel(user, order)
            except ActionNotAllowed:
                accepted = False
            else:
                accepted = True
            assert shown == accepted, (user, order.status)
