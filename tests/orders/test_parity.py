"""The services' PostgreSQL paths give the same results as their portable Python paths.

On PostgreSQL confirm_payment runs as the database function of shop migration 0016, and each
batch of expire_unpaid_orders as one statement; MariaDB and SQLite run the Python steps. Every
rule of the services is tested on all three databases, but each database only ever sees its own
path, so here both run side by side on PostgreSQL, on identical orders, and every row they leave
behind is compared.
"""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from shop.models import Notification, Order, OrderEvent, PaymentProof, StockMovement
from shop.orders.errors import InsufficientStock, InvalidTransition
from shop.orders.services import cancelling, expiry, payment
from shop.services import orders as services
from shop.services.stock import move_stock
from tests import factories

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the database function exists on PostgreSQL only"),
]

Status = Order.Status
PATHS = {"database": payment._confirm_in_database, "python": payment._confirm_in_python}


def world(buyer, stocks, lines, *, proof=True):
    """Fresh products ending with `stocks`, and one order of `lines` ((product index, quantity), ...)
    placed while they still had enough: what was sold to others since is a correction here."""
    wanted = dict(lines)
    products = [factories.product(stock=max(stock, wanted.get(n, 0))) for n, stock in enumerate(stocks)]
    order = factories.order(buyer, *[(products[index], quantity) for index, quantity in lines])
    if proof:
        services.submit_payment_proof(order, buyer, factories.proof_file())
    for product, stock in zip(products, stocks, strict=True):
        product.refresh_from_db()
        if product.stock != stock:
            move_stock(product.pk, stock - product.stock, StockMovement.Reason.CORRECTION)
    return order, products


def outcome(call):
    try:
        result = call()
    except Exception as error:
        return ("error", type(error).__name__, str(error))
    order, confirmed_now = result  # both paths also say whether this call was the one that confirmed
    return ("ok", order.status, confirmed_now)


def books(order, products):
    """Everything confirm_payment may write, with the order's own number and ids taken out."""
    index = {product.pk: n for n, product in enumerate(products)}
    order = Order.objects.get(pk=order.pk)
    return {
        "order": (
            order.status,
            order.paid_at is not None,
            order.needs_attention,
            _anonymous(order.attention_note, order, products),
        ),
        "events": list(
            OrderEvent.objects.filter(order=order)
            .order_by("pk")
            .values_list("from_status", "to_status", "actor_id", "note")
        ),
        "movements": sorted(
            (index[product_id], delta, reason, actor_id, note.replace(order.number, "#"))
            for product_id, delta, reason, actor_id, note in StockMovement.objects.filter(order=order).values_list(
                "product_id", "delta", "reason", "actor_id", "note"
            )
        ),
        "stock": [p.stock for p in type(products[0]).objects.filter(pk__in=index).order_by("pk")],
        "ledger": [sum(p.stock_movements.values_list("delta", flat=True)) for p in products],
        "proofs": list(PaymentProof.objects.filter(order=order).values_list("status", "reviewed_by_id")),
        "proofs_reviewed": [
            at is not None for at in PaymentProof.objects.filter(order=order).values_list("reviewed_at", flat=True)
        ],
        # In pk order, with every column the function writes: which rows, on which channel, and unsent.
        "notifications": list(
            Notification.objects.filter(order=order)
            .order_by("pk")
            .values_list("kind", "channel", "sent_at", "attempts", "last_error", "skipped")
        ),
    }


def both(buyer, cs, stocks, lines, *, before=None, proof=True, note=""):
    """Run each path on its own identical world; returns {path: (outcome, books)}."""
    results = {}
    for name, confirm in PATHS.items():
        order, products = world(buyer, stocks, lines, proof=proof)
        if before:
            before(order)
        result = outcome(lambda: confirm(order.pk, cs, note=note))
        if result[0] == "error":  # the message names products by their own names: make them comparable
            result = (*result[:2], _anonymous(result[2], order, products))
        results[name] = (result, books(order, products))
    return results


def _anonymous(message, order, products):
    # Longest names first: "Produk 1" is the start of "Produk 12".
    for n, product in sorted(enumerate(products), key=lambda pair: -len(pair[1].name)):
        message = message.replace(product.name, f"produk-{n}")
    return message.replace(order.number, "#")


@pytest.fixture
def cs(cs1_user):
    return cs1_user


def test_a_waiting_order_is_confirmed_alike(buyer, cs):
    results = both(buyer, cs, [5, 7, 2], [(2, 2), (0, 1), (1, 3)])
    assert results["database"] == results["python"]
    assert results["database"][0] == ("ok", Status.PROCESSED, True)


def test_the_paid_message_is_owed_on_the_same_channels_alike(buyer, cs):
    results = both(buyer, cs, [5], [(0, 2)])
    assert results["database"] == results["python"]
    paid = [row for row in results["database"][1]["notifications"] if row[0] == "paid"]
    assert paid == [("paid", "email", None, 0, "", False)]


def test_with_posthog_on_the_paid_event_is_owed_alike(buyer, cs, settings):
    settings.POSTHOG_KEY = "phc_parity"
    results = both(buyer, cs, [5, 1], [(0, 2), (1, 1)])
    assert results["database"] == results["python"]
    paid = [row for row in results["database"][1]["notifications"] if row[0] == "paid"]
    assert paid == [("paid", "email", None, 0, "", False), ("paid", "posthog", None, 0, "", False)]


def test_an_order_paid_without_a_proof_is_confirmed_alike(buyer, cs):
    results = both(buyer, cs, [3], [(0, 3)], proof=False, note="Dibayar lewat TriPay")
    assert results["database"] == results["python"]
    assert results["database"][1]["events"][-1][:2] == (Status.PENDING_PAYMENT, Status.PROCESSED)


def test_a_short_order_is_refused_and_flagged_alike(buyer, cs):
    results = both(buyer, cs, [1, 9, 0], [(0, 2), (1, 1), (2, 1)])
    assert results["database"] == results["python"]
    result, after = results["database"]
    assert result[:2] == ("error", "InsufficientStock") and "produk-0" in result[2] and "produk-2" in result[2]
    assert after["order"][:3] == (Status.WAITING_VERIFICATION, False, True) and after["movements"] == []


def test_the_shortage_note_is_written_alike_in_another_language(buyer, cs):
    from django.utils import translation

    with translation.override("en"):
        results = both(buyer, cs, [0, 1], [(0, 1), (1, 5)])
    assert results["database"] == results["python"]
    assert results["database"][1]["order"][3] == results["database"][0][2]  # the note is the error's message


def test_a_repeated_confirmation_changes_nothing_alike(buyer, cs):
    results = both(buyer, cs, [4], [(0, 2)], before=lambda order: services.confirm_payment(order, cs))
    assert results["database"] == results["python"]
    assert len([m for m in results["database"][1]["movements"] if m[2] == "sale"]) == 1
    assert results["database"][0] == ("ok", Status.PROCESSED, False)  # and says it was not this call


def test_a_cancelled_order_is_refused_alike(buyer, cs):
    results = both(buyer, cs, [4], [(0, 1)], before=lambda order: services.cancel_order(order, buyer, "batal"))
    assert results["database"] == results["python"]
    assert results["database"][0][:2] == ("error", InvalidTransition.__name__)


def test_both_paths_refuse_an_order_that_does_not_exist(cs):
    for confirm in PATHS.values():
        with pytest.raises(Order.DoesNotExist):
            confirm(987654321, cs)


def test_both_paths_roll_back_with_the_callers_transaction(buyer, cs):
    for confirm in PATHS.values():
        order, products = world(buyer, [3], [(0, 1)])
        with pytest.raises(RuntimeError), transaction.atomic():
            confirm(order, cs)
            raise RuntimeError("the caller failed after confirming")
        order.refresh_from_db()
        products[0].refresh_from_db()
        assert order.status == Status.WAITING_VERIFICATION and products[0].stock == 3
        assert not Notification.objects.filter(order=order, kind="paid").exists()


def test_the_instance_passed_in_is_brought_up_to_date(buyer, cs):
    order, _products = world(buyer, [3], [(0, 1)])
    returned = services.confirm_payment(order, cs)
    assert returned is order and order.status == Status.PROCESSED and order.paid_at is not None
    fresh = Order.objects.get(pk=order.pk)
    assert {f.attname: getattr(order, f.attname) for f in Order._meta.concrete_fields} == {
        f.attname: getattr(fresh, f.attname) for f in Order._meta.concrete_fields
    }


def test_a_short_refusal_names_every_short_product_with_its_numbers(buyer, cs):
    order, products = world(buyer, [1, 0], [(0, 3), (1, 2)])
    with pytest.raises(InsufficientStock) as refused:
        services.confirm_payment(order.pk, cs)
    assert [(s.product_id, s.requested, s.available) for s in refused.value.shortages] == [
        (products[0].pk, 3, 1),
        (products[1].pk, 2, 0),
    ]


# --- expire_unpaid_orders ------------------------------------------------------------------------

EXPIRY_PATHS = {"database": expiry._expire_batch_in_one_statement, "python": expiry._expire_batch}


def expiry_world(buyer, product):
    """One order of each kind the expiry job meets, in a fixed order; returns them."""
    now = timezone.now()
    orders = {}
    for name in ("unpaid", "unverified", "flagged", "not_due", "legacy", "paid"):
        order = factories.order(buyer, (product, 1))
        if name in ("unverified", "flagged", "paid"):
            services.submit_payment_proof(order, buyer, factories.proof_file())
        if name == "paid":
            services.confirm_payment(order, None)
        orders[name] = order
    Order.objects.filter(pk=orders["flagged"].pk).update(needs_attention=True, attention_note="Transfer ganda")
    Order.objects.filter(pk__in=[o.pk for o in orders.values()]).update(payment_deadline=now - timedelta(minutes=1))
    Order.objects.filter(pk=orders["not_due"].pk).update(payment_deadline=now + timedelta(hours=1))
    Order.objects.filter(pk=orders["legacy"].pk).update(payment_deadline=None, created_at=now - timedelta(hours=25))
    return orders


def expiry_books(orders):
    result = {}
    for name, order in orders.items():
        order = Order.objects.get(pk=order.pk)
        result[name] = (
            order.status,
            order.needs_attention,
            order.attention_note,
            order.cancel_reason,
            order.cancelled_at is not None,
            list(
                OrderEvent.objects.filter(order=order, to_status=Status.CANCELLED).values_list(
                    "from_status", "actor_id", "note"
                )
            ),
            sorted(Notification.objects.filter(order=order, kind="cancelled").values_list("kind", flat=True)),
        )
    return result


def test_an_expiry_batch_does_alike_in_one_statement_and_in_python(buyer, product, settings):
    settings.PAYMENT_WINDOW_HOURS = 24
    results = {}
    for name, expire_batch in EXPIRY_PATHS.items():
        start = Order.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        orders = expiry_world(buyer, product)
        now = timezone.now()
        reason = "Dibatalkan otomatis: batas pembayaran terlewati."
        counted, after = 0, start
        with transaction.atomic():
            while True:
                count, after = expire_batch(now, now - timedelta(hours=24), after, 2, reason)
                if not count:
                    break
                counted += count
        results[name] = (counted, expiry_books(orders))
    assert results["database"] == results["python"]
    counted, books = results["database"]
    assert counted == 4
    assert {name for name, row in books.items() if row[0] == Status.CANCELLED} == {
        "unpaid",
        "unverified",
        "flagged",
        "legacy",
    }
    assert books["unverified"][1:3] == (True, str(cancelling.UNVERIFIED_REFUND_NOTE))
    assert books["flagged"][1:3] == (True, "Transfer ganda")
