"""Faults the shop survives, shown with real processes on a real PostgreSQL (issue 11).

A web process can die at any instant: the OOM killer, a deploy, a crash. Whatever it was doing
to an order must then be either wholly done or not done at all, and the next attempt must work.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from shop.models import Notification, Order, OrderEvent, Product, StockMovement
from shop.services.orders import confirm_payment
from tests import factories
from tests.helpers import assert_ledger_balances, stock_of, waiting_order

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# The confirmation a CS's browser asks of a web process, run by a process of its own.
CONFIRM = """
import django
django.setup()
from shop.orders.services import payment
if {python_path}:
    payment._confirm_in_database = payment._confirm_in_python
payment.confirm_payment({order}, None)
"""


def database_url():
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def waiting_backends(conn):
    """Backends of other processes waiting for a row lock on this database."""
    return conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    ).fetchall()


def until(check, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("path", ["database", "python"])
def test_a_process_killed_in_the_middle_of_confirm_payment_leaves_the_books_as_they_were(path, buyer, cs1_user):
    product = factories.product(stock=5)
    order = waiting_order(buyer, (product, 2))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DATABASE_URL": database_url(),
        "TOKOKU_TESTING": "1",
        "DJANGO_SETTINGS_MODULE": "tokoku.settings",
    }
    code = CONFIRM.format(order=order.pk, python_path=path == "python")
    with psycopg.connect(database_url().replace("postgres://", "postgresql://")) as holder:
        # A CS mid-adjustment holds the product, so the confirmation waits inside its transaction.
        holder.execute("SELECT id FROM shop_product WHERE id = %s FOR UPDATE", [product.pk])
        process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env)
        with psycopg.connect(database_url().replace("postgres://", "postgresql://"), autocommit=True) as watcher:
            assert until(lambda: waiting_backends(watcher)), "the confirmation never reached the product lock"
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            # PostgreSQL notices the vanished client (client_connection_check_interval) and gives up.
            assert until(lambda: not waiting_backends(watcher)), "the dead process's statement kept waiting"
        holder.rollback()

    order.refresh_from_db()
    assert order.status == Order.Status.WAITING_VERIFICATION and not order.needs_attention
    assert stock_of(product) == 5 and not StockMovement.objects.filter(order=order).exists()
    assert not OrderEvent.objects.filter(order=order, to_status=Order.Status.PROCESSED).exists()
    assert not Notification.objects.filter(order=order, kind=Notification.Kind.PAID).exists()

    confirm_payment(order, cs1_user)  # the CS tries again
    assert order.status == Order.Status.PROCESSED and stock_of(product) == 3
    assert_ledger_balances()
    assert Product.objects.get(pk=product.pk).stock == 3
