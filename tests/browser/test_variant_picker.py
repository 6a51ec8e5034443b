"""The variant picker in Chromium (issue 18): a buyer picks a hijab's colour with the keyboard alone,
on a desktop and on a phone-sized screen (Tab, or the arrow keys along a row); price, stock state
and picture follow; a sold-out colour cannot be picked; the colour chosen is what lands in the cart. With two option types, picking a
colour whose chosen size is sold out moves the size to one in stock. Without JavaScript the same
form is a plain select (tests/storefront/test_variants.py)."""

import re

import pytest

from shop.models import CartItem, ProductImage
from tests import factories
from tests.browser.test_region_pickers import PHONE, tab_to
from tests.storefront.test_page_queries import picture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def hijab(catalog_page, category):
    """Hijab Voal in six colours (Maroon sold out, Sage Rp 95.000), a picture of the whole range
    and one captioned "Sage"."""
    product, variants = factories.make_variant_product(category=category)
    ProductImage.objects.create(product=product, image=picture("semua warna"), sort_order=0)
    ProductImage.objects.create(product=product, image=picture("sage"), caption="Sage", sort_order=1)
    return product, variants


def colour(page, name):
    return page.get_by_role("group", name=re.compile(r"^Warna")).get_by_role("button", name=re.compile(f"^{name}"))


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "390 px"])
def test_a_colour_picked_by_keyboard_alone_sets_price_stock_and_picture_and_is_what_is_bought(journey, hijab, viewport):
    from playwright.sync_api import expect

    product, variants = hijab
    page = journey.page_for("pembeli")
    page.set_viewport_size(viewport)

    with journey.step("1 halaman produk: tombol warna, pilihan pertama yang ada stoknya"):
        page.goto(journey.url(product.get_absolute_url()))
        expect(colour(page, "Hitam")).to_have_attribute("aria-pressed", "true")
        expect(page.locator("[data-variant-price]")).to_have_text("Rp 85.000")
        expect(page.locator("[data-variant-stock]")).to_have_text("Stok tinggal 5")
        expect(page.locator("select[name=variant]")).to_be_hidden()
        # No sideways scrolling on a phone: the rows of buttons wrap.
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    with journey.step("2 warna habis tidak bisa dipilih"):
        maroon = colour(page, "Maroon")
        expect(maroon).to_be_disabled()
        expect(maroon).to_have_accessible_name(re.compile(r"Maroon\s+habis"))

    with journey.step("3 memilih Sage dengan keyboard"):
        tab_to(page, ".variant-button[aria-pressed=true]")
        for _ in range(4):  # Navy, Mocca, Dusty Pink (Maroon is skipped: disabled), Sage
            page.keyboard.press("Tab")
        expect(page.locator(":focus")).to_have_text("Sage")
        page.keyboard.press("Space")
        expect(colour(page, "Sage")).to_have_attribute("aria-pressed", "true")
        expect(colour(page, "Hitam")).to_have_attribute("aria-pressed", "false")
        expect(page.locator("[data-variant-price]")).to_have_text("Rp 95.000")
        expect(page.locator("[data-variant-sku]")).to_have_text(variants["Sage"].sku)
        expect(page.get_by_role("group", name=re.compile(r"^Warna"))).to_have_accessible_name("Warna: Sage")
        expect(page.locator("select[name=variant]")).to_have_value(str(variants["Sage"].pk))
        # The gallery shows the picture captioned Sage (its second), without the page jumping to it.
        page.wait_for_function(
            "() => { const g = document.querySelector('.product-gallery');"
            " return Math.abs(g.scrollLeft - document.getElementById('gambar-2').offsetLeft"
            " + g.firstElementChild.offsetLeft) < 2; }"
        )
        assert f"varian={variants['Sage'].pk}" in page.url

    with journey.step("3b panah kiri dan kanan berpindah di baris warna, melewati yang habis"):
        focused = page.locator(":focus")
        for key, expected in [
            ("Home", "Hitam"),
            ("ArrowLeft", "Sage"),
            ("Home", "Hitam"),
            ("ArrowRight", "Navy"),
            ("ArrowRight", "Mocca"),
            ("End", "Sage"),
        ]:
            page.keyboard.press(key)
            expect(focused).to_have_text(re.compile(f"^{expected}"))
        expect(colour(page, "Sage")).to_have_attribute("aria-pressed", "true")  # moving the focus picks nothing

    with journey.step("4 menambah ke keranjang dengan keyboard"):
        tab_to(page, "form.add-to-cart button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/keranjang/"))
        expect(page.locator("body")).to_contain_text("Hijab Voal — Sage")
        assert [(item.variant_id, item.quantity) for item in CartItem.objects.all()] == [(variants["Sage"].pk, 1)]


def test_a_colour_sold_out_in_the_size_chosen_moves_the_size(journey, catalog_page):
    from playwright.sync_api import expect

    product, variants = factories.make_variant_product(
        [(("Putih", "S"), 2), (("Putih", "M"), 2), (("Hitam", "S"), 0), (("Hitam", "M"), 3)],
        option_names=("Warna", "Ukuran"),
        name="Mukena Katun",
    )
    page = journey.page_for("pembeli")
    page.set_viewport_size(PHONE)

    with journey.step("1 Putih / S terpilih; Hitam habis di ukuran S tapi masih bisa dipilih"):
        page.goto(journey.url(product.get_absolute_url()))
        sizes = page.get_by_role("group", name=re.compile(r"^Ukuran"))
        expect(sizes.get_by_role("button", name=re.compile("^S"))).to_have_attribute("aria-pressed", "true")
        hitam = colour(page, "Hitam")
        expect(hitam).to_be_enabled()
        expect(hitam).to_have_accessible_name(re.compile(r"Hitam\s+habis"))

    with journey.step("2 memilih Hitam memindah ukuran ke M"):
        hitam.click()
        expect(hitam).to_have_attribute("aria-pressed", "true")
        expect(sizes.get_by_role("button", name=re.compile("^M"))).to_have_attribute("aria-pressed", "true")
        expect(sizes.get_by_role("button", name=re.compile("^S"))).to_have_accessible_name(re.compile(r"S\s+habis"))
        expect(page.locator("select[name=variant]")).to_have_value(str(variants["Hitam / M"].pk))
        expect(page.locator("[data-variant-stock]")).to_have_text("Stok tinggal 3")
        expect(page.locator("form.add-to-cart button[type=submit]")).to_be_enabled()


def test_a_colour_without_a_picture_of_its_own_shows_the_first_picture_again(journey, hijab):
    from playwright.sync_api import expect

    product, _variants = hijab
    page = journey.page_for("pembeli")
    page.set_viewport_size(DESKTOP)
    gallery_at = "() => document.querySelector('.product-gallery').scrollLeft"

    with journey.step("1 Sage menampilkan gambarnya, Hitam kembali ke gambar pertama"):
        page.goto(journey.url(product.get_absolute_url()))
        colour(page, "Sage").click()
        page.wait_for_function(f"() => ({gallery_at})() > 0")
        colour(page, "Hitam").click()
        expect(colour(page, "Hitam")).to_have_attribute("aria-pressed", "true")
        page.wait_for_function(f"() => ({gallery_at})() === 0")
