"""A checkout and a confirmation at the same moment never deadlock through the awaited-total index.

Order.awaited_transfer_total is a unique column. On MariaDB, inserting a total that a confirmed
order freed a moment ago (its index entry is deleted but not yet purged) share-locks that entry
and the next one, gap included. If the next one belongs to an order being confirmed, whose
confirmation already holds the variants' locks, and the checkout only then asked for the same
variants, each waited for the other. Checkout now takes its locks on the variants before it
writes anything, so it waits for the confirmation instead of holding it up.

The confirmation is played by a second connection holding the locks a confirmation takes, in its
order, then moving the order out of the awaited transfers (as confirm_payment does last), so
the moment at which the checkout arrives is fixed rather than left to chance.
"""

import threading

import pytest
from django.db import connection, connections, transaction

from shop.inventory.locks import lock_order, lock_variants
from shop.models import Order
from shop.orders.services import placing
from shop.services.orders import confirm_payment
from tests import factories
from tests.helpers import assert_ledger_balances, waiting_order

pytestmark = pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite has no row locks; run on PostgreSQL or MariaDB"
)

WAITING_SQL = {
    # A statement running this long here is one waiting for a lock (MariaDB's INNODB_TRX may not list it).
    "mysql": "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
    "WHERE ID <> CONNECTION_ID() AND COMMAND = 'Query' AND TIME_MS > 300",
    "postgresql": "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'",
}


def someone_waits_for_a_lock():
    with connection.cursor() as cursor:
        cursor.execute(WAITING_SQL[connection.vendor])
        return cursor.fetchone()[0] > 0


def wait_until(condition, seconds=20):
    deadline = threading.Event()
    for _tick in range(int(seconds / 0.05)):
        if condition():
            return True
        deadline.wait(0.05)
    return False


def in_thread(target, results, name):
    def run():
        try:
            results[name] = ("ok", target())
        except Exception as error:  # the loser of a deadlock: reported to the test
            results[name] = ("error", error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def hold_purge_back(release):
    """A reading transaction open from before the first confirmation: MariaDB keeps deleted index
    entries until no transaction may still read them, as it would under a busy shop's load."""
    with connection.cursor() as cursor:
        if connection.vendor == "mysql":
            cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
        else:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT COUNT(*) FROM shop_order")
        release.wait(60)
        cursor.execute("ROLLBACK")


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_checkout_reusing_a_freed_transfer_total_does_not_deadlock_a_confirmation(buyer, cs1_user, monkeypatch):
    _hijab, colours = factories.variant_product({"Hitam": 50, "Navy": 50})
    lines = [(colours["Hitam"], 1), (colours["Navy"], 1)]
    codes = iter([101, 102, 101])  # the checkout gets the total the first confirmation freed
    monkeypatch.setattr(placing, "pick_unique_code", lambda amount, also_taken=(): next(codes))
    results = {}
    release_purge = threading.Event()
    purge_held = in_thread(lambda: hold_purge_back(release_purge), results, "purge")
    freed = waiting_order(buyer, *lines)
    being_confirmed = waiting_order(buyer, *lines)
    assert freed.total + 1 == being_confirmed.total
    confirm_payment(freed, cs1_user)

    variants_locked, checkout_waits = threading.Event(), threading.Event()

    def confirmation():
        with transaction.atomic():
            lock_order(being_confirmed.pk)
            lock_variants([variant.pk for variant, _quantity in lines])
            variants_locked.set()
            checkout_waits.wait(30)
            Order.objects.filter(pk=being_confirmed.pk).update(status=Order.Status.PROCESSED)

    confirming = in_thread(confirmation, results, "confirmation")
    assert variants_locked.wait(30)
    checkout = in_thread(lambda: factories.order(buyer, *lines), results, "checkout")
    assert wait_until(someone_waits_for_a_lock), f"the checkout should wait for the confirmation's locks: {results}"
    checkout_waits.set()
    for thread in (confirming, checkout):
        thread.join(60)
    release_purge.set()
    purge_held.join(60)

    assert results["confirmation"][0] == "ok", results["confirmation"]
    assert results["checkout"][0] == "ok", results["checkout"]
    placed = results["checkout"][1]
    assert placed.total == freed.total and placed.status == Order.Status.PENDING_PAYMENT
    assert_ledger_balances()
