"""Missed callbacks (issue 12, item 7): the schedule asks TriPay's transaction/detail after gateway
orders near or past their deadline and applies the same logic as a callback.

TriPay's answers are recorded ones (tests/integrations/tripay_api.py), given per order by Details.
"""

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.utils import timezone

from shop.models import GatewayCallback, Notification, Order, OrderEvent, StockMovement
from shop.payments.gateways import tripay_callbacks
from shop.payments.gateways.tripay_callbacks import RECONCILE_AHEAD, UNREACHABLE_GRACE, reconcile_gateway_orders
from shop.services.orders import confirm_payment, expire_unpaid_orders
from tests import factories
from tests.helpers import assert_ledger_balances, stock_of
from tests.integrations import tripay_api
from tests.integrations.tripay_api import DETAIL_URL
from tests.payments import test_tripay_callbacks
from tests.payments.test_tripay_callbacks import body_for, books, owed, place, post, sales

gateway = test_tripay_callbacks.gateway  # the fixture: TriPay set up, transaction/create answered

pytestmark = pytest.mark.django_db

Status = Order.Status
Outcome = GatewayCallback.Outcome


class Details:
    """TriPay's transaction/detail as the test sets it, order by order: a status ("PAID"), an
    exception to raise as requests would (TriPay unreachable), or a whole (status code, body) answer.
    Asking about an order the test set nothing for fails the test."""

    def __init__(self, mock):
        self.mock = mock
        self.answers = {}
        mock.add_callback(responses.GET, DETAIL_URL, callback=self._answer, content_type="application/json")

    def set(self, order, answer):
        self.answers[order.payment_reference] = (order, answer)

    def asked(self):
        """The references asked about so far, in order."""
        return [
            parse_qs(urlsplit(call.request.url).query)["reference"][0]
            for call in self.mock.calls
            if DETAIL_URL in call.request.url
        ]

    def _answer(self, request):
        reference = parse_qs(urlsplit(request.url).query)["reference"][0]
        assert reference in self.answers, f"the schedule asked TriPay about {reference}, which it should not have"
        order, answer = self.answers[reference]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, tuple):
            return answer[0], {}, answer[1]
        detail = tripay_api.detail_answer(reference, answer, merchant_ref=order.number, amount=order.total)
        return 200, {}, json.dumps(detail)


@pytest.fixture
def details(gateway):
    return Details(gateway)


def due_in(order, delta):
    """Move the order's deadline to `delta` from now (negative: passed)."""
    Order.objects.filter(pk=order.pk).update(payment_deadline=timezone.now() + delta)
    order.refresh_from_db()
    return order


@pytest.fixture
def due(gateway, buyer, product):
    """The buyer's QRIS order of 2 `product` (stock 10), ten minutes before its deadline."""
    return due_in(place(buyer, (product, 2)), timedelta(minutes=10))


def kept():
    return list(GatewayCallback.objects.order_by("pk").values_list("source", "status", "outcome"))


# --- What TriPay says, applied ------------------------------------------------------------------------


def test_paid_at_tripay_confirms_the_order_as_a_callback_would(details, due, product):
    details.set(due, "PAID")

    assert reconcile_gateway_orders() == 1

    due.refresh_from_db()
    assert due.status == Status.PROCESSED and due.paid_at is not None
    assert stock_of(product) == 8 and sales(due) == 1 and owed(due, Notification.Kind.PAID) == 1
    assert OrderEvent.objects.filter(order=due).last().actor is None
    record = GatewayCallback.objects.get()
    assert (record.source, record.status, record.outcome, record.order) == ("reconcile", "PAID", Outcome.PAID, due)
    assert record.reference == due.payment_reference and record.merchant_ref == due.number
    assert_ledger_balances()


@pytest.mark.parametrize("status", ["EXPIRED", "FAILED"])
def test_expired_or_failed_at_tripay_cancels_the_order_and_gives_nothing_back(details, due, product, status):
    details.set(due, status)

    assert reconcile_gateway_orders() == 1

    due.refresh_from_db()
    assert due.status == Status.CANCELLED and stock_of(product) == 10
    assert not StockMovement.objects.filter(order=due).exists() and owed(due, Notification.Kind.CANCELLED) == 1
    assert kept() == [("reconcile", status, Outcome.CANCELLED)]
    assert_ledger_balances()


def test_unpaid_before_the_deadline_is_left_alone_and_asked_again_next_run(details, due):
    details.set(due, "UNPAID")
    before = books(due)

    assert reconcile_gateway_orders() == 0
    assert reconcile_gateway_orders() == 0

    assert books(due) == before and kept() == []
    assert details.asked() == [due.payment_reference] * 2


def test_unpaid_past_the_deadline_is_cancelled(details, due, product):
    due_in(due, -timedelta(minutes=1))
    details.set(due, "UNPAID")

    assert reconcile_gateway_orders() == 1

    due.refresh_from_db()
    assert due.status == Status.CANCELLED and stock_of(product) == 10
    assert kept() == [("reconcile", "EXPIRED", Outcome.CANCELLED)]


TRIPAY_DOWN = {
    "connection refused": requests.ConnectionError("Connection refused"),
    "timeout": requests.ReadTimeout("Read timed out. (read timeout=10)"),
    "502 from a proxy": (502, tripay_api.BAD_GATEWAY_HTML),
    "invalid api key": (401, json.dumps(tripay_api.INVALID_API_KEY)),
}


@pytest.mark.parametrize("failure", TRIPAY_DOWN)
def test_tripay_down_leaves_the_order_alone_and_it_is_asked_again_next_run(details, due, product, failure):
    due_in(due, -timedelta(hours=2))  # even past its deadline: TriPay may have taken the money
    details.set(due, TRIPAY_DOWN[failure])
    before = books(due)

    assert reconcile_gateway_orders() == 0
    assert books(due) == before and kept() == []

    details.set(due, "PAID")
    assert reconcile_gateway_orders() == 1
    assert Order.objects.get(pk=due.pk).status == Status.PROCESSED and stock_of(product) == 8
    assert details.asked() == [due.payment_reference] * 2


# --- The expiry job and a lost callback -----------------------------------------------------------------


def test_a_lost_callback_never_lets_the_expiry_job_cancel_a_paid_order(details, due, product):
    due_in(due, -timedelta(hours=3))
    details.set(due, requests.ConnectionError("TriPay down"))  # and TriPay could not be asked either
    before = books(due)

    assert expire_unpaid_orders(now=timezone.now() + timedelta(days=30)) == 0
    reconcile_gateway_orders()
    assert expire_unpaid_orders(now=timezone.now() + timedelta(days=30)) == 0
    assert books(due) == before

    details.set(due, "PAID")
    assert reconcile_gateway_orders() == 1
    assert Order.objects.get(pk=due.pk).status == Status.PROCESSED and stock_of(product) == 8
    assert expire_unpaid_orders(now=timezone.now() + timedelta(days=30)) == 0
    assert Order.objects.get(pk=due.pk).status == Status.PROCESSED


def test_an_order_paid_when_its_stock_ran_out_waits_for_staff_untouched(client, details, buyer, other_buyer):
    """PAID for an order whose stock is gone: flagged for a refund, then left for staff by the
    schedule (not asked again) and by the expiry job, long after its deadline."""
    product = factories.product(stock=2)
    first, short = place(buyer, (product, 2)), place(other_buyer, (product, 2))
    post(client, body_for(first))
    post(client, body_for(short))
    due_in(short, -timedelta(days=3))
    before = books(short)

    assert reconcile_gateway_orders() == 0
    assert expire_unpaid_orders(now=timezone.now() + timedelta(days=30)) == 0

    assert books(short) == before and details.asked() == []
    assert before["order"]["status"] == Status.PENDING_PAYMENT and before["order"]["needs_attention"]


# --- Whom it asks, and how often --------------------------------------------------------------------------


def test_orders_far_from_their_deadline_and_orders_settled_are_not_asked_about(details, gateway, buyer, product):
    place(buyer, (product, 1))  # deadline 24 hours away
    due_in(place(buyer, (product, 1)), RECONCILE_AHEAD + timedelta(minutes=1))
    paid = due_in(place(buyer, (product, 1)), -timedelta(hours=1))
    confirm_payment(paid, None)
    cancelled = due_in(place(buyer, (product, 1)), -timedelta(hours=1))
    tripay_callbacks.apply_status(cancelled, "EXPIRED")
    due_in(factories.order(buyer, (product, 1)), -timedelta(hours=1))  # a manual transfer: not TriPay's

    assert reconcile_gateway_orders() == 0
    assert details.asked() == []


def test_each_run_asks_about_a_bounded_batch_nearest_deadline_first(details, gateway, buyer, product, monkeypatch):
    monkeypatch.setattr(tripay_callbacks, "RECONCILE_BATCH", 3)
    orders = [due_in(place(buyer, (product, 1)), timedelta(minutes=25 - 5 * n)) for n in range(5)]
    for order in orders:
        details.set(order, requests.ConnectionError("TriPay down"))

    reconcile_gateway_orders()
    assert details.asked() == [order.payment_reference for order in orders[:1:-1]]

    # A second run asks the same batch again, no more.
    reconcile_gateway_orders()
    assert len(details.asked()) == 6


def test_without_keys_unpaid_orders_are_cancelled_only_a_grace_period_after_their_deadline(
    details, gateway, buyer, product, settings
):
    recent = due_in(place(buyer, (product, 1)), -(UNREACHABLE_GRACE - timedelta(hours=1)))
    old = due_in(place(buyer, (product, 1)), -(UNREACHABLE_GRACE + timedelta(hours=1)))
    settings.TRIPAY_API_KEY = ""  # the owner removed the keys: TriPay cannot be asked

    assert reconcile_gateway_orders() == 1

    assert Order.objects.get(pk=recent.pk).status == Status.PENDING_PAYMENT
    assert Order.objects.get(pk=old.pk).status == Status.CANCELLED and stock_of(product) == 10
    assert details.asked() == []


# --- Bugs ------------------------------------------------------------------------------------------------


def test_an_unknown_status_from_tripay_does_not_stop_the_run(details, gateway, buyer, product):
    odd = due_in(place(buyer, (product, 1)), -timedelta(minutes=5))
    paid = due_in(place(buyer, (product, 1)), timedelta(minutes=5))
    details.set(odd, "SETTLEMENT")  # not one of the five statuses the docs name
    details.set(paid, "PAID")

    reconcile_gateway_orders()

    assert Order.objects.get(pk=paid.pk).status == Status.PROCESSED


def test_orders_tripay_keeps_refusing_do_not_starve_the_rest(details, gateway, buyer, product, monkeypatch):
    monkeypatch.setattr(tripay_callbacks, "RECONCILE_BATCH", 2)
    for _stuck in range(2):
        stuck = due_in(place(buyer, (product, 1)), -timedelta(days=2))
        details.set(stuck, (200, json.dumps(tripay_api.refused("Transaksi tidak ditemukan"))))
    paid = due_in(place(buyer, (product, 1)), timedelta(minutes=5))
    details.set(paid, "PAID")

    for _run in range(3):
        reconcile_gateway_orders()

    assert Order.objects.get(pk=paid.pk).status == Status.PROCESSED
