"""Orders of product variants: stock is taken from, and given back to, the variant bought alone.

A hijab in several colours is one product with one variant per colour; each colour has its own
stock and ledger. Confirmation locks and moves variant stock (the PostgreSQL function and the
Python path alike, held to the same books here), and races between buyers of two colours of one
product never oversell either colour.
"""

import pytest
from django.db import connection

from shop.cart.services import CartError, add_to_cart
from shop.models import Cart, Order, ProductVariant, StockMovement
from shop.orders.errors import InsufficientStock, OrderError
from shop.orders.services import payment
from shop.services.orders import cancel_order, confirm_payment
from shop.services.stock import move_stock
from tests import factories
from tests.helpers import assert_ledger_balances, desk_url, errors, run_together, signed_in, waiting_order

Status = Order.Status
server_database = pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite has no row locks; run on PostgreSQL or MariaDB"
)


def stocks(variants):
    return {value: ProductVariant.objects.get(pk=v.pk).stock for value, v in variants.items()}


@pytest.mark.django_db
def test_a_paid_order_takes_stock_from_the_colour_bought_only(buyer, cs1_user):
    hijab, colours = factories.variant_product({"Hitam": 5, "Navy": 2, "Maroon": 0})
    order = waiting_order(buyer, (colours["Navy"], 2), (colours["Hitam"], 1))

    assert [line.name for line in order.lines.order_by("variant_id")] == [
        f"{hijab.name} — Hitam",
        f"{hijab.name} — Navy",
    ]
    confirm_payment(order, cs1_user)

    assert stocks(colours) == {"Hitam": 4, "Navy": 0, "Maroon": 0}
    hijab.refresh_from_db()
    assert hijab.stock == 4
    sales = StockMovement.objects.filter(order=order).order_by("variant_id")
    assert [(m.variant_id, m.product_id, m.delta) for m in sales] == [
        (colours["Hitam"].pk, hijab.pk, -1),
        (colours["Navy"].pk, hijab.pk, -2),
    ]
    assert_ledger_balances()


@pytest.mark.django_db
def test_a_short_colour_is_named_and_nothing_is_taken(buyer, cs1_user):
    hijab, colours = factories.variant_product({"Hitam": 5, "Navy": 3})
    order = waiting_order(buyer, (colours["Navy"], 3), (colours["Hitam"], 1))
    move_stock(hijab.pk, -2, StockMovement.Reason.DAMAGED, variant_id=colours["Navy"].pk)

    with pytest.raises(InsufficientStock) as refused:
        confirm_payment(order, cs1_user)

    (shortage,) = refused.value.shortages
    assert (shortage.variant_id, shortage.requested, shortage.available) == (colours["Navy"].pk, 3, 1)
    assert shortage.name == f"{hijab.name} — Navy" and f"{hijab.name} — Navy" in str(refused.value)
    assert stocks(colours) == {"Hitam": 5, "Navy": 1}
    order.refresh_from_db()
    assert order.status == Status.WAITING_VERIFICATION and order.needs_attention
    assert_ledger_balances()


@pytest.mark.django_db
def test_cancelling_a_processed_order_gives_each_colour_back(buyer, cs1_user, cs2_user):
    _hijab, colours = factories.variant_product({"Hitam": 5, "Navy": 2})
    order = waiting_order(buyer, (colours["Navy"], 2), (colours["Hitam"], 3))
    confirm_payment(order, cs1_user)
    cancel_order(order, cs2_user, "Pembeli minta batal")

    assert stocks(colours) == {"Hitam": 5, "Navy": 2}
    assert_ledger_balances()


@pytest.mark.django_db
def test_a_product_with_options_needs_its_variant_named(buyer):
    hijab, colours = factories.variant_product({"Hitam": 5, "Navy": 2})
    cart = Cart.objects.create(user=buyer)

    with pytest.raises(CartError, match="Pilih Warna"):
        add_to_cart(cart, hijab.pk, 1)
    with pytest.raises(OrderError):
        move_stock(hijab.pk, 1, StockMovement.Reason.RESTOCK)
    with pytest.raises(OrderError):
        factories.order(buyer, (hijab, 1))
    assert not cart.items.exists() and not Order.objects.exists()

    add_to_cart(cart, hijab.pk, 1, variant_id=colours["Navy"].pk)
    add_to_cart(cart, hijab.pk, 2, variant_id=colours["Hitam"].pk)
    assert sorted(cart.items.values_list("variant_id", "quantity")) == sorted(
        [(colours["Navy"].pk, 1), (colours["Hitam"].pk, 2)]
    )


@pytest.mark.django_db
def test_a_variant_of_another_product_is_refused_in_the_cart(buyer):
    hijab, _colours = factories.variant_product({"Hitam": 5})
    _mukena, sizes = factories.variant_product({"M": 5}, option_name="Ukuran")
    cart = Cart.objects.create(user=buyer)

    with pytest.raises(CartError):
        add_to_cart(cart, hijab.pk, 1, variant_id=sizes["M"].pk)
    assert not cart.items.exists()


@pytest.mark.django_db
def test_a_product_without_options_sells_through_its_one_variant(buyer, cs1_user):
    kopi = factories.product(stock=4)
    (variant,) = kopi.variants.all()
    assert (variant.sku, variant.price, variant.weight_grams, variant.stock, variant.label) == (
        kopi.sku,
        kopi.price,
        kopi.weight_grams,
        4,
        "",
    )
    kopi.price = 99_000
    kopi.save()
    variant.refresh_from_db()
    assert variant.price == 99_000

    order = waiting_order(buyer, (kopi, 3))
    assert order.lines.get().variant_id == variant.pk and order.lines.get().name == kopi.name
    confirm_payment(order, cs1_user)
    variant.refresh_from_db()
    assert variant.stock == 1
    assert_ledger_balances()


# --- Both confirmation paths, side by side on PostgreSQL ------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database function exists on PostgreSQL only")
@pytest.mark.parametrize("navy_stock", [3, 1])
def test_both_paths_take_variant_stock_alike(buyer, cs1_user, navy_stock):
    results = {}
    for name, confirm in {"database": payment._confirm_in_database, "python": payment._confirm_in_python}.items():
        hijab, colours = factories.variant_product({"Hitam": 5, "Navy": 3, "Maroon": 2}, name="Hijab Voal")
        kopi = factories.product(stock=4, name="Kopi Gayo")
        order = waiting_order(buyer, (colours["Navy"], 2), (kopi, 1), (colours["Hitam"], 1), (colours["Navy"], 1))
        if navy_stock < 3:
            move_stock(hijab.pk, navy_stock - 3, StockMovement.Reason.CORRECTION, variant_id=colours["Navy"].pk)
        try:
            confirm(order.pk, cs1_user)
            result = "ok"
        except InsufficientStock as error:
            result = (
                str(error),
                [(s.requested, s.available, s.variant_id == colours["Navy"].pk) for s in error.shortages],
            )
        order.refresh_from_db()
        hijab.refresh_from_db()
        kopi.refresh_from_db()
        index = {colours[v].pk: v for v in colours} | {kopi.variants.get().pk: "kopi"}
        results[name] = {
            "result": result,
            "order": (order.status, order.needs_attention, order.attention_note.replace(order.number, "#")),
            "variants": stocks(colours),
            "products": (hijab.stock, kopi.stock),
            "movements": sorted(
                (index[variant_id], index.get(variant_id) != "kopi", delta, reason)
                for variant_id, delta, reason in StockMovement.objects.filter(order=order).values_list(
                    "variant_id", "delta", "reason"
                )
            ),
        }
    assert results["database"] == results["python"]
    if navy_stock == 3:
        assert results["database"]["variants"] == {"Hitam": 4, "Navy": 0, "Maroon": 2}
        assert results["database"]["products"] == (6, 3)
    else:
        assert "Hijab Voal — Navy (diminta 3, tersedia 1)" in results["database"]["result"][0]
    assert_ledger_balances()


# --- Races ---------------------------------------------------------------------------------------


@server_database
@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_buyers_of_two_colours_of_one_hijab_never_oversell_either(buyer, cs1_user):
    for _round in range(3):
        _hijab, colours = factories.variant_product({"Hitam": 3, "Navy": 1})
        navy = [waiting_order(buyer, (colours["Navy"], 1)) for _ in range(3)]
        black = [waiting_order(buyer, (colours["Hitam"], 1)) for _ in range(3)]
        both = [waiting_order(buyer, (colours["Hitam"], 1), (colours["Navy"], 1)) for _ in range(2)]
        results = run_together(*[lambda o=o: confirm_payment(o.pk, cs1_user) for o in navy + black + both])

        assert all(isinstance(error, InsufficientStock) for error in errors(results))
        processed = Order.objects.filter(pk__in=[o.pk for o in navy + black + both], status=Status.PROCESSED)
        taken = {"Hitam": 0, "Navy": 0}
        for order in processed:
            for line in order.lines.all():
                taken["Navy" if line.variant_id == colours["Navy"].pk else "Hitam"] += line.quantity
        assert taken["Navy"] == 1 and taken["Hitam"] <= 3
        assert stocks(colours) == {"Hitam": 3 - taken["Hitam"], "Navy": 0}
    assert_ledger_balances()


@server_database
@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_confirmations_cancellations_and_checkouts_of_many_variants_do_not_deadlock(buyer, cs1_user, cs2_user):
    _hijab, colours = factories.variant_product(dict.fromkeys(("A", "B", "C", "D"), 200))
    _mukena, sizes = factories.variant_product(dict.fromkeys(("S", "M"), 200), option_name="Ukuran")
    lines = [colours["D"], sizes["S"], colours["A"], sizes["M"], colours["B"]]
    to_confirm = [waiting_order(buyer, *[(v, 1) for v in (lines if n % 2 else lines[::-1])]) for n in range(8)]
    to_cancel = [waiting_order(buyer, *[(v, 1) for v in lines]) for _ in range(4)]
    for order in to_cancel:
        confirm_payment(order, cs1_user)
    checkout = lambda: factories.order(buyer, *[(v, 1) for v in lines[::-1]])  # noqa: E731
    results = run_together(
        *[lambda o=o: confirm_payment(o.pk, cs1_user) for o in to_confirm],
        *[lambda o=o: cancel_order(o.pk, cs2_user, "batal") for o in to_cancel],
        *[checkout for _ in range(6)],
    )

    assert errors(results) == []
    assert stocks(colours) == {"A": 192, "B": 192, "C": 200, "D": 192}
    assert stocks(sizes) == {"S": 192, "M": 192}
    assert_ledger_balances()


@pytest.mark.django_db
def test_the_verification_desk_shows_the_colour_bought_and_its_own_stock(buyer, cs1_user):
    hijab, colours = factories.variant_product({"Hitam": 15, "Navy": 2}, name="Hijab Voal")
    order = waiting_order(buyer, (colours["Navy"], 2))
    move_stock(hijab.pk, -1, StockMovement.Reason.DAMAGED, variant_id=colours["Navy"].pk)

    html = signed_in(cs1_user).get(desk_url("verification", "inspect", order.pk)).content.decode()

    assert "Hijab Voal — Navy" in html
    assert "diminta 2, tersedia 1" in html  # Navy's stock, not the hijab's 16
