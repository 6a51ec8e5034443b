"""Products with options get the words of their variants (option values, SKUs) for search.

Read with one query and written per product with options; products without options keep "".
"""

from django.db import migrations, models

from shop.catalog.variants import variant_words


def fill_variant_words(apps, schema_editor):
    Product = apps.get_model("shop", "Product")
    ProductVariant = apps.get_model("shop", "ProductVariant")
    rows = (
        ProductVariant.objects.exclude(product__option1_name="", product__option2_name="")
        .order_by("product_id", "sort_order", "pk")
        .values_list("product_id", "product__option1_name", "product__option2_name", "option1", "option2", "sku", "is_active")
    )
    of_product = {}
    for product_id, name1, name2, *variant in rows.iterator(chunk_size=2000):
        of_product.setdefault(product_id, ((name1, name2), []))[1].append(variant)
    table = schema_editor.quote_name(Product._meta.db_table)
    # Data, not schema: a cursor, since MariaDB refuses schema_editor.execute() in RunPython's transaction.
    with schema_editor.connection.cursor() as cursor:
        for product_id, (names, variants) in of_product.items():
            cursor.execute(
                f"UPDATE {table} SET variant_words = %s WHERE id = %s", [variant_words(names, variants), product_id]
            )


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0019_every_line_names_a_variant"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="variant_words",
            field=models.TextField(blank=True, default="", editable=False, verbose_name="kata varian"),
        ),
        migrations.RunPython(fill_variant_words, migrations.RunPython.noop),
    ]
