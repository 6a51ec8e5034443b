"""Builders and look-ups shared by the tests of the staff desks (queues, inventory, dashboard).

Orders reach each stage through the services, as they do in the shop.
"""

import pytest
from django.urls import reverse

from shop.models import Order, OrderEvent, PaymentProof, Product, StockMovement
from shop.services.orders import complete_order, confirm_payment, ship_order, submit_payment_proof
from tests import factories

@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Import into a test module to make its users quick to create (the default hasher is slow on purpose)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


DESK_NAMESPACES = {"verification": "payment_verification", "fulfilment": "fulfilment", "all": "all_orders"}


def desk_url(desk, name, *args, query=""):
    return reverse(f"{DESK_NAMESPACES.get(desk, desk)}:{name}", args=args) + query


def pending_order(buyer, *lines):
    return factories.order(buyer, *lines)


def waiting_order(buyer, *lines, proof_kind="jpeg"):
    order = factories.order(buyer, *lines)
    submit_payment_proof(order, buyer, factories.proof_file(proof_kind))
    return order


def processed_order(buyer, *lines, cs1=None):
    order = waiting_order(buyer, *lines)
    confirm_payment(order, cs1)
    return order


def shipped_order(buyer, *lines, cs1=None, cs2=None):
    order = processed_order(buyer, *lines, cs1=cs1)
    ship_order(order, cs2, "JNE", "JP0000000001")
    return order


def completed_order(buyer, *lines):
    order = shipped_order(buyer, *lines)
    complete_order(order, None)
    return order


def snapshot(order=None):
    """What a refused request must leave untouched: the order, its history, every product's stock."""
    state = {
        "stock": dict(Product.objects.values_list("pk", "stock")),
        "movements": StockMovement.objects.count(),
        "events": OrderEvent.objects.count(),
        "proofs": list(PaymentProof.objects.order_by("pk").values_list("pk", "status")),
    }
    if order is not None:
        fresh = Order.objects.get(pk=order.pk)
        state["order"] = (fresh.status, fresh.tracking_number, fresh.needs_attention, fresh.cancel_reason)
    return state


def is_refused(response):
    """Refused: a 403, or a redirect away (to the login page, or to the admin home with a message)."""
    return response.status_code == 403 or response.status_code == 302
