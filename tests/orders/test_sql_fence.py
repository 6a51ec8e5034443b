"""The PostgreSQL function behind confirm_payment is fenced, so that changing it is safe.

A released version of its SQL never changes; the database runs the newest version; the tables it
reads and writes still have the columns it was written against; and every status, reason, kind
and outcome in it is one the Python side knows. Each failure says what to do instead.
"""

import hashlib
import re
from pathlib import Path

import pytest
from django.db import connection

import shop.orders
from shop.catalog.models import Product, ProductVariant
from shop.inventory.models import StockMovement
from shop.notifications.models import Notification
from shop.orders.models import Order, OrderEvent, OrderLine
from shop.orders.services import expiry, payment
from shop.orders.status import PAID, TRANSITIONS, OrderStatus
from shop.payments.models import PaymentProof

SQL_DIR = Path(shop.orders.__file__).parent / "sql"
MIGRATIONS = Path(shop.orders.__file__).parent.parent / "migrations"
FUNCTION = "shop_confirm_payment()"
HOW_TO_CHANGE = (
    "write confirm_payment_v{next}.sql and a migration that runs it (CREATE OR REPLACE), make the same change "
    "to _confirm_in_python in shop/orders/services/payment.py, extend tests/orders/test_parity.py"
)

# Released versions and their SHA-256: a released file is never edited, because databases that
# ran its migration keep the function it created.
RELEASED = {
    "confirm_payment_v1.sql": "e11ffae6934aa36d471cff51165535f034eb10f1e2064af3b71302b3ca0f1f4c",
    "confirm_payment_v2.sql": "a9e4b8c6c1a3d1a01475fddb9d841e4dfa7a7f52bc71756ab3fb77df968339a2",
    "confirm_payment_v3.sql": "92df64f3a75ee3f19d5efa56272bea47de010e633e791d5814f13a2406f38c3e",
}

# The columns (name:type, ? for NULL allowed) of every table the function reads or writes, as the
# newest version was written against them.
WRITTEN_AGAINST = {
    "shop_order": (
        "id:BigAutoField number:CharField user_id:ForeignKey status:CharField recipient_name:CharField "
        "phone:CharField email:CharField province:CharField city:CharField district:CharField "
        "postal_code:CharField street:TextField shipping_courier:CharField shipping_service:CharField "
        "shipping_cost:PositiveBigIntegerField payment_method:CharField subtotal:PositiveBigIntegerField "
        "unique_code:PositiveIntegerField total:PositiveBigIntegerField "
        "total_weight_grams:PositiveIntegerField payment_fee:PositiveBigIntegerField "
        "payment_reference:CharField payment_deadline:DateTimeField? paid_at:DateTimeField? courier:CharField "
        "tracking_number:CharField shipped_at:DateTimeField? completed_at:DateTimeField? "
        "cancelled_at:DateTimeField? cancel_reason:TextField awaited_transfer_total:PositiveBigIntegerField "
        "needs_attention:BooleanField attention_note:TextField created_at:DateTimeField "
        "updated_at:DateTimeField "
        # Issue 13: the address's village and region code, the shipping estimate and discount; the
        # function neither reads nor writes them, and the order's row it returns is read by name.
        "village:CharField region_code:CharField shipping_etd:CharField shipping_discount:PositiveBigIntegerField "
        # Issue 14: the parcel's tracking state, the courier's word and when it was asked; written by
        # shop.orders.services.completion only, after payment, so the function never sees them change.
        "tracking_state:CharField tracking_status:CharField tracking_checked_at:DateTimeField? "
    ),
    "shop_orderline": (
        "id:BigAutoField order_id:ForeignKey product_id:ForeignKey variant_id:ForeignKey sku:CharField name:CharField "
        "unit_price:PositiveBigIntegerField quantity:PositiveIntegerField weight_grams:PositiveIntegerField "
    ),
    "shop_product": (
        "id:BigAutoField sku:CharField name:CharField slug:SlugField category_id:ForeignKey? "
        "price:PositiveBigIntegerField compare_at_price:PositiveBigIntegerField? "
        "weight_grams:PositiveIntegerField stock:IntegerField is_active:BooleanField description:TextField "
        "created_at:DateTimeField updated_at:DateTimeField option1_name:CharField option2_name:CharField "
        # Search's words of the variants: the function neither reads nor writes them.
        "variant_words:TextField "
    ),
    "shop_productvariant": (
        "id:BigAutoField sort_order:IntegerField? product_id:ParentalKey sku:CharField option1:CharField "
        "option2:CharField price:PositiveBigIntegerField weight_grams:PositiveIntegerField stock:IntegerField "
        "is_active:BooleanField "
        # The variant's own picture: the function neither reads nor writes it.
        "image_id:ForeignKey? "
    ),
    "shop_stockmovement": (
        "id:BigAutoField product_id:ForeignKey variant_id:ForeignKey delta:IntegerField reason:CharField order_id:ForeignKey? "
        "actor_id:ForeignKey? note:CharField created_at:DateTimeField "
    ),
    "shop_paymentproof": (
        "id:BigAutoField order_id:ForeignKey file:FileField content_type:CharField size:PositiveIntegerField "
        "original_name:CharField uploaded_by_id:ForeignKey? status:CharField review_note:TextField "
        "reviewed_by_id:ForeignKey? reviewed_at:DateTimeField? created_at:DateTimeField "
    ),
    "shop_orderevent": (
        "id:BigAutoField order_id:ForeignKey actor_id:ForeignKey? from_status:CharField to_status:CharField "
        "note:TextField created_at:DateTimeField "
    ),
    "shop_notification": (
        "id:BigAutoField kind:CharField channel:CharField order_id:ForeignKey created_at:DateTimeField "
        "sent_at:DateTimeField? attempts:PositiveSmallIntegerField last_error:TextField skipped:BooleanField "
    ),
}
FENCED_MODELS = (Order, OrderLine, Product, ProductVariant, StockMovement, PaymentProof, OrderEvent, Notification)
# Strings in the function that are neither a status, a reason, a kind nor an outcome.
PLAIN_SQL_STRINGS = {"", "{}", "[]", ", ", "stock of order % changed under its lock", " — ", " / "}


def versions():
    found = {
        int(re.fullmatch(r"confirm_payment_v(\d+)\.sql", path.name).group(1)): path for path in SQL_DIR.glob("*.sql")
    }
    return [found[number] for number in sorted(found)]


def newest():
    return versions()[-1]


def body(path):
    """The function's code without SQL comments, as PostgreSQL stores it between the $$ quotes."""
    text = path.read_text(encoding="utf-8")
    return text[text.index("$$") + 2 : text.rindex("$$")]


def code(path):
    return re.sub(r"--[^\n]*", "", body(path))


def next_version():
    return len(versions()) + 1


def test_released_versions_never_change():
    assert [path.name for path in versions()] == list(RELEASED), (
        f"Every versioned file of {FUNCTION} is released by a migration; add the new file's SHA-256 to RELEASED "
        "once its migration exists."
    )
    for path in versions():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert digest == RELEASED[path.name], (
            f"{path.name} was released and databases run it as it was: do not edit it; "
            + HOW_TO_CHANGE.format(next=next_version())
            + "."
        )


def test_the_newest_version_is_the_one_the_last_migration_installs():
    installing = [path for path in sorted(MIGRATIONS.glob("0*.py")) if "confirm_payment_v" in path.read_text()]
    assert installing, f"No migration installs {FUNCTION}."
    assert f'"{newest().name}"' in installing[-1].read_text(), (
        f"{newest().name} is the newest version of {FUNCTION}, but the last migration that installs it, "
        f"{installing[-1].name}, runs another file."
    )


@pytest.mark.postgres
def test_the_database_runs_the_newest_version(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'shop_confirm_payment'")
        installed = [row[0] for row in cursor.fetchall()]
    assert installed == [body(newest())], f"The database's {FUNCTION} is not {newest().name}."


def test_the_tables_it_writes_have_the_columns_it_was_written_against():
    for model in FENCED_MODELS:
        table = model._meta.db_table
        now = {
            f"{field.column}:{field.get_internal_type()}{'?' if field.null else ''}"
            for field in model._meta.concrete_fields
        }
        then = set(WRITTEN_AGAINST[table].split())
        if now != then:
            pytest.fail(
                f"{FUNCTION} ({newest().name}) reads and writes {table}, whose columns changed "
                f"(added: {sorted(now - then)}, gone: {sorted(then - now)}). Check the function still does what "
                f"the Python path does; if it must change, {HOW_TO_CHANGE.format(next=next_version())}. Then "
                "update WRITTEN_AGAINST in this test."
            )
    assert set(WRITTEN_AGAINST) == {model._meta.db_table for model in FENCED_MODELS}


def test_every_string_it_writes_is_a_value_python_knows():
    known = (
        set(OrderStatus.values)
        | set(StockMovement.Reason.values)
        | set(PaymentProof.Status.values)
        | set(Notification.Kind.values)
        | set(payment.OUTCOMES)
        | PLAIN_SQL_STRINGS
    )
    unknown = set(re.findall(r"'([^']*)'", code(newest()))) - known
    assert not unknown, f"{FUNCTION} ({newest().name}) writes values Python does not define: {sorted(unknown)}."


def test_its_statuses_are_those_of_the_status_table():
    sql = code(newest())
    groups = [set(re.findall(r"'(\w+)'", group)) for group in re.findall(r"status (?:NOT )?IN \(([^)]*)\)", sql)]
    already_paid, confirmable = groups
    confirming = TRANSITIONS["confirm_payment"]
    assert already_paid == set(PAID)
    assert confirmable == set(confirming.sources)
    assert re.findall(r"UPDATE shop_order\s+SET status = '(\w+)'", sql) == [confirming.target]
    assert re.findall(
        r"INSERT INTO shop_orderevent .*?VALUES \(p_order, p_actor, v_order.status, '(\w+)'", sql, re.S
    ) == [confirming.target]
    assert f"'{StockMovement.Reason.SALE}'" in sql and f"'{Notification.Kind.PAID}'" in sql
    assert f"'{PaymentProof.Status.SUBMITTED}'" in sql and f"'{PaymentProof.Status.ACCEPTED}'" in sql


def test_its_outcomes_are_the_ones_python_handles():
    assert set(re.findall(r"SELECT '(\w+)'::text", code(newest()))) == set(payment.OUTCOMES)


def test_the_expiry_statement_takes_its_statuses_and_kind_as_parameters():
    assert set(re.findall(r"'([^']*)'", expiry.EXPIRE_BATCH_SQL)) == {""}
