"""Paying a TriPay order on Pesanan Saya: QR, pay code, steps, the status the page polls, the
development-only "Simulasikan pembayaran" button, and the order-placed email.

The checkout's choice of a way to pay: tests/checkout/test_payment_choice.py; the callback itself:
shop/payments/gateways/tripay_callbacks.py's tests.
"""

import json
import re

import pytest
from django.core import mail
from django.urls import get_resolver, reverse

from shop.core.money import format_rupiah
from shop.models import GatewayCallback, Notification, OrderStatus
from shop.notifications.sending import send_buyer_email
from shop.payments import simulation
from tests import factories, helpers
from tests.helpers import order_url

pytestmark = pytest.mark.django_db

CALLBACK = reverse("shop:tripay_callback")


@pytest.fixture
def qris_order(simulated_tripay, buyer, product):
    return factories.order(buyer, (product, 2), payment_method="tripay", payment_channel="QRIS")


def page_of(client, order):
    response = client.get(order_url("order_detail", order))
    assert response.status_code == 200
    return response.content.decode()


def signed_callback_on(html):
    """The signed body the page hands the browser, or None when it hands out none."""
    found = re.search(r'<script id="simulated-callback" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1)) if found else None


def post_callback(client, signed):
    return client.post(
        CALLBACK,
        signed["body"],
        content_type="application/json",
        headers={"X-Callback-Event": "payment_status", "X-Callback-Signature": signed["signature"]},
    )


# --- What the page shows ---------------------------------------------------------------------


def test_a_qris_order_shows_the_qr_drawn_by_the_shop_and_no_bank_transfer(signed_in, qris_order):
    html = page_of(signed_in, qris_order)

    assert '<svg role="img" viewBox=' in html and 'class="qr-code"' in html
    assert "data:image/png;base64," in html  # "Simpan gambar QR", drawn here too
    # No outside image service and nothing of a bank transfer.
    assert "qr_url" not in html and "api.qrserver" not in html and "chart.googleapis" not in html
    assert "Unggah bukti transfer" not in html and "Rekening tujuan" not in html and "Kode unik" not in html
    assert qris_order.gateway_payment.channel_name in html
    assert format_rupiah(qris_order.total) in html
    assert f"Biaya layanan ({qris_order.gateway_payment.channel_name})" in html
    assert format_rupiah(qris_order.payment_fee) in html
    assert f'data-deadline="{int(qris_order.payment_deadline.timestamp())}"' in html
    assert f'data-status-url="{order_url("order_status", qris_order)}"' in html
    assert "Simulasi pembayaran" in html  # the simulator's instructions, step by step


def test_the_qr_encodes_the_qr_string_tripay_gave(signed_in, qris_order):
    gateway = qris_order.gateway_payment
    gateway.qr_string = "00020101021226670016COM.NOBUBANK.WWW"
    gateway.save()
    other = page_of(signed_in, qris_order)
    gateway.qr_string = "00020101021226670016COM.NOBUBANK.WWX"
    gateway.save()

    assert re.search(r"<svg.*?</svg>", other, re.S).group(0) != re.search(
        r"<svg.*?</svg>", page_of(signed_in, qris_order), re.S
    ).group(0)


@pytest.mark.parametrize(("channel", "heading"), [("BRIVA", "Nomor Virtual Account"), ("ALFAMART", "Kode pembayaran")])
def test_a_pay_code_is_shown_as_selectable_text_with_a_copy_button(
    simulated_tripay, signed_in, buyer, product, channel, heading
):
    order = factories.order(buyer, (product, 1), payment_method="tripay", payment_channel=channel)
    pay_code = order.gateway_payment.pay_code
    assert pay_code

    html = page_of(signed_in, order)

    assert heading in html
    assert f'<span class="pay-code" id="pay-code">{pay_code}</span>' in html
    # The button appears with JavaScript only; without it the code is plain selectable text.
    assert 'data-copy-target="pay-code" hidden' in html
    assert 'class="qr-code"' not in html


def test_instruction_steps_keep_simple_formatting_only(signed_in, qris_order):
    gateway = qris_order.gateway_payment
    gateway.instructions = [
        {
            "title": "Via <i>aplikasi</i>",
            "steps": [
                "Masukkan kode <b>123</b> lalu <strong>Bayar</strong><br><em>selesai</em>",
                '<script>alert("x")</script>Jangan <img src=x onerror="alert(1)">jalankan',
                '<a href="javascript:alert(1)">tautan</a> <span style="color:red" onclick="x()">teks</span>',
            ],
        },
        "not an instruction",
    ]
    gateway.save()

    html = page_of(signed_in, qris_order)

    assert "<li>Masukkan kode <b>123</b> lalu <strong>Bayar</strong><br><em>selesai</em></li>" in html
    assert "<li>Jangan jalankan</li>" in html
    assert "<li>tautan teks</li>" in html
    assert "alert(" not in html and "onerror" not in html and "javascript:" not in html
    assert "<summary>Via &lt;i&gt;aplikasi&lt;/i&gt;</summary>" in html  # a title is text


def test_tripays_checkout_page_is_linked_when_it_is_a_secure_address(signed_in, qris_order):
    gateway = qris_order.gateway_payment
    gateway.checkout_url = "https://tripay.co.id/checkout/DEV-123"
    gateway.save()
    assert 'href="https://tripay.co.id/checkout/DEV-123"' in page_of(signed_in, qris_order)

    gateway.checkout_url = "javascript:alert(1)"
    gateway.save()
    html = page_of(signed_in, qris_order)
    assert "Buka halaman pembayaran TriPay" not in html and "javascript:alert" not in html


def test_a_bank_transfer_order_keeps_its_own_page(simulated_tripay, signed_in, order):
    html = page_of(signed_in, order)

    assert "Unggah bukti transfer" in html and "Rekening tujuan" in html
    assert "qr-code" not in html and "data-status-url" not in html and "data-simulate-payment" not in html


def test_a_paid_tripay_order_says_so_and_no_longer_asks_for_payment(signed_in, qris_order):
    post_callback(signed_in, signed_callback_on(page_of(signed_in, qris_order)))

    html = page_of(signed_in, qris_order)

    assert "Diproses" in html and "sudah diterima" in html
    assert "qr-code" not in html and "data-status-url" not in html


# --- The status the page polls ---------------------------------------------------------------


def test_the_status_endpoint_answers_the_buyers_own_order(signed_in, qris_order):
    response = signed_in.get(order_url("order_status", qris_order))

    assert response.status_code == 200
    assert response.json() == {"status": "pending_payment", "label": "Menunggu Pembayaran"}
    assert "no-store" in response["Cache-Control"]


def test_the_status_of_another_buyers_order_answers_404(qris_order, other_buyer, client):
    stranger = helpers.signed_in(other_buyer)
    assert stranger.get(order_url("order_status", qris_order)).status_code == 404
    assert stranger.get(reverse("shop:order_status", kwargs={"number": "TK-20990101-9999"})).status_code == 404
    anonymous = client.get(order_url("order_status", qris_order))
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("account_login"))


# --- Simulasikan pembayaran (development only) -----------------------------------------------


def test_the_simulate_button_pays_through_the_real_callback(signed_in, qris_order):
    html = page_of(signed_in, qris_order)
    assert "Simulasikan pembayaran" in html
    assert f'data-callback-url="{CALLBACK}"' in html
    signed = signed_callback_on(html)

    response = post_callback(signed_in, signed)

    assert response.status_code == 200 and response.json() == {"success": True}
    qris_order.refresh_from_db()
    assert qris_order.status == OrderStatus.PROCESSED
    callback = GatewayCallback.objects.get(order=qris_order)
    assert (callback.signature_valid, callback.outcome) == (True, GatewayCallback.Outcome.PAID)
    assert Notification.objects.filter(order=qris_order, kind=Notification.Kind.PAID).exists()
    assert signed_in.get(order_url("order_status", qris_order)).json()["status"] == "processed"


def test_a_replayed_simulated_callback_changes_nothing(signed_in, qris_order):
    signed = signed_callback_on(page_of(signed_in, qris_order))
    post_callback(signed_in, signed)

    again = post_callback(signed_in, signed)

    assert again.status_code == 200
    assert Notification.objects.filter(order=qris_order, kind=Notification.Kind.PAID).count() == 1


def switch_debug_off(settings):
    settings.DEBUG = False


def set_tripay_keys(settings):
    settings.TRIPAY_MERCHANT_CODE, settings.TRIPAY_API_KEY, settings.TRIPAY_PRIVATE_KEY = "T0001", "key", "secret"


@pytest.mark.parametrize("leave_development", [switch_debug_off, set_tripay_keys], ids=["debug-off", "tripay-keys"])
def test_outside_development_no_button_and_no_signed_body(signed_in, qris_order, settings, leave_development):
    leave_development(settings)

    html = page_of(signed_in, qris_order)

    assert "data-simulate-payment" not in html and "Mode pengembangan" not in html
    assert signed_callback_on(html) is None and "X-Callback-Signature" not in html
    assert simulation.paid_callback(qris_order) is None


def test_no_address_of_the_shop_hands_out_a_signed_body():
    """The signed body lives only on the order page while simulating: there is no endpoint to ask for one."""
    names = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                names.append(f"{prefix}{pattern.pattern} {pattern.name or ''} {pattern.lookup_str}".lower())

    walk(get_resolver().url_patterns)

    assert names and not [name for name in names if "simul" in name]


@pytest.mark.parametrize("leave_development", [switch_debug_off, set_tripay_keys], ids=["debug-off", "tripay-keys"])
def test_outside_development_a_body_signed_with_the_development_key_is_refused(
    signed_in, qris_order, settings, leave_development
):
    signed = signed_callback_on(page_of(signed_in, qris_order))
    leave_development(settings)

    response = post_callback(signed_in, signed)

    assert response.status_code in (403, 503) and response.json()["success"] is False
    qris_order.refresh_from_db()
    assert qris_order.status == OrderStatus.PENDING_PAYMENT


# --- The order-placed email ------------------------------------------------------------------


def placed_email(order):
    mail.outbox.clear()
    send_buyer_email(order.pk, Notification.Kind.PLACED)
    (message,) = mail.outbox
    return message.body, message.alternatives[0][0]


def test_the_order_placed_email_of_a_qris_order_says_how_to_pay(qris_order):
    text, html = placed_email(qris_order)

    order_page = order_url("order_detail", qris_order)
    for body in (text, html):
        assert qris_order.gateway_payment.channel_name in body
        assert format_rupiah(qris_order.total) in body
        assert "Pindai kode QR" in body and order_page in body
        assert "WIB" in body
        assert "rekening" not in body and "kode unik" not in body and "Setelah transfer" not in body


def test_the_order_placed_email_of_a_virtual_account_order_gives_the_pay_code(simulated_tripay, buyer, product):
    order = factories.order(buyer, (product, 1), payment_method="tripay", payment_channel="BRIVA")

    text, html = placed_email(order)

    for body in (text, html):
        assert "Kode pembayaran" in body and order.gateway_payment.pay_code in body
        assert "Pindai kode QR" not in body


def test_the_order_placed_email_of_a_bank_transfer_order_still_gives_the_accounts(order):
    text, html = placed_email(order)

    for body in (text, html):
        assert "rekening" in body and "(termasuk kode unik)" in body and "Pindai kode QR" not in body
