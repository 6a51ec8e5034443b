"""confirm_payment as one PostgreSQL function: the whole confirmation in one round trip.

Payment confirmation is the one place where many CS agents and the payment gateway write the
same rows at once. Done from Python it costs ten statements and ~8 ms of client CPU; as one
function PostgreSQL runs the same steps with cached plans and no round trips (bench/confirm).
shop.orders.services.payment.confirm_payment calls it on PostgreSQL and keeps its Python path
for MariaDB and SQLite; tests/orders/test_parity.py holds the two to the same results.

The function's SQL is the versioned file shop/orders/sql/confirm_payment_v1.sql, read here and
never edited once released: a change is a v2 file and a new migration that runs it.
"""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "orders" / "sql" / "confirm_payment_v1.sql"
DROP = "DROP FUNCTION IF EXISTS shop_confirm_payment(bigint, bigint, text, timestamptz, text, text)"


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL.read_text(encoding="utf-8"), params=None)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("shop", "0006_notifications")]

    operations = [migrations.RunPython(create_function, drop_function)]
