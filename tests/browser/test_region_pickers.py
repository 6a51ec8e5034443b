"""The region pickers in Chromium (issue 13, items 2 and 7): found by the one search box or walked
province -> kabupaten/kota -> kecamatan -> kelurahan/desa, with the keyboard alone at checkout
(where the shipping options follow the address), by touch on a phone-sized screen, and with
JavaScript switched off.
"""

import re

import pytest
from django.test import Client

from shop.models import Address, Cart, CartItem, Order
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SEARCH_LABEL = "Cari kelurahan, kecamatan atau kode pos"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def shop(category, catalog_page):
    factories.shipping_rate(courier="JNE", service="REG", cost=10_000)
    # Cheaper within DI Yogyakarta: a village picked there must change what shipping costs.
    factories.shipping_rate(courier="JNE", service="REG", cost=7_000, province_id="34")
    return factories.product(category=category, stock=5, name="Bakpia Pathok 20 pcs", price=45_000)


def open_as(journey, who, user, **context_options):
    """A browser of its own for `user`, signed in by the session a test client opened for them."""
    client = Client()
    client.force_login(user)
    context = journey.browser.new_context(
        locale="id-ID", timezone_id="Asia/Jakarta", **{"viewport": {"width": 1280, "height": 900}, **context_options}
    )
    context.set_default_timeout(30_000)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": journey.base_url}])
    page = context.new_page()
    journey.pages[who] = page
    return page


def results(page, **kwargs):
    """The search box's suggestions (not the selects' options)."""
    return page.get_by_role("listbox", name="Hasil pencarian wilayah").get_by_role("option", **kwargs)


def tab_to(page, selector, most=60):
    """Press Tab until the element `selector` has the focus, as someone without a mouse gets there."""
    for _press in range(most):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def picked(page):
    """The four selects' values and the code the form will send."""
    return page.evaluate(
        """() => ({
            levels: [...document.querySelectorAll('[data-region-levels] select')].map(s => s.value),
            code: document.querySelector('[data-region-picker] input[type=hidden][name$=region_code]').value,
        })"""
    )


def test_a_buyer_checks_out_with_the_keyboard_alone(journey, shop, buyer):
    from playwright.sync_api import expect

    page = open_as(journey, "pembeli", buyer)
    keyboard = page.keyboard

    with journey.step("1 kopi di keranjang, ke checkout"):
        CartItem.objects.create(cart=Cart.objects.create(user=buyer), product=shop, quantity=2)
        page.goto(journey.url("/checkout/"))
        expect(page.locator("[data-shipping-options]")).to_contain_text("Pilih alamat tujuan")
        # The no-JavaScript controls have given way to the script's.
        expect(page.locator("[data-region-search-button]")).to_have_count(0)
        expect(page.get_by_role("button", name="Hitung ongkir")).to_have_count(0)
        expect(page.get_by_label("Provinsi")).to_be_visible()

    with journey.step("2 nama dan nomor HP"):
        tab_to(page, "[name='alamat-recipient_name']")
        keyboard.type("Rina Wulandari")
        keyboard.press("Tab")
        keyboard.type("0812 3456 7890")

    with journey.step("3 mencari kelurahan lalu memilih dengan panah dan Enter"):
        keyboard.press("Tab")
        search = page.get_by_role("combobox", name=SEARCH_LABEL)
        expect(search).to_be_focused()
        keyboard.type("sariharjo")
        options = results(page)
        expect(options.first).to_contain_text("Sariharjo")
        expect(search).to_have_attribute("aria-expanded", "true")
        expect(page.locator("[data-region-status]")).to_contain_text("ditemukan")
        keyboard.press("ArrowDown")
        expect(options.first).to_have_attribute("aria-selected", "true")
        expect(search).to_have_attribute("aria-activedescendant", re.compile(r"_hasil-0$"))
        keyboard.press("Enter")
        expect(search).to_have_attribute("aria-expanded", "false")
        expect(page.locator("[data-region-chosen]")).to_contain_text("Sariharjo, Ngaglik, Kabupaten Sleman")
        assert picked(page) == {
            "levels": ["34", "34.04", "34.04.12", factories.SARIHARJO],
            "code": factories.SARIHARJO,
        }
        expect(page.locator("[name='alamat-postal_code']")).to_have_value("55581")
        # The options follow the village: Jogja's own rate.
        expect(page.locator("[data-shipping-options]")).to_contain_text("Rp 7.000")

    with journey.step("4 Escape menutup daftar tanpa memilih"):
        keyboard.type("minomartani")
        expect(results(page).first).to_contain_text("Minomartani")
        keyboard.press("Escape")
        expect(page.get_by_role("listbox")).to_be_hidden()
        assert picked(page)["code"] == factories.SARIHARJO

    with journey.step("5 mengganti kelurahan lewat pilihan kelurahan/desa"):
        tab_to(page, "select[data-level='3']")
        keyboard.press("ArrowDown")  # the next village of Ngaglik, in the list's order
        code = picked(page)["code"]
        assert code.startswith("34.04.12.") and code != factories.SARIHARJO
        expect(page.locator("[data-region-chosen]")).not_to_contain_text("Sariharjo,")

    with journey.step("6 alamat lengkap, ongkir, lalu Enter"):
        tab_to(page, "[name='alamat-street']")
        keyboard.type("Jl. Kaliurang Km 10 No. 5")
        tab_to(page, "input[name=shipping_option]")
        keyboard.press("Space")
        expect(page.locator("input[name=shipping_option]").first).to_be_checked()
        keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/checkout/tinjau/"))
        expect(page.locator("address")).to_contain_text("Ngaglik, Kabupaten Sleman, Daerah Istimewa Yogyakarta")
        expect(page.locator(".review-shipping")).to_contain_text("Rp 7.000")

    with journey.step("7 pesanan dibuat dengan kode wilayah"):
        tab_to(page, "button[type=submit].btn-primary")
        keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/pesanan/TK-"))
        order = Order.objects.get(user=buyer)
        assert (order.region_code, order.district, order.shipping_cost) == (code, "Ngaglik", 7_000)


def test_a_buyer_adds_an_address_on_a_phone(journey, shop, buyer):
    from playwright.sync_api import expect

    page = open_as(journey, "pembeli", buyer, viewport=PHONE, is_mobile=True, has_touch=True)

    with journey.step("1 cari kode pos, daftar muat di layar"):
        page.goto(journey.url("/akun/alamat/baru/"))
        page.get_by_role("combobox", name=SEARCH_LABEL).fill("55581")
        options = results(page)
        expect(options).to_have_count(6)
        box = page.get_by_role("listbox").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    with journey.step("2 ketuk Minomartani"):
        results(page, name=re.compile("Minomartani")).tap()
        expect(page.get_by_label("Kelurahan/desa", exact=True)).to_have_value(factories.MINOMARTANI)
        expect(page.locator("[name=postal_code]")).to_have_value("55581")
        for select in page.locator("[data-region-levels] select").all():
            select_box = select.bounding_box()
            assert select_box["x"] >= 0 and select_box["x"] + select_box["width"] <= PHONE["width"]

    with journey.step("3 kode pos diubah, alamat disimpan"):
        page.get_by_label("Nama penerima").fill("Dewi Lestari")
        page.get_by_label("Telepon").fill("0857 1234 5678")
        page.locator("[name=postal_code]").fill("55582")
        page.get_by_label("Alamat lengkap").fill("Jl. Palagan Tentara Pelajar 9")
        page.get_by_role("button", name="Simpan").tap()
        page.wait_for_url(re.compile(r"/akun/$"))
        expect(page.locator("body")).to_contain_text("Minomartani, Ngaglik, Kabupaten Sleman")
        address = Address.objects.get(user=buyer)
        assert (address.region_code, address.village, address.postal_code) == (
            factories.MINOMARTANI,
            "Minomartani",
            "55582",
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_without_javascript_the_search_box_lists_villages_to_pick(journey, shop, buyer):
    from playwright.sync_api import expect

    page = open_as(journey, "pembeli", buyer, java_script_enabled=False)

    with journey.step("1 mencari dengan Enter"):
        page.goto(journey.url("/akun/alamat/baru/"))
        page.get_by_label("Nama penerima").fill("Budi Santoso")
        page.get_by_label(SEARCH_LABEL).fill("Lebak Gede")
        page.get_by_label(SEARCH_LABEL).press("Enter")
        page.wait_for_load_state()
        expect(page.locator("body")).to_contain_text("Pilih kelurahan/desa untuk “Lebak Gede”")
        expect(page.get_by_label("Nama penerima")).to_have_value("Budi Santoso")
        assert not Address.objects.exists()

    with journey.step("2 memilih lalu menyimpan"):
        page.get_by_role("radio", name=re.compile("Lebak Gede, Coblong")).check()
        page.get_by_label("Telepon").fill("0812 1111 2222")
        page.get_by_label("Alamat lengkap").fill("Jl. Dago No. 1")
        page.get_by_role("button", name="Simpan").click()
        page.wait_for_url(re.compile(r"/akun/$"))
        address = Address.objects.get(user=buyer)
        assert (address.region_code, address.city, address.postal_code) == (
            factories.LEBAK_GEDE,
            "Kota Bandung",
            "40132",
        )
