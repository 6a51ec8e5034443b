"""complete_checkout() as a service: the reviewed order is placed and the cart emptied together, or nothing happens."""

import pytest

from shop.cart.models import Cart, CartItem
from shop.checkout.services import ReviewOutdated, complete_checkout
from shop.models import Order, ShippingRule
from shop.shipping.quotes import Destination, shipping_option
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(buyer, product):
    """A cart of two units and what the review page showed the buyer for it."""
    cart = Cart.objects.create(user=buyer)
    CartItem.objects.create(cart=cart, product=product, quantity=2)
    shipping = shipping_option(
        f"tarif:{factories.shipping_rate().pk}",
        Destination(region_code=factories.SARIHARJO),
        weight_grams=2 * product.weight_grams,
        subtotal=2 * product.price,
    )
    seen = {"items": [[product.pk, 2, product.price]], "shipping_cost": shipping.cost}
    return cart, seen, shipping


def checkout(buyer, seen, shipping):
    address = {k: v for k, v in factories.shipping_address(**factories.region_fields()).items() if k != "email"}
    return complete_checkout(buyer, seen=seen, address=address, shipping=shipping, payment="bank_transfer")


def test_the_reviewed_order_is_placed_and_the_cart_emptied(buyer, product, reviewed):
    cart, seen, shipping = reviewed
    order = checkout(buyer, seen, shipping)

    assert list(order.lines.values_list("product_id", "quantity", "unit_price")) == [(product.pk, 2, product.price)]
    assert order.email == buyer.email and order.shipping_cost == shipping.cost
    assert not cart.items.exists()


def test_a_second_submit_finds_the_cart_emptied_and_orders_nothing_more(buyer, reviewed):
    cart, seen, shipping = reviewed
    checkout(buyer, seen, shipping)
    with pytest.raises(ReviewOutdated):
        checkout(buyer, seen, shipping)
    assert Order.objects.count() == 1


def test_a_cart_changed_since_the_review_is_shown_again(buyer, reviewed):
    cart, seen, shipping = reviewed
    cart.items.update(quantity=3)
    with pytest.raises(ReviewOutdated, match="berubah"):
        checkout(buyer, seen, shipping)
    assert not Order.objects.exists() and cart.items.get().quantity == 3


def test_a_shipping_cost_changed_since_the_review_is_shown_again(buyer, reviewed):
    cart, seen, shipping = reviewed
    with pytest.raises(ReviewOutdated, match="Ongkos kirim"):
        checkout(buyer, {**seen, "shipping_cost": shipping.cost + 1000}, shipping)
    assert not Order.objects.exists() and cart.items.exists()


def test_the_order_keeps_the_village_the_estimate_and_a_free_shipping_discount(buyer, product):
    cart = Cart.objects.create(user=buyer)
    CartItem.objects.create(cart=cart, product=product, quantity=1)
    rate = factories.shipping_rate(cost=12_000, etd="2-3 hari")
    ShippingRule.objects.create(name="Gratis ongkir se-Jawa", island_group="jawa")
    shipping = shipping_option(
        f"tarif:{rate.pk}", Destination(region_code=factories.SARIHARJO), weight_grams=250, subtotal=product.price
    )
    assert (shipping.cost, shipping.discount, shipping.rule_name) == (0, 12_000, "Gratis ongkir se-Jawa")

    order = checkout(buyer, {"items": [[product.pk, 1, product.price]], "shipping_cost": 0}, shipping)

    assert (order.shipping_cost, order.shipping_discount, order.shipping_etd) == (0, 12_000, "2-3 hari")
    assert (order.village, order.region_code) == ("Sariharjo", factories.SARIHARJO)
    assert order.total == product.price + order.unique_code
