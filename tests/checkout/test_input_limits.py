"""Input that used to break things downstream is cleaned or refused where it comes in (issue 11, security 7).

A line break in the recipient name made the owner's new-order email fail (a header may not hold
one) and came out on the shipping label; a price of 10^18 made checkout answer 500.
"""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from shop.cart.models import Cart
from shop.cart.services import MAX_LINES, MAX_QUANTITY, CartError, add_to_cart
from shop.catalog.models import MAX_PRICE, Product
from shop.checkout.forms import AddressForm
from shop.services.orders import OrderError, place_order
from tests import factories

pytestmark = pytest.mark.django_db


def address_form(**fields):
    data = {
        "recipient_name": "Siti Rahayu",
        "phone": "0812 3456 7890",
        "region_code": factories.SARIHARJO,
        "postal_code": "55581",
        "street": "Jl. Kaliurang Km 10",
        **fields,
    }
    return AddressForm(data)


def test_one_line_fields_lose_pasted_line_breaks_and_control_characters():
    form = address_form(recipient_name="Siti\r\nRahayu\x00", label="Rumah\tIbu", street="Jl. Kaliurang\nKm 10")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["recipient_name"] == "Siti Rahayu"
    assert form.cleaned_data["label"] == "Rumah Ibu"
    assert form.cleaned_data["street"] == "Jl. Kaliurang\nKm 10"  # a street may run over two lines


def test_a_name_of_only_control_characters_is_missing_not_blank_looking():
    form = address_form(recipient_name="\n\t ")
    assert not form.is_valid() and "recipient_name" in form.errors


def test_place_order_cleans_one_line_fields_whoever_calls_it(buyer, product):
    order = place_order(
        buyer,
        items=[{"product_id": product.pk, "quantity": 1, "unit_price": product.price}],
        address=factories.shipping_address(recipient_name="Budi\nSantoso", phone="0812\r\n34567890"),
        shipping={"courier": "JNE", "service": "REG", "cost": 15_000},
    )
    assert (order.recipient_name, order.phone) == ("Budi Santoso", "0812 34567890")


def test_a_price_above_the_limit_is_refused_by_the_admin_and_by_the_database(client, admin_user, category):
    client.force_login(admin_user)
    response = client.post(
        reverse("wagtailsnippets_shop_product:add"),
        {
            "name": "Emas Batangan",
            "sku": "EMAS-1",
            "slug": "emas-1",
            "category": category.pk,
            "price": str(10**18),
            "weight_grams": "1",
            "opening_stock": "1",
            "description": '{"blocks":[],"entityMap":{}}',
            "gallery-TOTAL_FORMS": "0",
            "gallery-INITIAL_FORMS": "0",
            "gallery-MIN_NUM_FORMS": "0",
            "gallery-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200 and "price" in response.context["form"].errors
    assert not Product.objects.filter(sku="EMAS-1").exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.product(price=MAX_PRICE + 1)


def test_an_order_too_large_to_fit_is_refused_with_a_message(buyer):
    product = factories.product(stock=MAX_QUANTITY, price=MAX_PRICE)
    with pytest.raises(OrderError, match="Bagi menjadi beberapa pesanan"):
        factories.order(buyer, (product, MAX_QUANTITY))
    with pytest.raises(OrderError):
        place_order(
            buyer,
            items=[{"product_id": product.pk, "quantity": 10**18, "unit_price": product.price}],
            address=factories.shipping_address(),
            shipping={"courier": "JNE", "service": "REG", "cost": 15_000},
        )


def test_the_header_cart_of_the_largest_allowed_cart_still_adds_up(client, buyer):
    cart = Cart.objects.create(user=buyer)
    product = factories.product(stock=MAX_QUANTITY, price=MAX_PRICE)
    add_to_cart(cart, product.pk, MAX_QUANTITY)
    client.force_login(buyer)
    assert client.get(reverse("shop:cart")).status_code == 200


def test_a_cart_holds_at_most_max_lines_different_products(buyer):
    cart = Cart.objects.create(user=buyer)
    products = [factories.product(stock=5) for _n in range(MAX_LINES + 1)]
    for product in products[:MAX_LINES]:
        add_to_cart(cart, product.pk, 1)
    with pytest.raises(CartError, match="produk berbeda"):
        add_to_cart(cart, products[-1].pk, 1)
    assert cart.items.count() == MAX_LINES
