"""Placing an order paid through TriPay (issue 12, item 3), against TriPay's recorded answers.

The closed transaction is created inside the order's own transaction: if TriPay refuses or does
not answer, no order remains, no number is used up, no stock is touched and the cart is kept.
"""

import json
from datetime import timedelta

import pytest
import requests
import responses
from django.utils import timezone

from shop.cart.models import Cart, CartItem
from shop.checkout.services import complete_checkout
from shop.models import DailyOrderCounter, GatewayPayment, Order, PaymentChannel, PaymentSettings
from shop.payments.gateways import tripay
from shop.services.orders import OrderError, expire_unpaid_orders, place_order
from shop.shipping.quotes import Destination, shipping_option
from tests import factories
from tests.integrations import tripay_api
from tests.integrations.tripay_api import CHANNELS_URL, CREATE_URL

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(settings):
    tripay_api.configure(settings)
    settings.WAGTAILADMIN_BASE_URL = "https://tokoku.example"
    with responses.RequestsMock() as mock:
        tripay_api.answer(mock, CHANNELS_URL, tripay_api.channels_answer())
        tripay.refresh_channels()
        yield mock


def qris_fee(amount):
    channel = PaymentChannel.objects.get(code="QRIS")
    return tripay.customer_fee(channel, amount)


def place(buyer, product, channel="QRIS", **extra):
    return place_order(
        buyer,
        items=[{"product_id": product.pk, "quantity": 2, "unit_price": product.price}],
        address=factories.shipping_address(),
        shipping={"courier": "JNE", "service": "REG", "cost": 15_000},
        payment_method="tripay",
        payment_channel=channel,
        **extra,
    )


def test_a_tripay_order_creates_a_closed_transaction_and_keeps_what_the_buyer_pays_with(api, buyer, product):
    amount = 2 * product.price + 15_000
    tripay_api.answer(api, CREATE_URL, tripay_api.created_answer("TK-X", amount, "BRIVA"))
    order = place(buyer, product, "BRIVA")

    sent = json.loads(api.calls[-1].request.body)
    assert sent["method"] == "BRIVA" and sent["merchant_ref"] == order.number and sent["amount"] == amount
    assert sent["signature"] == tripay_api.tripay.request_signature(
        tripay_api.PRIVATE_KEY, tripay_api.MERCHANT_CODE, order.number, amount
    )
    assert sum(item["price"] * item["quantity"] for item in sent["order_items"]) == amount
    assert sent["expired_time"] == int(order.payment_deadline.timestamp())
    assert sent["callback_url"] == "https://tokoku.example/pembayaran/tripay/callback/"
    assert sent["return_url"] == f"https://tokoku.example/pesanan/{order.number}/"

    assert order.payment_reference == tripay_api.REFERENCE and order.unique_code == 0
    assert order.total == amount + order.payment_fee and order.awaited_transfer_total is None
    payment = GatewayPayment.objects.get(order=order)
    assert (payment.channel_code, payment.pay_code) == ("BRIVA", tripay_api.PAY_CODES["BRIVA"])
    assert payment.instructions and payment.instructions[0]["steps"]
    assert order.status == Order.Status.PENDING_PAYMENT and order.notifications.filter(kind="placed").exists()


@pytest.mark.parametrize(
    "failure",
    [
        lambda mock: tripay_api.answer(mock, CREATE_URL, tripay_api.refused("Invalid merchant_ref")),
        lambda mock: tripay_api.answer_html(mock, CREATE_URL, 502),
        lambda mock: mock.add(responses.POST, CREATE_URL, body=requests.Timeout("TriPay is slow")),
    ],
    ids=["refused", "bad-gateway", "timeout"],
)
def test_when_tripay_refuses_or_does_not_answer_no_order_remains(api, buyer, product, failure):
    failure(api)
    with pytest.raises(OrderError, match="cara bayar lain"):
        place(buyer, product)
    assert not Order.objects.exists() and not GatewayPayment.objects.exists()
    assert not DailyOrderCounter.objects.exists()  # no number used up
    product.refresh_from_db()
    assert product.stock == 10


def test_checkout_keeps_the_cart_when_tripay_fails_so_the_buyer_can_choose_again(api, buyer, product):
    cart = Cart.objects.create(user=buyer)
    CartItem.objects.create(cart=cart, product=product, quantity=1)
    rate = factories.shipping_rate()
    shipping = shipping_option(
        f"tarif:{rate.pk}", Destination(), weight_grams=product.weight_grams, subtotal=product.price
    )
    seen = {"items": [[product.pk, 1, product.price]], "shipping_cost": shipping.cost}
    seen["payment_fee"] = qris_fee(product.price + shipping.cost)
    address = {k: v for k, v in factories.shipping_address().items() if k != "email"}
    tripay_api.answer(api, CREATE_URL, tripay_api.refused("Payment channel is disabled"))

    with pytest.raises(OrderError, match="Payment channel is disabled"):
        complete_checkout(buyer, seen=seen, address=address, shipping=shipping, payment="tripay:QRIS")
    assert cart.items.get().quantity == 1 and not Order.objects.exists()


def test_a_channel_the_owner_does_not_offer_or_out_of_its_limits_is_refused(api, buyer, product):
    PaymentChannel.objects.filter(code="BRIVA").update(offered=False)
    with pytest.raises(OrderError, match="tidak tersedia"):
        place(buyer, product, "BRIVA")
    with pytest.raises(OrderError, match="tidak tersedia"):
        place(buyer, product, "INDOMARET")  # not active at TriPay
    PaymentChannel.objects.filter(code="QRIS").update(maximum_amount=1000)
    with pytest.raises(OrderError, match="tidak tersedia"):
        place(buyer, product, "QRIS")
    assert not Order.objects.exists()


def test_a_fee_other_than_the_one_the_buyer_saw_is_refused(api, buyer, product):
    PaymentChannel.objects.filter(code="QRIS").update(fee_flat=750, fee_percent="0.70")
    with pytest.raises(OrderError, match="Biaya pembayaran berubah"):
        place(buyer, product, seen_payment_fee=0)
    assert not Order.objects.exists()


def test_either_way_to_pay_can_be_switched_off(api, buyer, product, settings):
    payment_settings = PaymentSettings.load()
    payment_settings.bank_transfer_enabled = False
    payment_settings.save()
    with pytest.raises(OrderError, match="Transfer bank sedang tidak tersedia"):
        factories.order(buyer, (product, 1))
    payment_settings.tripay_enabled = False
    payment_settings.save()
    with pytest.raises(OrderError, match="tidak tersedia"):
        place(buyer, product)
    assert not Order.objects.exists()


def test_the_expiry_job_leaves_tripay_orders_to_the_gateway_schedule(api, buyer, product):
    amount = 2 * product.price + 15_000
    tripay_api.answer(api, CREATE_URL, tripay_api.created_answer("TK-X", amount))
    order = place(buyer, product)
    assert expire_unpaid_orders(now=timezone.now() + timedelta(days=3)) == 0
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
