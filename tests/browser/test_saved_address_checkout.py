"""Checkout with an address book (issue 17, item 11): the saved default address is picked already,
and the new-address form, with its required marks, shows only when the buyer asks for a new address.
"""

import pytest

from shop.models import Cart, CartItem
from tests import factories
from tests.browser.test_region_pickers import open_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def shop(category, catalog_page):
    factories.shipping_rate(courier="JNE", service="REG", cost=10_000)
    return factories.product(category=category, stock=5, name="Bakpia Pathok 20 pcs", price=45_000)


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_new_address_form_shows_only_when_asked_for(journey, shop, buyer, viewport):
    from playwright.sync_api import expect

    home = factories.village_saved_address(buyer, is_default=True, label="Rumah")
    page = open_as(journey, "pembeli", buyer, **({"viewport": viewport} if viewport else {}))
    CartItem.objects.create(cart=Cart.objects.create(user=buyer), product=shop, quantity=1)
    recipient = page.locator("[name='alamat-recipient_name']")

    with journey.step("alamat tersimpan sudah terpilih"):
        page.goto(journey.url("/checkout/"))
        expect(page.locator(f"input[name=saved_address][value='{home.pk}']")).to_be_checked()
        expect(page.get_by_role("heading", name="Alamat baru")).to_be_hidden()
        expect(recipient).to_be_hidden()
        expect(page.locator("[data-shipping-options] input[name=shipping_option]").first).to_be_visible()

    with journey.step("memilih alamat baru membuka formulirnya"):
        page.locator("input[name=saved_address][value='']").check()
        expect(recipient).to_be_visible()

    with journey.step("kembali ke alamat tersimpan menutupnya lagi"):
        page.locator(f"input[name=saved_address][value='{home.pk}']").check()
        expect(recipient).to_be_hidden()
