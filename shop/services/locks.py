"""Row locks for the order services, in one place so every caller takes them in the same order.

The order is always: the order row first, then product rows in ascending primary key. Two
transactions that follow it can wait for each other but never deadlock. Inserting rows that
point at products (order lines, stock movements) share-locks those products for the foreign-key
check, so such inserts go in ascending product pk too. The querysets join no
other table, so `FOR UPDATE` locks only the rows named here (MariaDB has no `FOR UPDATE OF`).
SQLite has no row locks; there `transaction_mode=IMMEDIATE` serialises writers instead.
"""

from shop.models import Order, Product


def lock_order(order_or_pk):
    """Re-read one order under a row lock. Call inside transaction.atomic()."""
    pk = getattr(order_or_pk, "pk", order_or_pk)
    return Order.objects.select_for_update().get(pk=pk)


def lock_products(product_ids):
    """Lock products in ascending primary-key order; returns {pk: Product}."""
    products = Product.objects.filter(pk__in=set(product_ids)).order_by("pk").select_for_update()
    return {product.pk: product for product in products}
