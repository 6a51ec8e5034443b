"""A buyer pays by QRIS in a real browser, in development without a TriPay account (issue 12, item 9).

Checkout with QRIS, the QR drawn on the order page, "Simulasikan pembayaran" posting a signed
callback to the shop's real endpoint, and the page turning to "Diproses" by itself: the test
never reloads it. The receipt email is then owed.
"""

import re

import pytest

from shop.models import Notification, Order, OrderStatus
from tests import factories
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def shop(simulated_tripay, category, catalog_page):
    factories.shipping_rate(courier="JNE", service="REG", cost=10_000)
    return factories.product(category=category, stock=5, name="Kopi Toraja 250 g", price=95_000)


def test_a_buyer_pays_by_qris_and_sees_the_order_processed(journey, shop, buyer):
    from playwright.sync_api import expect

    page = journey.page_for("pembeli")

    with journey.step("1 pembeli masuk dan menaruh kopi di keranjang"):
        page.goto(journey.url("/accounts/login/"))
        login = page.locator("form[action='/accounts/login/']")
        login.locator("input[name=login]").fill(buyer.email)
        login.locator("input[name=password]").fill(PASSWORD)
        login.locator("button[type=submit]").click()
        page.wait_for_load_state()
        page.goto(journey.url(shop.get_absolute_url()))
        page.locator("form.add-to-cart button[type=submit]").click()
        page.wait_for_url(re.compile(r"/keranjang/"))

    with journey.step("2 checkout dengan QRIS"):
        page.goto(journey.url("/checkout/"))
        for field, value in {
            "recipient_name": "Budi Santoso",
            "phone": "0813 2222 3333",
            "street": "Jl. Pengayoman No. 7",
        }.items():
            page.fill(f"[name='alamat-{field}']", value)
        page.get_by_role("combobox", name="Cari kelurahan, kecamatan atau kode pos").fill("90231")
        page.get_by_role("option", name=re.compile(r"^Panaikang, Panakkukang")).click()
        page.locator("input[name=shipping_option]").first.check()
        qris = page.locator("label.payment-option", has=page.locator("input[value='tripay:QRIS']"))
        expect(qris).to_contain_text("+ Rp")
        qris.click()
        page.get_by_role("button", name="Lanjut ke tinjauan").click()
        page.wait_for_url(re.compile(r"/checkout/tinjau/"))
        expect(page.locator(".review-payment")).to_contain_text("QRIS")
        expect(page.locator("body")).to_contain_text("Biaya layanan (QRIS)")
        page.get_by_role("button", name="Buat Pesanan").click()
        page.wait_for_url(re.compile(r"/pesanan/TK-"))
        order = Order.objects.get(user=buyer)
        assert (order.payment_method, order.status) == ("tripay", OrderStatus.PENDING_PAYMENT)

    with journey.step("3 kode QR tampil"):
        expect(page.locator("h1")).to_contain_text("Menunggu Pembayaran")
        expect(page.locator("svg.qr-code")).to_be_visible()
        expect(page.locator(".countdown")).to_contain_text("sisa")

    with journey.step("4 simulasi pembayaran, halaman berubah sendiri"):
        page.get_by_role("button", name="Simulasikan pembayaran").click()
        expect(page.locator("h1")).to_contain_text("Diproses")
        expect(page.locator("svg.qr-code")).to_have_count(0)
        expect(page.locator("body")).to_contain_text("sudah diterima")
        order.refresh_from_db()
        assert order.status == OrderStatus.PROCESSED

    with journey.step("5 email kuitansi terutang"):
        assert Notification.objects.filter(order=order, kind=Notification.Kind.PAID).exists()
