"""Every cart line, order line and stock movement names a variant; confirm_payment version 3.

Version 3 (shop/orders/sql/confirm_payment_v3.sql) takes stock from variants. Its arguments are
version 2's, so it replaces it in place; going back restores version 2. A cart may hold two
variants of one product now: going back keeps the first line of each product.
"""

from pathlib import Path

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


SQL_DIR = Path(__file__).resolve().parent.parent / "orders" / "sql"


def install_v3(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL_DIR / "confirm_payment_v3.sql").read_text(encoding="utf-8"), params=None)


def restore_v2(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL_DIR / "confirm_payment_v2.sql").read_text(encoding="utf-8"), params=None)


def keep_one_line_per_product(apps, schema_editor):
    CartItem = apps.get_model("shop", "CartItem")
    seen = set()
    for pk, cart_id, product_id in CartItem.objects.order_by("pk").values_list("pk", "cart_id", "product_id"):
        if (cart_id, product_id) in seen:
            CartItem.objects.filter(pk=pk).delete()
        seen.add((cart_id, product_id))


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0018_default_variants"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="cartitem",
            name="cartitem_one_row_per_product",
        ),
        migrations.RunPython(migrations.RunPython.noop, keep_one_line_per_product),
        migrations.AlterField(
            model_name="cartitem",
            name="variant",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="shop.productvariant"
            ),
        ),
        migrations.AlterField(
            model_name="orderline",
            name="variant",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="shop.productvariant",
                verbose_name="varian",
            ),
        ),
        migrations.AlterField(
            model_name="stockmovement",
            name="variant",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="stock_movements",
                to="shop.productvariant",
                verbose_name="varian",
            ),
        ),
        migrations.AddIndex(
            model_name="stockmovement",
            index=models.Index(fields=["variant", "-created_at"], name="stockmovement_variant_time"),
        ),
        migrations.AddConstraint(
            model_name="cartitem",
            constraint=models.UniqueConstraint(fields=("cart", "variant"), name="cartitem_one_row_per_variant"),
        ),
        migrations.RunPython(install_v3, restore_v2),
    ]
