"""The whole journey of an order in a real browser, as seed 000 tells it.

A buyer signs up, puts two products in the cart, checks out and uploads a photo of the transfer;
CS Layer 1 logs into the admin and confirms the payment; CS Layer 2 prints the packing slip and
ships with a tracking number; the buyer sees "Dikirim" and the number.
"""

import re

import pytest
from PIL import Image

from shop.models import Order, OrderStatus
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

BUYER_EMAIL = "rina.buyer@example.com"
BUYER_PASSWORD = "Kopi-Gayo-2024!"
STAFF_PASSWORD = "rahasia-123"  # tests/conftest.py's staff accounts
TRACKING_NUMBER = "SCP1234567890"


@pytest.fixture
def shop(category, catalog_page, tmp_path):
    kopi = factories.product(category=category, stock=10, name="Kopi Gayo 250 g", price=85_000)
    teh = factories.product(category=category, stock=10, name="Teh Melati 100 g", price=25_000)
    factories.shipping_rate(courier="JNE", service="REG", cost=10_000)
    proof = tmp_path / "bukti-transfer.png"
    Image.new("RGB", (360, 640), "white").save(proof)
    return {"products": [kopi, teh], "proof": proof}


def admin_login(journey, page, user):
    # The admin's login is the shop's own (one login, one lockout for staff and buyers).
    page.goto(journey.url("/admin/"))
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/$"))


def test_an_order_from_sign_up_to_shipped(journey, shop, cs1_user, cs2_user):
    from playwright.sync_api import expect

    kopi, teh = shop["products"]
    buyer = journey.page_for("pembeli")

    with journey.step("1 pembeli mendaftar"):
        buyer.goto(journey.url("/accounts/signup/"))
        signup = buyer.locator("form[action$='/accounts/signup/']")
        signup.locator("input[name=email]").fill(BUYER_EMAIL)
        signup.locator("input[name=password1]").fill(BUYER_PASSWORD)
        signup.locator("input[name=password2]").fill(BUYER_PASSWORD)
        signup.locator("button[type=submit]").click()
        buyer.wait_for_load_state()
        assert "/accounts/signup/" not in buyer.url

    with journey.step("2 menambah dua produk ke keranjang"):
        for product in (kopi, teh):
            buyer.goto(journey.url(product.get_absolute_url()))
            buyer.locator("form.add-to-cart button[type=submit]").click()
            buyer.wait_for_url(re.compile(r"/keranjang/"))
        expect(buyer.locator("body")).to_contain_text(kopi.name)
        expect(buyer.locator("body")).to_contain_text(teh.name)

    with journey.step("3 checkout"):
        buyer.goto(journey.url("/checkout/"))
        for field, value in {
            "recipient_name": "Rina Wulandari",
            "phone": "0812 3456 7890",
            "street": "Jl. Ngesrep Timur V No. 12",
        }.items():
            buyer.fill(f"[name='alamat-{field}']", value)
        buyer.get_by_role("combobox", name="Cari kelurahan, kecamatan atau kode pos").fill("Tembalang Semarang")
        buyer.get_by_role("option", name=re.compile(r"^Tembalang, Tembalang")).click()
        expect(buyer.locator("[name='alamat-postal_code']")).to_have_value(re.compile(r"^502\d\d$"))
        buyer.locator("input[name=shipping_option]").first.check()
        buyer.locator("input[name=payment_method][value=bank_transfer]").check()
        buyer.get_by_role("button", name="Lanjut ke tinjauan").click()
        buyer.wait_for_url(re.compile(r"/checkout/tinjau/"))
        buyer.get_by_role("button", name="Buat Pesanan").click()
        buyer.wait_for_url(re.compile(r"/pesanan/TK-"))
        order = Order.objects.get(user__email=BUYER_EMAIL)
        assert sorted(order.lines.values_list("name", flat=True)) == sorted([kopi.name, teh.name])
        assert (order.village, order.district, order.city) == ("Tembalang", "Tembalang", "Kota Semarang")

    with journey.step("4 pembeli mengunggah bukti transfer"):
        buyer.set_input_files("input[type=file][name=file]", str(shop["proof"]))
        buyer.get_by_role("button", name="Kirim bukti transfer").click()
        buyer.wait_for_load_state()
        expect(buyer.locator("h1")).to_contain_text("Menunggu Verifikasi")
        order.refresh_from_db()
        assert order.status == OrderStatus.WAITING_VERIFICATION

    cs1 = journey.page_for("cs1")
    with journey.step("5 CS L1 masuk ke admin"):
        admin_login(journey, cs1, cs1_user)
        cs1.get_by_role("link", name=re.compile("Menunggu verifikasi")).click()
        cs1.wait_for_url(re.compile(r"/admin/verifikasi-pembayaran/"))
        cs1.get_by_role("link", name=order.number).first.click()
        expect(cs1.locator("[data-proof-image]")).to_be_visible()

    with journey.step("6 CS L1 mengonfirmasi pembayaran"):
        cs1.locator("[data-order-actions] [data-action=confirm]").click()
        cs1.get_by_role("button", name=re.compile("Ya, konfirmasi pembayaran")).click()
        cs1.wait_for_url(re.compile(r"/admin/verifikasi-pembayaran/$"))
        expect(cs1.locator("body")).to_contain_text("dikonfirmasi")
        order.refresh_from_db()
        assert order.status == OrderStatus.PROCESSED

    cs2 = journey.page_for("cs2")
    with journey.step("7 CS L2 mencetak slip pengemasan"):
        admin_login(journey, cs2, cs2_user)
        cs2.get_by_role("link", name=re.compile("Perlu dikirim")).click()
        cs2.wait_for_url(re.compile(r"/admin/pemrosesan-pesanan/"))
        cs2.get_by_role("link", name=order.number).first.click()
        with cs2.context.expect_page() as opened:
            cs2.get_by_role("link", name=re.compile("Slip pengemasan")).click()
        slip = opened.value
        slip.wait_for_load_state()
        expect(slip.locator("[data-order-number]")).to_have_text(order.number)
        expect(slip.locator("body")).to_contain_text("Rina Wulandari")
        expect(slip.locator("[data-region-path]")).to_contain_text("Tembalang, Tembalang, Kota Semarang")
        expect(slip.locator("body")).to_contain_text(kopi.sku)
        slip.close()

    with journey.step("8 CS L2 mengirim dengan nomor resi"):
        cs2.locator("[data-order-actions] [data-action=ship]").click()
        cs2.select_option("select[name=courier]", "sicepat")
        cs2.fill("input[name=tracking_number]", TRACKING_NUMBER)
        cs2.locator("form[method=post] button[type=submit]").last.click()
        cs2.wait_for_url(re.compile(r"/admin/pemrosesan-pesanan/$"))
        order.refresh_from_db()
        assert (order.status, order.tracking_number) == (OrderStatus.SHIPPED, TRACKING_NUMBER)

    with journey.step("9 pembeli melihat Dikirim dan nomor resi"):
        buyer.goto(journey.url(f"/pesanan/{order.number}/"))
        expect(buyer.locator("h1")).to_contain_text("Dikirim")
        expect(buyer.locator("body")).to_contain_text(TRACKING_NUMBER)
