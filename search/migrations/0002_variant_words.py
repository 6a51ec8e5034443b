"""On PostgreSQL, search reads the words of a product's variants (Product.variant_words): the document
index is made again over the new expression (backends/postgres.py), and their trigrams get an index."""

from django.db import migrations

from search.backends.postgres import INDEXES

OLD_DOCUMENT = (
    "USING gin ((setweight(to_tsvector('indonesian'::regconfig, coalesce(name, '')), 'A') || "
    "setweight(to_tsvector('indonesian'::regconfig, coalesce(sku, '')), 'B') || "
    "setweight(to_tsvector('indonesian'::regconfig, coalesce(description, '')), 'D')))"
)
NEW = ("search_product_document", "search_product_variant_words_trgm")


def use_variant_words(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS search_product_document")
    for name in NEW:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON shop_product {INDEXES[name]}")


def forget_variant_words(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in NEW:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS search_product_document ON shop_product {OLD_DOCUMENT}")


class Migration(migrations.Migration):
    dependencies = [
        ("storefront_search", "0001_initial"),
        ("shop", "0020_variant_words"),
    ]

    operations = [migrations.RunPython(use_variant_words, forget_variant_words)]
