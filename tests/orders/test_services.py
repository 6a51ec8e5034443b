"""The order services one call at a time: transitions, stock, history. Runs on every database."""

import re
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shop.models import Order, OrderEvent, PaymentProof, PaymentSettings, Product, StockMovement
from shop.payments.gateways import bank_transfer
from shop.services.orders import (
    InsufficientStock,
    InvalidPaymentProof,
    InvalidTransition,
    OrderError,
    PriceChanged,
    cancel_order,
    complete_order,
    confirm_payment,
    expire_unpaid_orders,
    place_order,
    reject_payment,
    ship_order,
    submit_payment_proof,
)
from shop.services.stock import adjust_stock
from tests import factories, helpers
from tests.helpers import assert_ledger_balances, stock_of, transitions

pytestmark = pytest.mark.django_db

Status = Order.Status


@pytest.fixture
def second_product(category):
    return factories.product(category=category, stock=5, weight_grams=600)


@pytest.fixture
def waiting_order(buyer, product):
    return helpers.waiting_order(buyer, (product, 2))


# --- place_order -----------------------------------------------------------------------------


def test_place_order_copies_cart_address_and_prices_and_takes_no_stock(buyer, product, second_product):
    order = factories.order(buyer, (product, 2), (second_product, 1), shipping_cost=20_000)

    assert order.status == Status.PENDING_PAYMENT
    assert re.fullmatch(rf"TK-{timezone.localdate():%Y%m%d}-0001", order.number)
    lines = {line.product_id: line for line in order.lines.all()}
    assert lines[product.pk].quantity == 2
    assert (lines[product.pk].sku, lines[product.pk].name, lines[product.pk].unit_price) == (
        product.sku,
        product.name,
        product.price,
    )
    assert order.subtotal == 2 * product.price + second_product.price
    assert order.total_weight_grams == 2 * 250 + 600
    assert (order.shipping_courier, order.shipping_service, order.shipping_cost) == ("JNE", "REG", 20_000)
    assert (order.recipient_name, order.city, order.email) == ("Siti Rahayu", "Sleman", "siti@example.com")
    assert 1 <= order.unique_code <= 999
    assert order.total == order.subtotal + 20_000 + order.unique_code
    assert abs(order.payment_deadline - order.created_at - timedelta(hours=24)) < timedelta(seconds=5)
    assert transitions(order) == [("", Status.PENDING_PAYMENT)]
    assert (stock_of(product), stock_of(second_product)) == (10, 5)
    assert not StockMovement.objects.filter(order=order).exists()


def test_order_numbers_run_per_day_in_jakarta_time(buyer, product):
    first = factories.order(buyer, (product, 1))
    second = factories.order(buyer, (product, 1))
    assert first.number.endswith("-0001") and second.number.endswith("-0002")

    # 18:30 UTC on 31 December is already 1 January in Jakarta: a new day, numbering restarts.
    late_evening_utc = datetime(2026, 12, 31, 18, 30, tzinfo=ZoneInfo("UTC"))
    with mock.patch("django.utils.timezone.now", return_value=late_evening_utc):
        next_day = factories.order(buyer, (product, 1))
    assert next_day.number == "TK-20270101-0001"


def test_unique_code_is_left_out_when_the_owner_turns_it_off_and_for_the_gateway(buyer, product, simulated_tripay):
    settings = PaymentSettings.load()
    settings.use_unique_code = False
    settings.save()
    assert factories.order(buyer, (product, 1)).unique_code == 0

    settings.use_unique_code = True
    settings.save()
    assert factories.order(buyer, (product, 1), payment_method="tripay").unique_code == 0


def test_unique_code_avoids_totals_of_orders_still_unpaid(buyer, product):
    base = product.price + 15_000
    taken = [factories.order(buyer, (product, 1)) for _ in range(3)]
    cancel_order(taken[2], buyer, "batal")
    offered = []
    with mock.patch.object(bank_transfer.random, "choice", side_effect=lambda codes: offered.extend(codes) or codes[0]):
        factories.order(buyer, (product, 1))
    assert taken[0].unique_code not in offered and taken[1].unique_code not in offered
    assert taken[2].unique_code in offered  # a cancelled order no longer needs matching
    assert len(offered) == 997 and all(base + code not in {taken[0].total, taken[1].total} for code in offered)


def test_place_order_names_every_unavailable_line_and_creates_nothing(buyer, product, second_product, category):
    retired = factories.product(category=category, stock=3, is_active=False)
    with pytest.raises(InsufficientStock) as error:
        factories.order(buyer, (product, 11), (second_product, 1), (retired, 1))
    assert {(s.product_id, s.requested, s.available) for s in error.value.shortages} == {
        (product.pk, 11, 10),
        (retired.pk, 1, 0),
    }
    assert product.name in str(error.value) and retired.name in str(error.value)
    assert not Order.objects.exists()


def test_place_order_refuses_prices_the_buyer_did_not_see(buyer, product, second_product):
    items = [
        {"product_id": product.pk, "quantity": 1, "unit_price": product.price - 1000},
        {"product_id": second_product.pk, "quantity": 1, "unit_price": second_product.price},
    ]
    with pytest.raises(PriceChanged) as error:
        place_order(
            buyer,
            items=items,
            address=factories.shipping_address(),
            shipping={"courier": "JNE", "service": "REG", "cost": 0},
        )
    assert [(c.product_id, c.seen_price, c.current_price) for c in error.value.changes] == [
        (product.pk, product.price - 1000, product.price)
    ]
    assert isinstance(error.value, OrderError)
    assert not Order.objects.exists()


def test_place_order_merges_repeated_products_into_one_line(buyer, product):
    items = [{"product_id": product.pk, "quantity": 2, "unit_price": product.price}] * 2
    order = place_order(
        buyer,
        items=items,
        address=factories.shipping_address(),
        shipping={"courier": "JNE", "service": "REG", "cost": 0},
    )
    assert list(order.lines.values_list("product_id", "quantity")) == [(product.pk, 4)]


@pytest.mark.parametrize(
    "items, address, shipping",
    [
        ([], {}, None),
        ([{"product_id": 1, "quantity": 0, "unit_price": 1}], {}, None),
        ([{"product_id": 1, "quantity": "2", "unit_price": 1}], {}, None),
        ([{"product_id": 1, "quantity": 1}], {}, None),
        (None, {"recipient_name": ""}, None),
        (None, {"postal_code": "1" * 11}, None),
        (None, {}, {"courier": "JNE", "service": "REG", "cost": -1}),
        (None, {}, {"courier": "", "service": "REG", "cost": 10}),
        (None, {}, {"courier": "JNE", "service": "REG", "cost": 1.5}),
    ],
)
def test_place_order_refuses_malformed_input_with_a_message(buyer, product, items, address, shipping):
    if items is None:
        items = [{"product_id": product.pk, "quantity": 1, "unit_price": product.price}]
    with pytest.raises(OrderError) as error:
        place_order(
            buyer,
            items=items,
            address=factories.shipping_address(**address),
            shipping=shipping or {"courier": "JNE", "service": "REG", "cost": 0},
        )
    assert str(error.value)
    assert not Order.objects.exists()


# --- submit_payment_proof --------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, content_type", [("jpeg", "image/jpeg"), ("png", "image/png"), ("pdf", "application/pdf")]
)
def test_proof_moves_the_order_to_verification(buyer, product, kind, content_type):
    order = factories.order(buyer, (product, 1))
    proof = submit_payment_proof(order, buyer, factories.proof_file(kind, name="IMG 2026 (1).weird"))

    assert order.status == Status.WAITING_VERIFICATION  # the caller's instance is refreshed
    assert Order.objects.get(pk=order.pk).status == Status.WAITING_VERIFICATION
    assert (proof.content_type, proof.status, proof.uploaded_by) == (content_type, PaymentProof.Status.SUBMITTED, buyer)
    assert proof.original_name == "IMG 2026 (1).weird"
    assert "IMG" not in proof.file.name and proof.file.storage.exists(proof.file.name)
    assert transitions(order)[-1] == (Status.PENDING_PAYMENT, Status.WAITING_VERIFICATION)


@pytest.mark.parametrize(
    "upload, message",
    [
        (lambda: factories.proof_file("text", name="bukti.jpg"), "JPG/PNG"),
        (lambda: factories.proof_file("jpeg", size=5 * 1024 * 1024 + 1), "5 MB"),
        (lambda: factories.proof_file("jpeg", size=0), "kosong"),
    ],
)
def test_proof_is_judged_by_its_content(buyer, product, upload, message):
    order = factories.order(buyer, (product, 1))
    with pytest.raises(InvalidPaymentProof, match=message):
        submit_payment_proof(order, buyer, upload())
    assert Order.objects.get(pk=order.pk).status == Status.PENDING_PAYMENT
    assert not PaymentProof.objects.exists()


def test_proof_is_refused_after_the_deadline_while_waiting_and_for_gateway_orders(
    buyer, product, waiting_order, simulated_tripay
):
    with pytest.raises(InvalidTransition):
        submit_payment_proof(waiting_order, buyer, factories.proof_file())

    late = factories.order(buyer, (product, 1))
    Order.objects.filter(pk=late.pk).update(payment_deadline=timezone.now() - timedelta(minutes=1))
    with pytest.raises(InvalidTransition, match="Batas pembayaran"):
        submit_payment_proof(late, buyer, factories.proof_file())

    gateway = factories.order(buyer, (product, 1), payment_method="tripay")
    with pytest.raises(InvalidTransition):
        submit_payment_proof(gateway, buyer, factories.proof_file())
    assert PaymentProof.objects.count() == 1


# --- confirm_payment -------------------------------------------------------------------------


def test_confirm_takes_stock_once_and_records_it(waiting_order, product, cs1_user):
    confirmed = confirm_payment(waiting_order, cs1_user)

    assert confirmed is waiting_order and waiting_order.status == Status.PROCESSED
    assert waiting_order.paid_at is not None
    assert stock_of(product) == 8
    movement = StockMovement.objects.get(order=waiting_order)
    assert (movement.product_id, movement.delta, movement.reason, movement.actor) == (
        product.pk,
        -2,
        StockMovement.Reason.SALE,
        cs1_user,
    )
    proof = waiting_order.payment_proofs.get()
    assert (proof.status, proof.reviewed_by) == (PaymentProof.Status.ACCEPTED, cs1_user)
    event = OrderEvent.objects.filter(order=waiting_order).last()
    assert (event.from_status, event.to_status, event.actor) == (
        Status.WAITING_VERIFICATION,
        Status.PROCESSED,
        cs1_user,
    )

    # A double click, a second CS, a replayed callback: nothing more is taken.
    confirm_payment(waiting_order.pk, cs1_user)
    confirm_payment(waiting_order, None)
    assert stock_of(product) == 8
    assert StockMovement.objects.filter(order=waiting_order).count() == 1
    assert transitions(waiting_order).count((Status.WAITING_VERIFICATION, Status.PROCESSED)) == 1
    assert_ledger_balances()


def test_gateway_confirms_an_order_still_awaiting_payment(buyer, product, simulated_tripay):
    order = factories.order(buyer, (product, 3), payment_method="tripay")
    confirm_payment(order.pk, None)
    order.refresh_from_db()
    assert order.status == Status.PROCESSED and stock_of(product) == 7
    assert OrderEvent.objects.filter(order=order).last().actor is None


def test_confirm_with_short_stock_names_every_short_line_and_flags_the_order(buyer, product, second_product, cs1_user):
    order = factories.order(buyer, (product, 4), (second_product, 5))
    submit_payment_proof(order, buyer, factories.proof_file())
    adjust_stock(product, -10, StockMovement.Reason.DAMAGED)
    adjust_stock(second_product, -5, StockMovement.Reason.CORRECTION)

    with pytest.raises(InsufficientStock) as error:
        confirm_payment(order, cs1_user)
    assert sorted(s.product_id for s in error.value.shortages) == sorted([product.pk, second_product.pk])

    order.refresh_from_db()
    assert order.status == Status.WAITING_VERIFICATION
    assert order.needs_attention and "Stok tidak cukup" in order.attention_note
    assert not StockMovement.objects.filter(order=order).exists()
    assert order.payment_proofs.get().status == PaymentProof.Status.SUBMITTED

    # Once restocked, the same confirmation goes through and the flag is cleared.
    adjust_stock(product, 4, StockMovement.Reason.RESTOCK)
    adjust_stock(second_product, 5, StockMovement.Reason.RESTOCK)
    confirm_payment(order, cs1_user)
    assert order.status == Status.PROCESSED and not order.needs_attention and order.attention_note == ""
    assert (stock_of(product), stock_of(second_product)) == (0, 0)
    assert_ledger_balances()


def test_confirm_refuses_a_cancelled_order(waiting_order, product, cs1_user):
    cancel_order(waiting_order, cs1_user, "pembeli minta batal")
    with pytest.raises(InvalidTransition, match="Dibatalkan"):
        confirm_payment(waiting_order, cs1_user)
    assert stock_of(product) == 10


# --- reject_payment --------------------------------------------------------------------------


def test_reject_returns_the_order_to_payment_and_the_buyer_may_upload_again(waiting_order, buyer, cs1_user):
    with pytest.raises(OrderError):
        reject_payment(waiting_order, cs1_user, "   ")
    reject_payment(waiting_order, cs1_user, "Nominal transfer tidak sesuai")

    assert waiting_order.status == Status.PENDING_PAYMENT
    proof = waiting_order.payment_proofs.get()
    assert (proof.status, proof.review_note, proof.reviewed_by) == (
        PaymentProof.Status.REJECTED,
        "Nominal transfer tidak sesuai",
        cs1_user,
    )
    with pytest.raises(InvalidTransition):
        reject_payment(waiting_order, cs1_user, "lagi")

    submit_payment_proof(waiting_order, buyer, factories.proof_file("png"))
    assert waiting_order.status == Status.WAITING_VERIFICATION
    assert waiting_order.payment_proofs.count() == 2


# --- ship_order, complete_order --------------------------------------------------------------


def test_ship_and_complete(waiting_order, cs1_user, cs2_user):
    with pytest.raises(InvalidTransition):
        ship_order(waiting_order, cs2_user, "JNE", "JP123")
    confirm_payment(waiting_order, cs1_user)
    with pytest.raises(OrderError):
        ship_order(waiting_order, cs2_user, "JNE", "  ")
    with pytest.raises(InvalidTransition):
        complete_order(waiting_order, cs2_user)

    ship_order(waiting_order, cs2_user, " JNE ", " JP1234567890 ")
    assert (waiting_order.status, waiting_order.courier, waiting_order.tracking_number) == (
        Status.SHIPPED,
        "JNE",
        "JP1234567890",
    )
    assert waiting_order.shipped_at is not None
    ship_order(waiting_order, cs2_user, "JNE", "JP1234567890")  # double click: nothing changes
    with pytest.raises(InvalidTransition):
        ship_order(waiting_order, cs2_user, "SiCepat", "000111")

    complete_order(waiting_order, cs2_user)
    complete_order(waiting_order, cs2_user)
    assert waiting_order.status == Status.COMPLETED and waiting_order.completed_at is not None
    assert transitions(waiting_order)[-3:] == [
        (Status.WAITING_VERIFICATION, Status.PROCESSED),
        (Status.PROCESSED, Status.SHIPPED),
        (Status.SHIPPED, Status.COMPLETED),
    ]
    with pytest.raises(InvalidTransition):
        cancel_order(waiting_order, cs2_user, "terlambat")


# --- cancel_order ----------------------------------------------------------------------------


def test_cancelling_an_unpaid_order_gives_nothing_back(buyer, product):
    order = factories.order(buyer, (product, 2))
    cancel_order(order, buyer, "Salah pilih warna")
    assert (order.status, order.cancel_reason) == (Status.CANCELLED, "Salah pilih warna")
    assert order.cancelled_at is not None and not order.needs_attention
    assert stock_of(product) == 10 and not StockMovement.objects.filter(order=order).exists()


def test_cancelling_a_processed_order_gives_back_exactly_what_it_took(waiting_order, product, cs1_user, cs2_user):
    confirm_payment(waiting_order, cs1_user)
    assert stock_of(product) == 8

    cancel_order(waiting_order, cs2_user, "Stok rusak di gudang")
    cancel_order(waiting_order, cs2_user, "klik dua kali")
    assert stock_of(product) == 10
    movements = list(StockMovement.objects.filter(order=waiting_order).values_list("delta", "reason"))
    assert sorted(movements) == [(-2, StockMovement.Reason.SALE), (2, StockMovement.Reason.CANCELLATION)]
    assert waiting_order.cancel_reason == "Stok rusak di gudang"
    assert_ledger_balances()


def test_a_buyer_cancelling_after_sending_proof_leaves_a_refund_flag_for_staff(waiting_order, buyer, cs1_user):
    cancel_order(waiting_order, buyer, "Tidak jadi")
    assert waiting_order.needs_attention and "kembalikan dana" in waiting_order.attention_note

    flagged = factories.order(buyer, (Product.objects.first(), 1))
    Order.objects.filter(pk=flagged.pk).update(needs_attention=True, attention_note="TriPay PAID setelah stok habis")
    cancel_order(flagged, cs1_user, "Dana dikembalikan")
    assert not flagged.needs_attention  # staff cancelling is their answer to the flag


# --- expire_unpaid_orders --------------------------------------------------------------------


def _overdue(order, hours=1):
    Order.objects.filter(pk=order.pk).update(payment_deadline=timezone.now() - timedelta(hours=hours))


def test_expiry_cancels_only_overdue_unpaid_orders(buyer, product, cs1_user):
    overdue_unpaid = factories.order(buyer, (product, 1))
    overdue_unverified = factories.order(buyer, (product, 1))
    submit_payment_proof(overdue_unverified, buyer, factories.proof_file())
    overdue_paid = factories.order(buyer, (product, 1))
    submit_payment_proof(overdue_paid, buyer, factories.proof_file())
    confirm_payment(overdue_paid, cs1_user)
    not_yet_due = factories.order(buyer, (product, 1))
    for order in (overdue_unpaid, overdue_unverified, overdue_paid):
        _overdue(order)

    assert expire_unpaid_orders() == 2
    assert expire_unpaid_orders() == 0

    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {
        overdue_unpaid.pk: Status.CANCELLED,
        overdue_unverified.pk: Status.CANCELLED,
        overdue_paid.pk: Status.PROCESSED,
        not_yet_due.pk: Status.PENDING_PAYMENT,
    }
    event = OrderEvent.objects.filter(order=overdue_unverified).last()
    assert (event.from_status, event.to_status, event.actor) == (Status.WAITING_VERIFICATION, Status.CANCELLED, None)
    unverified = Order.objects.get(pk=overdue_unverified.pk)
    assert unverified.needs_attention and unverified.cancelled_at is not None and unverified.cancel_reason
    assert not Order.objects.get(pk=overdue_unpaid.pk).needs_attention
    assert stock_of(product) == 9  # only the paid order took stock; expiry gives nothing back
    assert_ledger_balances()


def test_expiry_uses_the_time_it_is_given_and_created_at_when_there_is_no_deadline(buyer, product):
    order = factories.order(buyer, (product, 1))
    assert expire_unpaid_orders(now=timezone.now() + timedelta(hours=23)) == 0
    assert expire_unpaid_orders(now=timezone.now() + timedelta(hours=24, minutes=1)) == 1

    legacy = factories.order(buyer, (product, 1))
    Order.objects.filter(pk=legacy.pk).update(payment_deadline=None, created_at=timezone.now() - timedelta(hours=25))
    assert expire_unpaid_orders() == 1
    assert Order.objects.get(pk=order.pk).status == Order.objects.get(pk=legacy.pk).status == Status.CANCELLED


def test_expiry_works_in_batches_of_a_fixed_number_of_queries(buyer, product):
    orders = [factories.order(buyer, (product, 1)) for _ in range(7)]
    for order in orders:
        _overdue(order)

    with CaptureQueriesContext(connection) as queries:
        assert expire_unpaid_orders(batch_size=3) == 7
    # Per batch, whatever its size: find and lock, write the history, owe the buyers their emails,
    # cancel (two updates), plus savepoint bookkeeping; then one last look that finds nothing.
    # On PostgreSQL all of a batch is one statement.
    statements = [q["sql"].lstrip().split()[0].upper() for q in queries.captured_queries]
    if connection.vendor == "postgresql":
        assert statements.count("WITH") == 3 + 1 and len(statements) <= (3 + 1) * 3
    else:
        assert (statements.count("INSERT"), statements.count("UPDATE")) == (2 * 3, 2 * 3)
        assert len(statements) <= 3 * (5 + 2) + (1 + 2)
    events = OrderEvent.objects.filter(to_status=Status.CANCELLED)
    assert sorted(events.values_list("order_id", flat=True)) == sorted(order.pk for order in orders)
    assert set(events.values_list("from_status", "actor")) == {(Status.PENDING_PAYMENT, None)}
