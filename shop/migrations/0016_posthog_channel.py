"""Order events for PostHog through the outbox: a "posthog" channel, and confirm_payment version 2.

On PostgreSQL the paid notification is written by the database function, which in version 1
wrote the buyer's email row only. Version 2 (shop/orders/sql/confirm_payment_v2.sql) takes the
channels as an argument, so it also owes PostHog's order_paid when the shop sends analytics. Its
arguments differ, so it is a new function: version 1 is dropped here, and restored going back.
"""

from pathlib import Path

from django.db import migrations, models

SQL_DIR = Path(__file__).resolve().parent.parent / "orders" / "sql"
V1_SQL = SQL_DIR / "confirm_payment_v1.sql"
V2_SQL = SQL_DIR / "confirm_payment_v2.sql"
DROP_V1 = "DROP FUNCTION IF EXISTS shop_confirm_payment(bigint, bigint, text, timestamptz, text, text)"
DROP_V2 = "DROP FUNCTION IF EXISTS shop_confirm_payment(bigint, bigint, text, timestamptz, text, text, text[])"


def install_v2(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_V1, params=None)
        schema_editor.execute(V2_SQL.read_text(encoding="utf-8"), params=None)


def restore_v1(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_V2, params=None)
        schema_editor.execute(V1_SQL.read_text(encoding="utf-8"), params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0015_tracking_and_completion"),
    ]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="channel",
            field=models.CharField(
                choices=[("email", "Email"), ("whatsapp", "WhatsApp"), ("posthog", "PostHog")],
                db_default="email",
                default="email",
                max_length=10,
                verbose_name="saluran",
            ),
        ),
        migrations.RunPython(install_v2, restore_v1),
    ]
