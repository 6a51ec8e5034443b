"""The CS queues at phone width (issue 17, item 5): the row's action button shows its whole label."""

import pytest

from shop.orders.services.payment import submit_payment_proof
from tests import factories
from tests.browser.test_region_pickers import open_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_confirm_button_is_not_clipped_on_a_phone(journey, product, buyer, cs1_user):
    from playwright.sync_api import expect

    product.stock = 5
    product.save()
    order = factories.order(buyer, (product, 1))
    submit_payment_proof(order, buyer, factories.proof_file())
    page = open_as(journey, "cs1", cs1_user, viewport={"width": 390, "height": 844})

    with journey.step("antrean verifikasi di layar ponsel"):
        page.goto(journey.url("/admin/verifikasi-pembayaran/"))
        button = page.get_by_role("link", name="Konfirmasi pembayaran")
        expect(button).to_be_visible()
        # Nothing of the label is cut off: the text fits the button it is in.
        clipped = button.evaluate("b => b.scrollWidth > b.clientWidth || b.scrollHeight > b.clientHeight")
        assert not clipped
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
