"""What an import remembers of the file and how it writes products and variants in bulk.

`SeenSkus` keeps the SKUs, parent SKUs and option combinations already read on disk, so memory
does not grow with the file. The writers send plain SQL batches: Django's bulk_update builds a
CASE expression per column and row, which for a few thousand rows takes seconds of Python.
"""

import sqlite3

from django.db import connection
from django.utils.text import slugify
from wagtail.admin.rich_text.converters.editor_html import EditorHTMLConverter

from shop.catalog.models import Product, ProductVariant


class SeenSkus:
    """The SKUs already read in this import (each with the parent SKU of its row, '' for a product
    without options), the parent SKUs with their first row and option type names, and the option
    combinations of each parent."""

    def __init__(self):
        # An empty file name gives a private temporary database, deleted when it is closed.
        self._db = sqlite3.connect("")
        self._db.execute("CREATE TABLE seen (sku TEXT PRIMARY KEY, row INTEGER, parent TEXT) WITHOUT ROWID")
        self._db.execute(
            "CREATE TABLE parents (parent TEXT PRIMARY KEY, row INTEGER, name1 TEXT, name2 TEXT) WITHOUT ROWID"
        )
        self._db.execute(
            "CREATE TABLE combos (parent TEXT, value1 TEXT, value2 TEXT, row INTEGER, "
            "PRIMARY KEY (parent, value1, value2)) WITHOUT ROWID"
        )
        self.any_parent = False

    def first_row(self, sku, row_number, parent=""):
        """The row where `sku` appeared before, or None (and remember this row)."""
        cursor = self._db.execute(
            "INSERT INTO seen VALUES (?, ?, ?) ON CONFLICT(sku) DO NOTHING", (sku, row_number, parent)
        )
        if cursor.rowcount:
            return None
        return self._db.execute("SELECT row FROM seen WHERE sku = ?", (sku,)).fetchone()[0]

    def sku_row(self, sku):
        """(row, parent SKU) where `sku` was a row's SKU, or None."""
        return self._db.execute("SELECT row, parent FROM seen WHERE sku = ?", (sku,)).fetchone()

    def parent(self, parent, row_number, names):
        """(first row, option type names) of an earlier row of this parent SKU, or None (and
        remember this row as its first)."""
        cursor = self._db.execute(
            "INSERT INTO parents VALUES (?, ?, ?, ?) ON CONFLICT(parent) DO NOTHING", (parent, row_number, *names)
        )
        if cursor.rowcount:
            self.any_parent = True
            return None
        row, *earlier = self._db.execute("SELECT row, name1, name2 FROM parents WHERE parent = ?", (parent,)).fetchone()
        return row, tuple(earlier)

    def parent_row(self, parent):
        """The first row of this parent SKU, or None."""
        if not self.any_parent:
            return None
        found = self._db.execute("SELECT row FROM parents WHERE parent = ?", (parent,)).fetchone()
        return found and found[0]

    def combination(self, parent, values, row_number):
        """The row where this parent already had these option values (any case), or None."""
        key = (parent, *(value.casefold() for value in values))
        cursor = self._db.execute("INSERT INTO combos VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", (*key, row_number))
        if cursor.rowcount:
            return None
        return self._db.execute(
            "SELECT row FROM combos WHERE parent = ? AND value1 = ? AND value2 = ?", key
        ).fetchone()[0]

    def close(self):
        self._db.close()


def update_rows(model, objects, field_names):
    """One parametrised UPDATE per object, sent as a batch (executemany)."""
    if not objects:
        return
    fields = [model._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"
    rows = [[f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] + [obj.pk] for obj in objects]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def update_products(products, field_names):
    update_rows(Product, products, field_names)


def fill_missing_ids(rows, model=Product):
    """Databases that do not return ids from bulk_create (MySQL): read them back by SKU (products'
    and variants' SKUs are each unique)."""
    unsaved = [row.sku for row in rows if row.pk is None]
    if unsaved:
        ids = dict(model.objects.filter(sku__in=unsaved).values_list("sku", "pk"))
        for row in rows:
            row.pk = row.pk or ids[row.sku]


def create_default_variants(products):
    """The one variant each new product without options sells through (Product.save makes it, but
    bulk_create calls no save): its SKU, price and weight, no stock (stock enters through the ledger)."""
    fill_missing_ids(products)
    ProductVariant.objects.bulk_create(
        [
            ProductVariant(product_id=p.pk, sku=p.sku, price=p.price, weight_grams=p.weight_grams, sort_order=0)
            for p in products
        ]
    )


def update_default_variants(products):
    """Keep the only variant of products without options in step with them (as Product.save does)."""
    plain = [p for p in products if not (p.option1_name or p.option2_name)]
    if not plain:
        return
    quote = connection.ops.quote_name
    table = quote(ProductVariant._meta.db_table)
    sql = (
        f"UPDATE {table} SET {quote('sku')} = %s, {quote('price')} = %s, {quote('weight_grams')} = %s, "
        f"{quote('is_active')} = %s WHERE {quote('product_id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(p.sku, p.price, p.weight_grams, True, p.pk) for p in plain])


def default_variant_ids(product_ids):
    """{product id: id of its variant} for products without options (each has exactly one)."""
    if not product_ids:
        return {}
    return dict(ProductVariant.objects.filter(product_id__in=product_ids).values_list("product_id", "pk"))


def clean_rich_text(text):
    """Keep only the formatting the rich text editor allows (no scripts from a supplier's file)."""
    return EditorHTMLConverter().to_database_format(text)


def assign_slugs(products):
    """A unique URL slug for each new product: its name, or its name and SKU when that is taken."""
    new = [p for p in products if not p.slug]
    if not new:
        return
    by_name = {id(p): slugify(p.name)[:150] or "produk" for p in new}
    with_sku = {id(p): f"{by_name[id(p)]}-{slugify(p.sku) or 'sku'}"[:200] for p in new}
    candidates = set(by_name.values()) | set(with_sku.values())
    taken = set(Product.objects.filter(slug__in=candidates).values_list("slug", flat=True))
    for product in new:
        slug, n = by_name[id(product)], 2
        if slug in taken:
            slug = with_sku[id(product)]
        while slug in taken:
            slug, n = f"{with_sku[id(product)]}-{n}", n + 1
        taken.add(slug)
        product.slug = slug
