"""The cart: add, change and remove through the pages, capped at stock, with or without an account."""

import pytest
from django.urls import reverse

from shop.cart.services import SESSION_CART_TOKEN
from shop.models import Cart, CartItem
from tests import factories
from tests.helpers import messages_of

pytestmark = pytest.mark.django_db

CART = reverse("shop:cart")
ADD = reverse("shop:cart_add")
UPDATE = reverse("shop:cart_update")
REMOVE = reverse("shop:cart_remove")


def quantities():
    return {item.product_id: item.quantity for item in CartItem.objects.all()}


def test_a_visitor_adds_to_the_cart_without_an_account(client, product):
    response = client.post(ADD, {"product": product.pk, "quantity": 2}, follow=True)

    assert response.redirect_chain[-1][0] == CART
    assert quantities() == {product.pk: 2}
    cart = Cart.objects.get()
    assert cart.user is None and cart.session_key == client.session[SESSION_CART_TOKEN]
    assert product.name in response.content.decode()
    assert any("2 di keranjang" in m for m in messages_of(response))


def test_adding_again_adds_up_and_a_quick_add_means_one(client, product):
    client.post(ADD, {"product": product.pk, "quantity": 2})
    client.post(ADD, {"product": product.pk})

    assert quantities() == {product.pk: 3}


def test_a_quantity_above_stock_is_capped_with_a_clear_message(client, product):
    response = client.post(ADD, {"product": product.pk, "quantity": 25}, follow=True)

    assert quantities() == {product.pk: 10}
    assert any("tinggal 10" in m for m in messages_of(response))

    response = client.post(ADD, {"product": product.pk, "quantity": 1}, follow=True)
    assert quantities() == {product.pk: 10}
    assert any("tinggal 10" in m for m in messages_of(response))


@pytest.mark.parametrize("quantity", ["-1", "0", "abc", "1.5", "1e3", "99999999999999999999"])
def test_forged_quantities_on_add_change_nothing(client, product, quantity):
    client.post(ADD, {"product": product.pk, "quantity": 1})
    response = client.post(ADD, {"product": product.pk, "quantity": quantity}, follow=True)

    assert quantities() == {product.pk: 1}
    assert any("Jumlah" in m for m in messages_of(response))


@pytest.mark.parametrize("fields", [{}, {"product": "abc"}, {"product": "-4"}, {"product": "999999"}])
def test_a_forged_or_unknown_product_is_refused(client, fields):
    response = client.post(ADD, {**fields, "quantity": 1}, follow=True)

    assert not CartItem.objects.exists()
    assert messages_of(response)


def test_an_inactive_or_sold_out_product_cannot_be_added(client, category):
    hidden = factories.product(stock=5, is_active=False, category=category)
    sold_out = factories.product(stock=0, category=category)

    response = client.post(ADD, {"product": hidden.pk, "quantity": 1}, follow=True)
    assert "tidak tersedia" in messages_of(response)[0]
    response = client.post(ADD, {"product": sold_out.pk, "quantity": 1}, follow=True)
    assert "habis" in messages_of(response)[0]
    assert not CartItem.objects.exists()


def test_add_change_and_remove_accept_only_post(client, product):
    for url in (ADD, UPDATE, REMOVE):
        assert client.get(url, {"product": product.pk, "quantity": 1}).status_code == 405
    assert not CartItem.objects.exists()


def test_change_sets_the_quantity_capped_at_stock_and_zero_removes(client, product):
    client.post(ADD, {"product": product.pk, "quantity": 1})

    client.post(UPDATE, {"product": product.pk, "quantity": 4})
    assert quantities() == {product.pk: 4}

    response = client.post(UPDATE, {"product": product.pk, "quantity": 50}, follow=True)
    assert quantities() == {product.pk: 10}
    assert any("tinggal 10" in m for m in messages_of(response))

    client.post(UPDATE, {"product": product.pk, "quantity": 0})
    assert quantities() == {}


@pytest.mark.parametrize("quantity", ["-3", "abc", ""])
def test_a_forged_change_changes_nothing(client, product, quantity):
    client.post(ADD, {"product": product.pk, "quantity": 2})
    response = client.post(UPDATE, {"product": product.pk, "quantity": quantity}, follow=True)

    assert quantities() == {product.pk: 2}
    assert messages_of(response)


def test_remove_takes_the_line_out(client, product, category):
    other = factories.product(stock=3, category=category)
    client.post(ADD, {"product": product.pk, "quantity": 2})
    client.post(ADD, {"product": other.pk, "quantity": 1})

    response = client.post(REMOVE, {"product": product.pk}, follow=True)

    assert quantities() == {other.pk: 1}
    assert any("dihapus" in m for m in messages_of(response))


def test_changing_a_product_that_is_not_in_ones_own_cart_is_refused(client, product, category):
    stranger = factories.product(stock=3, category=category)
    other_visitor = client.__class__()
    other_visitor.post(ADD, {"product": stranger.pk, "quantity": 1})
    client.post(ADD, {"product": product.pk, "quantity": 1})

    for url, data in ((UPDATE, {"product": stranger.pk, "quantity": 3}), (REMOVE, {"product": stranger.pk})):
        response = client.post(url, data, follow=True)
        assert "tidak ada di keranjang" in messages_of(response)[-1]
    assert CartItem.objects.get(product=stranger).quantity == 1


def test_changing_an_empty_cart_says_so(client, product):
    response = client.post(UPDATE, {"product": product.pk, "quantity": 1}, follow=True)
    assert "kosong" in messages_of(response)[0]
    assert not Cart.objects.exists()


def test_cart_page_shows_totals_and_total_weight(client, category):
    shirt = factories.product(stock=5, price=150_000, weight_grams=300, category=category)
    mug = factories.product(stock=5, price=45_500, weight_grams=450, category=category)
    client.post(ADD, {"product": shirt.pk, "quantity": 2})
    client.post(ADD, {"product": mug.pk, "quantity": 1})

    response = client.get(CART)

    contents = response.context["contents"]
    assert contents.subtotal == 345_500
    assert contents.total_weight_grams == 1050
    assert contents.count == 3
    html = response.content.decode()
    assert "Rp 345.500" in html
    assert "1050 g" in html
    assert reverse("shop:checkout") in html


def test_cart_page_flags_lines_that_stock_no_longer_covers(client, product):
    from shop.models import StockMovement
    from shop.services.stock import adjust_stock

    client.post(ADD, {"product": product.pk, "quantity": 8})
    adjust_stock(product, -7, StockMovement.Reason.DAMAGED)

    response = client.get(CART)

    assert "Stok tinggal 3" in response.content.decode()
    assert not response.context["contents"].is_orderable
    assert reverse("shop:checkout") not in response.content.decode()


def test_empty_cart_page(client):
    response = client.get(CART)
    assert response.status_code == 200
    assert "masih kosong" in response.content.decode()


def test_header_mini_cart_shows_count_and_total(client, category):
    item = factories.product(stock=5, price=20_000, category=category)
    client.post(ADD, {"product": item.pk, "quantity": 3})

    response = client.get(CART)

    assert response.context["cart_summary"]["count"] == 3
    assert response.context["cart_summary"]["total"] == 60_000


def test_mini_cart_costs_a_visitor_without_a_cart_no_query(rf, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    from shop.cart.context_processors import cart_summary

    request = rf.get("/")
    request.user = AnonymousUser()
    request.session = SessionStore()
    with django_assert_num_queries(0):
        assert cart_summary(request)["cart_summary"]["count"] == 0


def test_a_signed_in_buyer_has_one_cart_of_their_own(client, buyer, product):
    client.force_login(buyer)
    client.post(ADD, {"product": product.pk, "quantity": 2})

    cart = Cart.objects.get()
    assert cart.user == buyer and cart.session_key is None
    assert client.get(CART).context["cart_summary"]["count"] == 2


def login(client, email="pembeli@example.com", password="rahasia-123"):
    return client.post(reverse("account_login"), {"login": email, "password": password}, follow=True)


def test_the_visitors_cart_merges_into_the_account_at_login(client, buyer, product, category):
    other = factories.product(stock=2, category=category)
    account_cart = Cart.objects.create(user=buyer)
    CartItem.objects.create(cart=account_cart, product=product, quantity=4)
    CartItem.objects.create(cart=account_cart, product=other, quantity=1)

    client.post(ADD, {"product": product.pk, "quantity": 3})
    client.post(ADD, {"product": other.pk, "quantity": 2})
    response = login(client)

    assert response.context["user"] == buyer
    assert Cart.objects.get() == account_cart  # the visitor's cart is gone
    assert {i.product_id: i.quantity for i in account_cart.items.all()} == {product.pk: 7, other.pk: 2}
    assert any("tinggal 2" in m for m in messages_of(response))
    assert SESSION_CART_TOKEN not in client.session


def test_a_visitor_cart_becomes_the_accounts_cart_when_it_has_none(client, buyer, product):
    client.post(ADD, {"product": product.pk, "quantity": 2})
    login(client)

    cart = Cart.objects.get()
    assert cart.user == buyer
    assert client.get(CART).context["contents"].count == 2


def test_logging_out_leaves_the_account_cart_behind(client, buyer, product):
    client.post(ADD, {"product": product.pk, "quantity": 2})
    login(client)
    client.post(reverse("account_logout"))

    assert client.get(CART).context["contents"].count == 0
    assert Cart.objects.get(user=buyer).items.count() == 1
