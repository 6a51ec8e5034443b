"""Synonyms, and on PostgreSQL the pg_trgm extension and the indexes product search reads (backends/postgres.py).

On SQLite and MariaDB only the synonym table is made: TrigramExtension does nothing there, nor do the indexes.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

CONFIG = "'indonesian'::regconfig"
# The indexes as this migration made them; 0002_variant_words.py replaces the document index.
INDEXES = {
    "search_product_document": "USING gin ("
    f"(setweight(to_tsvector({CONFIG}, coalesce(name, '')), 'A') || "
    f"setweight(to_tsvector({CONFIG}, coalesce(sku, '')), 'B') || "
    f"setweight(to_tsvector({CONFIG}, coalesce(description, '')), 'D')))",
    "search_product_name_trgm": "USING gin (lower(name) gin_trgm_ops)",
    "search_product_sku_trgm": "USING gin (lower(sku) gin_trgm_ops)",
    "search_product_description_trgm": "USING gin (lower(description) gin_trgm_ops)",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, body in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON shop_product {body}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    initial = True

    dependencies = [("shop", "0015_tracking_and_completion")]

    operations = [
        migrations.CreateModel(
            name="Synonym",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "words",
                    models.CharField(
                        help_text="Pisahkan dengan koma, misalnya: hijab, jilbab, kerudung. Pencarian salah satunya menemukan semuanya.",
                        max_length=255,
                        verbose_name="kata-kata",
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="diubah")),
            ],
            options={"verbose_name": "sinonim", "verbose_name_plural": "sinonim", "ordering": ["words"]},
        ),
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
