"""Every existing product gets its default variant, and every line that named a product names it.

The variant carries the product's SKU, price, weight and stock; stock movements, order lines and
cart lines of the product point at it, so its whole stock history is its own (stock == sum of its
movements, as it was for the product). Plain INSERT ... SELECT and UPDATE statements: a shop with
tens of thousands of products and movements migrates in seconds, not a row at a time.

Going back, the lines lose their variant and the variants are deleted; products keep their stock,
which was kept equal to the sum of their variants' throughout.
"""

from django.db import migrations

LINE_TABLES = ("stockmovement", "orderline", "cartitem")


def _table(apps, name):
    return apps.get_model("shop", name)._meta.db_table


def _run(schema_editor, sql, params=None):
    # Data, not schema: a cursor, since MariaDB refuses schema_editor.execute() in RunPython's transaction.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql, params)


def add_default_variants(apps, schema_editor):
    quote = schema_editor.quote_name
    variant = quote(_table(apps, "productvariant"))
    product = quote(_table(apps, "product"))
    if schema_editor.connection.vendor == "postgresql":
        # Foreign-key checks now, not at commit: a later migration alters these tables.
        _run(schema_editor, "SET CONSTRAINTS ALL IMMEDIATE")
    _run(
        schema_editor,
        f"INSERT INTO {variant} (product_id, sku, option1, option2, price, weight_grams, stock, is_active, sort_order) "
        f"SELECT id, sku, '', '', price, weight_grams, stock, %s, 0 FROM {product} ORDER BY id",
        [True],
    )
    for name in LINE_TABLES:
        table = quote(_table(apps, name))
        _run(
            schema_editor,
            f"UPDATE {table} SET variant_id = (SELECT v.id FROM {variant} v WHERE v.product_id = {table}.product_id)",
        )


def remove_variants(apps, schema_editor):
    quote = schema_editor.quote_name
    for name in LINE_TABLES:
        _run(schema_editor, f"UPDATE {quote(_table(apps, name))} SET variant_id = NULL")
    _run(schema_editor, f"DELETE FROM {quote(_table(apps, 'productvariant'))}")


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0017_product_variants"),
    ]

    operations = [
        migrations.RunPython(add_default_variants, remove_variants),
    ]
