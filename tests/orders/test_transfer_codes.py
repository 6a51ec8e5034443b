"""Two manual transfers still awaited never share a total (issue 11, security 2).

CS match bank transfers by amount, so two unpaid orders of the same total confirm the wrong one.
Eight checkouts of one amount at the same moment used to give two such orders now and then:
each read the codes already taken before either had written its order. The database now holds
a unique column of awaited totals, and checkouts of a day pick their codes one after another.
"""

import pytest
from django.db import IntegrityError, connection, transaction

from shop.models import Order
from shop.payments.gateways import bank_transfer
from shop.services.orders import OrderError, cancel_order
from tests import factories
from tests.helpers import errors, run_together, user

Status = Order.Status


def awaited_totals():
    return list(
        Order.objects.filter(status__in=[Status.PENDING_PAYMENT, Status.WAITING_VERIFICATION], unique_code__gt=0)
        .order_by("total")
        .values_list("total", flat=True)
    )


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite has no row locks; run on PostgreSQL or MariaDB")
def test_eight_checkouts_of_one_amount_at_once_get_eight_different_totals():
    buyers = [user(f"pembeli{n}@example.com") for n in range(8)]
    product = factories.product(stock=10_000, price=150_000)
    for _round in range(12):
        results = run_together(*[lambda buyer=buyer: factories.order(buyer, (product, 1)) for buyer in buyers])
        assert errors(results) == []
        totals = awaited_totals()
        assert len(totals) == len(set(totals)), f"two awaited transfers share a total: {totals}"
        for _outcome, order in results:  # paid or cancelled orders free their totals
            cancel_order(order, None, "ronde berikutnya")


@pytest.mark.django_db
def test_the_database_refuses_a_second_awaited_transfer_of_the_same_total(buyer, product):
    first = factories.order(buyer, (product, 1))
    second = factories.order(buyer, (product, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=second.pk).update(unique_code=first.unique_code, total=first.total)


@pytest.mark.django_db
def test_a_total_is_free_again_once_its_order_is_paid_or_cancelled(buyer, product):
    first = factories.order(buyer, (product, 1))
    cancel_order(first, buyer, "salah pilih")
    second = factories.order(buyer, (product, 1))
    Order.objects.filter(pk=second.pk).update(unique_code=first.unique_code, total=first.total)  # no error


@pytest.mark.django_db
def test_a_code_taken_at_the_last_moment_is_swapped_for_another(buyer, product, monkeypatch):
    first = factories.order(buyer, (product, 1))
    offered = []
    pick = bank_transfer.pick_unique_code

    def stale_then_fresh(amount, also_taken=()):
        # The first pick has not seen `first` yet, as a checkout on the other side of midnight would not.
        code = first.unique_code if not offered else pick(amount, also_taken=also_taken)
        offered.append(code)
        return code

    monkeypatch.setattr("shop.orders.services.placing.pick_unique_code", stale_then_fresh)
    second = factories.order(buyer, (product, 1))
    assert offered[0] == first.unique_code and second.unique_code == offered[1] != first.unique_code
    assert second.total != first.total


@pytest.mark.django_db
def test_when_every_code_of_an_amount_is_taken_the_buyer_is_told_to_try_again(buyer, product, monkeypatch):
    first = factories.order(buyer, (product, 1))
    monkeypatch.setattr(
        "shop.orders.services.placing.pick_unique_code", lambda amount, also_taken=(): first.unique_code
    )
    with pytest.raises(OrderError, match="Coba lagi"):
        factories.order(buyer, (product, 1))
    assert Order.objects.count() == 1
