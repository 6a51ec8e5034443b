"""Choosing how to pay at checkout: grouped as buyers know them, each with its icon and the fee
the buyer pays, shown before the order is placed; the review's payment, fee line and total."""

import re

import pytest
from django.urls import reverse

from shop.core.money import format_rupiah
from shop.models import Order, PaymentChannel
from shop.payments.gateways import tripay
from tests import factories
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

CHECKOUT = reverse("shop:checkout")
REVIEW = reverse("shop:checkout_review")
ADDRESS = factories.CHECKOUT_ADDRESS


@pytest.fixture
def rate(db):
    return factories.shipping_rate(courier="JNE", service="REG", cost=9_000)


@pytest.fixture
def shopper(simulated_tripay, client, buyer, product, rate):
    """A signed-in buyer with 2 of `product` in the cart, in a shop offering the simulator's channels."""
    client = signed_in(buyer, client)
    client.post(reverse("shop:cart_add"), {"product": product.pk, "quantity": 2})
    return client


def choose(client, rate, payment_method):
    data = {"shipping_option": f"tarif:{rate.pk}", "payment_method": payment_method, "save_address": "on", **ADDRESS}
    response = client.post(CHECKOUT, data)
    assert response.status_code == 302 and response.url == REVIEW
    return client.get(REVIEW)


def fee_for(code, amount):
    return tripay.customer_fee(PaymentChannel.objects.get(code=code), amount)


def option_of(html, value):
    """The text of the label holding the radio button `value`."""
    found = re.search(
        rf'<label class="radio-option payment-option"[^>]*>\s*<input[^>]*value="{value}".*?</label>', html, re.S
    )
    assert found, f"no option {value}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0))).strip()


def test_ways_to_pay_are_grouped_with_the_fee_the_buyer_pays(shopper, product):
    html = shopper.get(CHECKOUT).content.decode()

    subtotal = 2 * product.price
    groups = re.findall(r'<h3 class="payment-group-title"[^>]*>([^<]+)</h3>', html)
    assert sorted(groups) == sorted(["Transfer bank", "Virtual Account", "E-Wallet / QRIS", "Gerai minimarket"])
    assert option_of(html, "bank_transfer").endswith("Tanpa biaya")
    for code in ("QRIS", "BRIVA", "ALFAMART"):
        assert option_of(html, f"tripay:{code}").endswith(f"+ {format_rupiah(fee_for(code, subtotal))}")
    assert "jumlah pastinya, termasuk ongkos kirim, tampil di halaman tinjauan" in html


def test_a_channels_icon_is_shown_when_tripay_gives_one(shopper):
    PaymentChannel.objects.filter(code="BRIVA").update(icon_url="https://tripay.co.id/images/payment-channel/briva.png")

    html = shopper.get(CHECKOUT).content.decode()

    briva = re.search(
        r'<label class="radio-option payment-option"[^>]*>\s*<input[^>]*value="tripay:BRIVA".*?</label>', html, re.S
    )
    assert (
        '<img class="payment-icon" src="https://tripay.co.id/images/payment-channel/briva.png" alt=""' in briva.group(0)
    )
    qris = re.search(
        r'<label class="radio-option payment-option"[^>]*>\s*<input[^>]*value="tripay:QRIS".*?</label>', html, re.S
    )
    assert "<img" not in qris.group(0)


def test_the_review_shows_the_channel_its_fee_and_the_total_with_it(shopper, product, rate):
    html = choose(shopper, rate, "tripay:QRIS").content.decode()

    amount = 2 * product.price + rate.cost
    fee = fee_for("QRIS", amount)
    assert re.search(r'<td class="num review-payment">\s*QRIS</td>', html)
    assert f'Biaya layanan (QRIS)</th><td class="num">{format_rupiah(fee)}</td>' in html
    assert f"<strong>{format_rupiah(amount + fee)}</strong>" in html
    assert "Pembayaran dikonfirmasi otomatis" in html
    assert "Kode unik" not in html


def test_the_review_of_a_bank_transfer_shows_the_unique_code_note_and_no_fee(shopper, product, rate):
    html = choose(shopper, rate, "bank_transfer").content.decode()

    assert "Transfer bank (dicek manual oleh CS)" in html
    assert "Kode unik Rp 1–999" in html
    assert "Biaya layanan" not in html
    assert f"<strong>{format_rupiah(2 * product.price + rate.cost)}</strong>" in html


def test_placing_a_qris_order_leads_to_its_qr(shopper, rate, buyer):
    review = choose(shopper, rate, "tripay:QRIS")
    snapshot = re.search(r'name="snapshot" value="([^"]+)"', review.content.decode()).group(1)

    response = shopper.post(REVIEW, {"snapshot": snapshot}, follow=True)

    order = Order.objects.get(user=buyer)
    assert (order.payment_method, order.gateway_payment.channel_code, order.unique_code) == ("tripay", "QRIS", 0)
    assert response.redirect_chain[-1][0] == reverse("shop:order_detail", args=[order.number])
    html = response.content.decode()
    assert 'class="qr-code"' in html and format_rupiah(order.total) in html
