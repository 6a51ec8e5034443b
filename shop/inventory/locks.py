"""Row locks on orders and products, in one place so every caller takes them in the same order.

The order is always: the order row first, then product rows in ascending primary key. Two
transactions that follow it can wait for each other but never deadlock. Inserting rows that
point at products (order lines, stock movements) share-locks those products for the foreign-key
check, so such inserts go in ascending product pk too. The querysets join no other table, so
`FOR UPDATE` locks only the rows named here (MariaDB has no `FOR UPDATE OF`). SQLite has no row
locks; there `transaction_mode=IMMEDIATE` serialises writers instead. Call these inside
transaction.atomic(): a lock lasts until the transaction ends.
"""

from django.db import connection

from shop.catalog.models import Product
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


def lock_products(product_ids):
    """Lock products in ascending primary-key order; returns {pk: Product}."""
    products = Product.objects.filter(pk__in=set(product_ids)).order_by("pk").select_for_update()
    return {product.pk: product for product in products}


def lock_stock_levels(product_ids):
    """Lock products in ascending primary-key order; returns {pk: stock}, without loading whole rows."""
    return dict(
        Product.objects.filter(pk__in=set(product_ids)).order_by("pk").select_for_update().values_list("pk", "stock")
    )
