"""Helpers shared by the test modules: users and signed-in clients, messages, the stock ledger,
orders at each stage, the staff desks' addresses, what a refused request must leave untouched, and
racing threads.

Orders reach each stage through the services, as they do in the shop.
"""

import io
import threading

import openpyxl
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connections
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from shop.models import Order, OrderEvent, PaymentProof, Product, ProductVariant, StockMovement
from shop.services.orders import complete_order, confirm_payment, ship_order, submit_payment_proof
from tests import factories

# --- Users and clients -------------------------------------------------------------------------


def user(email, *groups, password=None):
    """A user who signs in with `email`, in the named groups; without a password, none is usable."""
    created = get_user_model().objects.create_user(username=email, email=email, password=password)
    if groups:
        created.groups.add(*[Group.objects.get(name=name) for name in groups])
    return created


def signed_in(user, client=None):
    """`client` (a new test client unless given) logged in as `user`; anonymous for None."""
    client = Client() if client is None else client
    if user is not None:
        client.force_login(user)
    return client


def said(response, text):
    """Whether the page the user ended on told them `text` (messages pile up until a page shows them)."""
    return any(text in str(message) for message in response.context["messages"])


def messages_of(response):
    """The messages the page shows, as text (none for a response without a template context)."""
    return [str(message) for message in response.context["messages"]] if response.context else []


class BrokenEmailBackend:
    """An EMAIL_BACKEND whose mail server is down: settings.EMAIL_BACKEND = "tests.helpers.BrokenEmailBackend"."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP down")


# --- The stock ledger --------------------------------------------------------------------------


def stock_of(product):
    """The product's stock as the database has it now."""
    return Product.objects.values_list("stock", flat=True).get(pk=product.pk)


def ledger_total(product):
    """The sum of the product's stock movements (0 when it has none)."""
    return StockMovement.objects.filter(product=product).aggregate(total=Sum("delta"))["total"] or 0


def assert_ledger_balances():
    """For every variant and every product, stock == sum of its movements; and a product's stock is
    the sum of its variants'."""
    for product in Product.objects.all():
        moved = ledger_total(product)
        assert product.stock == moved, f"{product} ({product.sku}): stock {product.stock}, movements {moved}"
        of_variants = sum(product.variants.values_list("stock", flat=True))
        assert product.stock == of_variants, f"{product}: stock {product.stock}, its variants' {of_variants}"
    for variant in ProductVariant.objects.all():
        moved = StockMovement.objects.filter(variant=variant).aggregate(total=Sum("delta"))["total"] or 0
        assert variant.stock == moved, f"{variant} ({variant.sku}): stock {variant.stock}, movements {moved}"


# --- Orders at each stage ----------------------------------------------------------------------


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


def order_url(name, order, **kwargs):
    """The address of one of the buyer's pages of an order, `shop:<name>`."""
    return reverse(f"shop:{name}", kwargs={"number": order.number, **kwargs})


def upload_proof(client, order, upload_file):
    """The buyer sends a proof of transfer from the order's page, and follows where it leads."""
    return client.post(order_url("payment_proof_upload", order), {"file": upload_file}, follow=True)


def transitions(order):
    """The order's recorded history, as (from_status, to_status) pairs."""
    return list(OrderEvent.objects.filter(order=order).values_list("from_status", "to_status"))


# --- The staff desks ---------------------------------------------------------------------------

DESK_NAMESPACES = {"verification": "payment_verification", "fulfilment": "fulfilment", "all": "all_orders"}


def desk_url(desk, name, *args, query=""):
    return reverse(f"{DESK_NAMESPACES.get(desk, desk)}:{name}", args=args) + query


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


# --- Product imports ---------------------------------------------------------------------------

IMPORT_URL = "/admin/impor-produk/"


def workbook(response):
    """The .xlsx file a response streams, opened."""
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def sheet_rows(response, sheet="Produk"):
    """The rows of one sheet of the .xlsx file a response streams, as lists."""
    return [list(row) for row in workbook(response)[sheet].iter_rows(values_only=True)]


# --- Races (real threads, each with its own database connection) -----------------------------


def run_together(*calls, timeout=60):
    """Run each call in its own thread and connection, released at the same moment.

    Returns one ("ok", value) or ("error", exception) per call, in the order given.
    """
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def racer(index, call):
        try:
            barrier.wait(timeout)
            results[index] = ("ok", call())
        except Exception as error:  # the race's loser: reported, not raised in the thread
            results[index] = ("error", error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=racer, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a racer hung: deadlock or lock wait"
    return results


def errors(results):
    return [value for outcome, value in results if outcome == "error"]
