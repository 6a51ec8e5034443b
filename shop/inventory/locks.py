"""Row locks on orders, variants and products, in one place so every caller takes them in the same order.

The order is always: the order row first, then variant rows in ascending primary key, then the
rows of their products (whose stock is the sum of their variants') in ascending primary key. Two
transactions that follow it can wait for each other but never deadlock. Inserting rows that
point at variants and products (order lines, stock movements) share-locks them for the
foreign-key check, so such inserts go in ascending pk too, and on MariaDB, where that share lock
conflicts with the stock writers' locks, checkout takes them explicitly in the same order first
(share_lock_lines). The querysets join no other table, so
`FOR UPDATE` locks only the rows named here (MariaDB has no `FOR UPDATE OF`). SQLite has no row
locks; there `transaction_mode=IMMEDIATE` serialises writers instead. Call these inside
transaction.atomic(): a lock lasts until the transaction ends.
"""

from django.db import connection

from shop.catalog.models import Product, ProductVariant
from shop.catalog.variants import variant_display_name
from shop.orders.models import Order


def lock_order(order_or_pk):
    """Re-read one order under a row lock."""
    pk = getattr(order_or_pk, "pk", order_or_pk)
    return Order.objects.select_for_update().get(pk=pk)


def lock_order_batch(orders, size, *, skip_locked=False):
    """Lock up to `size` of the given orders in ascending pk; returns their pks.

    With `skip_locked`, orders another transaction holds (a CS working on one) are passed over
    instead of waited for, where the database can (SQLite has no row locks to skip).
    """
    skip_locked = skip_locked and connection.features.has_select_for_update_skip_locked
    return list(orders.order_by("pk").select_for_update(skip_locked=skip_locked).values_list("pk", flat=True)[:size])


def lock_variants(variant_ids):
    """Lock variants in ascending primary-key order; returns {pk: ProductVariant}, each with
    `.display_name` read from its product (not locked: a join would lock it too on MariaDB)."""
    variants = list(ProductVariant.objects.filter(pk__in=set(variant_ids)).order_by("pk").select_for_update())
    names = dict(Product.objects.filter(pk__in={v.product_id for v in variants}).values_list("pk", "name"))
    for variant in variants:
        variant.locked_name = variant_display_name(names[variant.product_id], variant)
    return {variant.pk: variant for variant in variants}


def lock_variant_stock_levels(variant_ids):
    """Lock variants in ascending primary-key order; returns {pk: (product_id, stock)}."""
    rows = (
        ProductVariant.objects.filter(pk__in=set(variant_ids))
        .order_by("pk")
        .select_for_update()
        .values_list("pk", "product_id", "stock")
    )
    return {pk: (product_id, stock) for pk, product_id, stock in rows}


def lock_product_totals(product_ids):
    """Lock the products whose stock totals are about to move, in ascending primary key, after their
    variants. Not against foreign-key checks (no_key on PostgreSQL): checkouts inserting lines of
    these products need not wait for it."""
    no_key = connection.vendor == "postgresql"
    list(Product.objects.filter(pk__in=set(product_ids)).order_by("pk").select_for_update(no_key=no_key).values("pk"))


def share_lock_lines(variant_ids, product_ids):
    """On MariaDB, share-lock the variants and products order lines will point at, in the global
    order, before the checkout writes anything: the foreign-key checks would otherwise take them
    row by row, product then variant, against the stock writers' variants-then-products, and the
    new order's unique transfer total can lock a range of that index that a confirmation holding
    these variants is about to write to."""
    if connection.vendor != "mysql":
        return
    for model, ids in ((ProductVariant, variant_ids), (Product, product_ids)):
        table = connection.ops.quote_name(model._meta.db_table)
        placeholders = ", ".join(["%s"] * len(ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {table} WHERE id IN ({placeholders}) ORDER BY id LOCK IN SHARE MODE", sorted(ids)
            )


def lock_products(product_ids):
    """Lock products in ascending primary-key order; returns {pk: Product}."""
    products = Product.objects.filter(pk__in=set(product_ids)).order_by("pk").select_for_update()
    return {product.pk: product for product in products}


def lock_stock_levels(product_ids):
    """Lock products in ascending primary-key order; returns {pk: stock}, without loading whole rows."""
    return dict(
        Product.objects.filter(pk__in=set(product_ids)).order_by("pk").select_for_update().values_list("pk", "stock")
    )
