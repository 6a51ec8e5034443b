"""Migrations shop 0017-0019 give every product its default variant and every line that variant.

Run on a database holding orders in every status, carts and a stock history, on each server
database the shop supports (and SQLite); then undone and done again, since an owner who rolls a
release back must get the shop they had.
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from shop.orders.status import OrderStatus

BEFORE = [("shop", "0016_posthog_channel")]
AFTER = [("shop", "0019_every_line_names_a_variant")]

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def old_shop(apps):
    """A shop as it was before variants: two products with a history, an order in every status, carts."""
    User = apps.get_model("auth", "User")
    Product = apps.get_model("shop", "Product")
    Order = apps.get_model("shop", "Order")
    OrderLine = apps.get_model("shop", "OrderLine")
    StockMovement = apps.get_model("shop", "StockMovement")
    Cart = apps.get_model("shop", "Cart")
    CartItem = apps.get_model("shop", "CartItem")

    buyer = User.objects.create(username="pembeli-migrasi@example.com", email="pembeli-migrasi@example.com")
    kopi = Product.objects.create(sku="KOPI-1", name="Kopi Gayo", slug="kopi-gayo", price=85_000, weight_grams=250)
    teh = Product.objects.create(sku="TEH-1", name="Teh Hijau", slug="teh-hijau", price=30_000, weight_grams=100)
    for product, opening in ((kopi, 20), (teh, 10)):
        StockMovement.objects.create(product=product, delta=opening, reason="opening")
    for n, status in enumerate(OrderStatus.values):
        order = Order.objects.create(
            number=f"TK-MIGRASI-{n}",
            user=buyer,
            status=status,
            recipient_name="Siti",
            phone="+6281234567890",
            province="DI Yogyakarta",
            city="Sleman",
            district="Ngaglik",
            postal_code="55581",
            street="Jl. Kaliurang",
            subtotal=115_000,
            total=115_000,
        )
        OrderLine.objects.create(
            order=order, product=kopi, sku="KOPI-1", name="Kopi Gayo", unit_price=85_000, quantity=1
        )
        OrderLine.objects.create(order=order, product=teh, sku="TEH-1", name="Teh Hijau", unit_price=30_000, quantity=1)
        if status in ("processed", "shipped", "completed"):
            for product in (kopi, teh):
                StockMovement.objects.create(product=product, delta=-1, reason="sale", order=order, note=order.number)
    for product in (kopi, teh):
        total = sum(StockMovement.objects.filter(product=product).values_list("delta", flat=True))
        Product.objects.filter(pk=product.pk).update(stock=total)
    cart = Cart.objects.create(user=buyer)
    CartItem.objects.create(cart=cart, product=kopi, quantity=2)
    CartItem.objects.create(cart=Cart.objects.create(session_key="tamu"), product=teh, quantity=1)
    return kopi.pk, teh.pk


def books(apps):
    """What must survive the migrations: stock and history per product, lines per order."""
    Product = apps.get_model("shop", "Product")
    StockMovement = apps.get_model("shop", "StockMovement")
    OrderLine = apps.get_model("shop", "OrderLine")
    CartItem = apps.get_model("shop", "CartItem")
    return {
        "stock": sorted(Product.objects.values_list("sku", "stock"), key=repr),
        "history": sorted(
            StockMovement.objects.values_list("product__sku", "delta", "reason", "order__number"), key=repr
        ),
        "lines": sorted(
            OrderLine.objects.values_list("order__number", "order__status", "product__sku", "quantity"), key=repr
        ),
        # NULLs (no order, a visitor's cart) sort as text.
        "carts": sorted(CartItem.objects.values_list("cart__user_id", "product__sku", "quantity"), key=repr),
    }


def test_every_product_gets_its_default_variant_with_its_whole_history_and_back():
    try:
        apps = migrate(BEFORE)
        kopi, teh = old_shop(apps)
        before = books(apps)

        apps = migrate(AFTER)
        Variant = apps.get_model("shop", "ProductVariant")
        StockMovement = apps.get_model("shop", "StockMovement")
        variants = {v.product_id: v for v in Variant.objects.all()}
        assert set(variants) == {kopi, teh}
        assert [
            (v.sku, v.price, v.weight_grams, v.stock, v.option1, v.option2, v.is_active) for v in variants.values()
        ] == [
            ("KOPI-1", 85_000, 250, 20 - 3, "", "", True),
            ("TEH-1", 30_000, 100, 10 - 3, "", "", True),
        ]
        for model in ("StockMovement", "OrderLine", "CartItem"):
            rows = apps.get_model("shop", model).objects.values_list("product_id", "variant_id")
            assert rows and all(variant_id == variants[product_id].pk for product_id, variant_id in rows), model
        for variant in variants.values():  # stock == sum(movements), per variant
            assert variant.stock == sum(StockMovement.objects.filter(variant=variant).values_list("delta", flat=True))
        assert books(apps) == before

        apps = migrate(BEFORE)
        assert books(apps) == before
        assert "shop_productvariant" not in connection.introspection.table_names()

        apps = migrate(AFTER)
        assert books(apps) == before
        assert apps.get_model("shop", "ProductVariant").objects.count() == 2
    finally:
        migrate(latest())
