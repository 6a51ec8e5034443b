"""Checkout: choices, review, then place_order; every changed or forged input is shown, never ordered."""

import re

import pytest
from django.urls import reverse

from shop.models import Address, Cart, CartItem, Order, OrderStatus, PaymentSettings, StockMovement
from shop.services.stock import adjust_stock
from tests import factories
from tests.helpers import order_url, said, signed_in, upload_proof

pytestmark = pytest.mark.django_db

CHECKOUT = reverse("shop:checkout")
REVIEW = reverse("shop:checkout_review")

NEW_ADDRESS = {
    "alamat-recipient_name": "Siti Rahayu",
    "alamat-phone": "0812-3456-7890",
    "alamat-region_code": factories.SARIHARJO,  # Ngaglik, Sleman, DI Yogyakarta
    "alamat-postal_code": "55581",
    "alamat-street": "Jl. Kaliurang Km 10 No. 5",
}


@pytest.fixture
def rate(db):
    return factories.shipping_rate(courier="JNE", service="REG", cost=9_000)


@pytest.fixture
def shopper(client, buyer, product):
    """A signed-in buyer with 2 of `product` (Rp price, 250 g each) in the cart."""
    client = signed_in(buyer, client)
    client.post(reverse("shop:cart_add"), {"product": product.pk, "quantity": 2})
    return client


def option_key(rate):
    return f"tarif:{rate.pk}"


def choose(client, rate, **overrides):
    data = {"shipping_option": option_key(rate), "payment_method": "bank_transfer", "save_address": "on", **NEW_ADDRESS}
    data.update(overrides)
    return client.post(CHECKOUT, {k: v for k, v in data.items() if v is not None})


def snapshot_of(response):
    return re.search(r'name="snapshot" value="([^"]+)"', response.content.decode()).group(1)


def review_and_place(client):
    review = client.get(REVIEW)
    assert review.status_code == 200
    return client.post(REVIEW, {"snapshot": snapshot_of(review)}, follow=True)


def test_checkout_needs_an_account(client, product):
    client.post(reverse("shop:cart_add"), {"product": product.pk, "quantity": 1})

    response = client.get(CHECKOUT)

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login")) and "next=/checkout/" in response.url


def test_an_empty_cart_goes_back_to_the_cart(client, buyer):
    client.force_login(buyer)
    response = client.get(CHECKOUT, follow=True)
    assert response.redirect_chain[-1][0] == reverse("shop:cart")
    assert said(response, "kosong")


def test_checkout_page_offers_each_flat_rate_priced_by_started_kilogram(shopper, buyer, rate, category):
    factories.village_saved_address(buyer)  # shipping is priced to the address checkout starts with
    heavy = factories.product(stock=5, weight_grams=700, category=category)
    shopper.post(reverse("shop:cart_add"), {"product": heavy.pk, "quantity": 1})  # 2*250 + 700 = 1200 g -> 2 kg
    factories.shipping_rate(courier="SiCepat", service="BEST", cost=12_000, is_active=False)

    response = shopper.get(CHECKOUT)

    html = response.content.decode()
    assert "JNE REG" in html and "Rp 18.000" in html
    assert "SiCepat" not in html


def test_a_new_address_is_validated_normalised_and_saved(shopper, buyer, rate):
    response = choose(shopper, rate)

    assert response.status_code == 302 and response.url == REVIEW
    address = Address.objects.get(user=buyer)
    assert address.phone == "+6281234567890"
    assert address.is_default
    assert shopper.session["checkout"]["address"]["phone"] == "+6281234567890"


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("alamat-phone", "12345", "nomor HP"),
        ("alamat-phone", "021 5551234", "nomor HP"),
        ("alamat-postal_code", "5558", "5 angka"),
        ("alamat-postal_code", "abcde", "5 angka"),
        ("alamat-recipient_name", "", "harus diisi"),
        ("alamat-street", "", "harus diisi"),
        ("alamat-region_code", "", "Pilih kelurahan/desa"),
        ("alamat-region_code", "34.04.12.9999", "tidak ada di daftar wilayah"),
    ],
)
def test_a_bad_address_is_shown_again_and_nothing_is_kept(shopper, buyer, rate, field, value, message):
    response = choose(shopper, rate, **{field: value})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Address.objects.exists()
    assert "checkout" not in shopper.session


@pytest.mark.parametrize("value", ["", "abc", "999999", "-1", "tarif:999999", "komerce:jne:REG"])
def test_a_missing_or_forged_shipping_option_is_refused(shopper, rate, value):
    response = choose(shopper, rate, shipping_option=value)

    assert response.status_code == 200
    assert "jasa pengiriman" in response.content.decode()
    assert "checkout" not in shopper.session


def test_a_switched_off_rate_cannot_be_chosen(shopper, rate):
    rate.is_active = False
    rate.save()
    response = choose(
        shopper, factories.shipping_rate(courier="POS", service="Kilat"), shipping_option=option_key(rate)
    )
    assert response.status_code == 200
    assert "checkout" not in shopper.session


def test_a_payment_method_other_than_bank_transfer_is_refused(shopper, rate):
    response = choose(shopper, rate, payment_method="tripay")
    assert response.status_code == 200
    assert "checkout" not in shopper.session


def test_a_saved_address_can_be_picked_and_the_new_address_form_is_ignored(shopper, buyer, rate):
    saved = factories.saved_address(buyer, is_default=True)
    data = {"saved_address": saved.pk, "shipping_option": option_key(rate), "payment_method": "bank_transfer"}

    response = shopper.post(CHECKOUT, data)

    assert response.status_code == 302
    assert shopper.session["checkout"]["address"]["recipient_name"] == "Budi Santoso"
    assert Address.objects.count() == 1


def test_someone_elses_saved_address_cannot_be_picked(shopper, other_buyer, rate):
    theirs = factories.saved_address(other_buyer)
    data = {"saved_address": theirs.pk, "shipping_option": option_key(rate), "payment_method": "bank_transfer"}
    response = shopper.post(CHECKOUT, data)
    assert response.status_code == 200
    assert "checkout" not in shopper.session


def test_review_shows_lines_shipping_and_total(shopper, product, rate):
    choose(shopper, rate)

    response = shopper.get(REVIEW)

    html = response.content.decode()
    assert response.context["total"] == product.price * 2 + 9_000
    assert product.name in html and "Siti Rahayu" in html and "JNE REG" in html
    assert "kode unik" in html.lower()


def test_review_without_choices_goes_back_to_checkout(shopper):
    assert shopper.get(REVIEW).url == CHECKOUT


def test_placing_the_order_makes_a_pending_order_and_empties_the_cart(shopper, buyer, product, rate):
    choose(shopper, rate)

    response = review_and_place(shopper)

    order = Order.objects.get()
    assert response.redirect_chain[-1][0] == order_url("order_detail", order)
    assert re.fullmatch(r"TK-\d{8}-\d{4}", order.number)
    assert order.user == buyer and order.status == OrderStatus.PENDING_PAYMENT
    assert order.email == buyer.email and order.phone == "+6281234567890"
    assert (order.shipping_courier, order.shipping_service, order.shipping_cost) == ("JNE", "REG", 9_000)
    assert order.subtotal == product.price * 2
    assert order.total == order.subtotal + 9_000 + order.unique_code
    assert 1 <= order.unique_code <= 999
    assert order.payment_deadline is not None
    line = order.lines.get()
    assert (line.product, line.quantity, line.unit_price, line.weight_grams) == (product, 2, product.price, 250)
    assert not CartItem.objects.exists()
    assert "checkout" not in shopper.session
    product.refresh_from_db()
    assert product.stock == 10, "placing an order takes no stock"
    assert not StockMovement.objects.filter(order=order).exists()
    assert order.number in response.content.decode()


def test_without_the_unique_code_setting_the_total_is_exact(shopper, product, rate):
    settings = PaymentSettings.load()
    settings.use_unique_code = False
    settings.save()
    choose(shopper, rate)

    review_and_place(shopper)

    order = Order.objects.get()
    assert order.unique_code == 0 and order.total == product.price * 2 + 9_000


def test_a_price_changed_between_review_and_order_is_shown_and_nothing_is_ordered(shopper, product, rate):
    choose(shopper, rate)
    review = shopper.get(REVIEW)
    product.price += 5_000
    product.save()

    response = shopper.post(REVIEW, {"snapshot": snapshot_of(review)}, follow=True)

    assert not Order.objects.exists()
    assert CartItem.objects.get().quantity == 2
    assert response.redirect_chain[-1][0] == REVIEW
    assert said(response, "Harga berubah")
    # The review page now shows the new price; ordering from it works.
    assert response.context["contents"].subtotal == product.price * 2
    shopper.post(REVIEW, {"snapshot": snapshot_of(response)})
    assert Order.objects.get().subtotal == product.price * 2


def test_a_cart_changed_in_another_tab_is_reviewed_again(shopper, product, rate):
    choose(shopper, rate)
    review = shopper.get(REVIEW)
    shopper.post(reverse("shop:cart_update"), {"product": product.pk, "quantity": 5})

    response = shopper.post(REVIEW, {"snapshot": snapshot_of(review)}, follow=True)

    assert not Order.objects.exists()
    assert said(response, "keranjang Anda berubah")


def test_a_shipping_rate_changed_after_review_is_reviewed_again(shopper, rate):
    choose(shopper, rate)
    review = shopper.get(REVIEW)
    rate.cost = 11_000
    rate.save()

    response = shopper.post(REVIEW, {"snapshot": snapshot_of(review)}, follow=True)

    assert not Order.objects.exists()
    assert said(response, "Ongkos kirim berubah")


def test_a_rate_switched_off_after_choosing_sends_the_buyer_back(shopper, rate):
    choose(shopper, rate)
    rate.is_active = False
    rate.save()

    response = shopper.get(REVIEW, follow=True)

    assert response.redirect_chain[-1][0] == CHECKOUT
    assert said(response, "tidak tersedia lagi")


@pytest.mark.parametrize("snapshot", ["", "garbage", "eyJ1c2VyIjoxfQ:1abc:forged"])
def test_a_forged_or_missing_snapshot_orders_nothing(shopper, rate, snapshot):
    choose(shopper, rate)
    response = shopper.post(REVIEW, {"snapshot": snapshot}, follow=True)
    assert not Order.objects.exists()
    assert said(response, "kedaluwarsa")


def test_a_snapshot_with_lower_prices_forged_by_hand_is_refused(shopper, product, rate):
    from django.core import signing

    choose(shopper, rate)
    forged = signing.dumps({"user": 1, "items": [[product.pk, 2, 1]], "shipping_cost": 9_000}, salt="forged")
    response = shopper.post(REVIEW, {"snapshot": forged}, follow=True)
    assert not Order.objects.exists()
    assert said(response, "kedaluwarsa")


def test_another_buyers_snapshot_cannot_be_used(shopper, client, other_buyer, product, rate, django_user_model):
    choose(shopper, rate)
    review = shopper.get(REVIEW)
    thief = signed_in(other_buyer)
    thief.post(reverse("shop:cart_add"), {"product": product.pk, "quantity": 2})
    choose(thief, rate)

    response = thief.post(REVIEW, {"snapshot": snapshot_of(review)}, follow=True)

    assert not Order.objects.exists()
    assert said(response, "kedaluwarsa")


def test_a_second_click_on_place_order_makes_no_second_order(shopper, rate):
    choose(shopper, rate)
    review = shopper.get(REVIEW)
    shopper.post(REVIEW, {"snapshot": snapshot_of(review)})

    response = shopper.post(REVIEW, {"snapshot": snapshot_of(review)}, follow=True)

    assert Order.objects.count() == 1
    assert response.redirect_chain[-1][0] == reverse("shop:order_list")


def test_a_product_sold_out_after_review_is_refused_with_its_name(shopper, product, rate):
    choose(shopper, rate)
    review = shopper.get(REVIEW)
    adjust_stock(product, -9, StockMovement.Reason.DAMAGED)

    response = shopper.post(REVIEW, {"snapshot": snapshot_of(review)}, follow=True)

    assert not Order.objects.exists()
    assert CartItem.objects.get().quantity == 2
    assert response.redirect_chain[-1][0] == reverse("shop:cart")
    assert "Stok tinggal 1" in response.content.decode()


def test_a_cart_that_stock_no_longer_covers_cannot_start_checkout(shopper, product, rate):
    adjust_stock(product, -10, StockMovement.Reason.DAMAGED)

    response = shopper.get(CHECKOUT, follow=True)

    assert response.redirect_chain[-1][0] == reverse("shop:cart")
    assert said(response, "perlu diperbaiki")


def test_the_whole_way_from_cart_to_uploaded_proof(client, buyer, product, rate):
    """The issue's "done when": a buyer goes from the cart to an uploaded proof in the browser."""
    client.post(reverse("shop:cart_add"), {"product": product.pk, "quantity": 1})
    response = client.post(reverse("account_login"), {"login": buyer.email, "password": "rahasia-123"}, follow=True)
    assert Cart.objects.get(user=buyer).items.count() == 1
    choose(client, rate)
    response = review_and_place(client)
    order = Order.objects.get()
    assert "Rekening tujuan" in response.content.decode()

    response = upload_proof(client, order, factories.proof_file("png"))

    order.refresh_from_db()
    assert order.status == OrderStatus.WAITING_VERIFICATION
    assert "sedang diperiksa" in response.content.decode()


def test_a_buyer_with_saved_addresses_can_still_choose_a_new_one(shopper, buyer, rate):
    factories.saved_address(buyer, is_default=True)

    html = shopper.get(CHECKOUT).content.decode()
    assert 'name="saved_address" value=""' in html and "Alamat baru" in html

    response = choose(shopper, rate, saved_address="")
    assert response.status_code == 302
    assert shopper.session["checkout"]["address"]["recipient_name"] == "Siti Rahayu"
    assert Address.objects.filter(user=buyer).count() == 2


def test_the_owner_keeps_flat_rates_in_the_admin(client, admin_user, cs1_user):
    """The Admin group (not a superuser) manages the rates; CS does not."""
    from shop.models import ShippingRate

    client.force_login(admin_user)
    response = client.post(
        reverse("wagtailsnippets_shop_shippingrate:add"),
        {"courier": "J&T", "service": "EZ", "cost": "8000", "etd": "2-4 hari", "is_active": "on", "sort_order": "0"},
    )
    assert response.status_code == 302
    assert ShippingRate.objects.get().cost == 8_000
    listing = client.get(reverse("wagtailsnippets_shop_shippingrate:list"))
    assert "J&amp;T" in listing.content.decode() and "Rp 8.000" in listing.content.decode()

    client.force_login(cs1_user)
    assert client.get(reverse("wagtailsnippets_shop_shippingrate:list")).status_code in (302, 403)


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_clicks_on_place_order_make_one_order(client, buyer, product, rate):
    """Two requests of one session at the same moment: the cart lock lets one order through."""
    import threading
    from copy import deepcopy

    from django.db import connection, connections
    from django.test import Client

    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no row locks; run on PostgreSQL or MariaDB")
    client.force_login(buyer)
    client.post(reverse("shop:cart_add"), {"product": product.pk, "quantity": 2})
    choose(client, rate)
    snapshot = snapshot_of(client.get(REVIEW))
    twins = [Client(), Client()]
    for twin in twins:
        twin.cookies = deepcopy(client.cookies)
    barrier = threading.Barrier(len(twins))
    statuses = []

    def click(twin):
        try:
            barrier.wait(30)
            statuses.append(twin.post(REVIEW, {"snapshot": snapshot}).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click, args=(twin,)) for twin in twins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert statuses == [302, 302]
    assert Order.objects.count() == 1
    assert not CartItem.objects.exists()


def test_review_tells_how_long_the_buyer_has_to_pay(shopper, rate, settings):
    settings.PAYMENT_WINDOW_HOURS = 24
    choose(shopper, rate)
    assert "24 jam untuk membayar" in shopper.get(REVIEW).content.decode()
