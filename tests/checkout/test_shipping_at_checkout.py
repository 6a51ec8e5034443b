"""Checkout priced by destination (issue 13, items 3-5): the options are those to the address chosen,
the review and the order take the quoted cost by its key (the buyer cannot change it), Komerce's
failure falls back to the owner's rates with a note, no option means no order (never a cost of 0),
and a free-shipping rule shows "Gratis ongkir" with the cost before it struck out.
"""

import re

import pytest
import responses
from django.urls import reverse

from shop.models import KomerceDestination, Order, ShippingRule, ShippingSettings
from shop.shipping import live
from tests import factories
from tests.helpers import said, signed_in
from tests.integrations import komerce_api

pytestmark = pytest.mark.django_db

CHECKOUT = reverse("shop:checkout")
REVIEW = reverse("shop:checkout_review")


@pytest.fixture
def shopper(client, buyer, product):
    """A signed-in buyer with 2 of `product` (250 g each: one kilogram) in the cart."""
    client = signed_in(buyer, client)
    client.post(reverse("shop:cart_add"), {"product": product.pk, "quantity": 2})
    return client


@pytest.fixture
def rates(db):
    """JNE REG for anywhere, cheaper to DI Yogyakarta; a courier that serves only Sulawesi."""
    return {
        "anywhere": factories.shipping_rate("JNE", "REG", 9_000),
        "jogja": factories.shipping_rate("JNE", "REG", 7_000, province_id="34"),
        "sulawesi": factories.shipping_rate("Kurir Celebes", "Kilat", 5_000, island_group="sulawesi"),
    }


def choose(client, key, address, **extra):
    data = {"saved_address": address.pk, "shipping_option": key, "payment_method": "bank_transfer", **extra}
    return client.post(CHECKOUT, data)


def keys(html):
    return re.findall(r'name="shipping_option" value="([^"]+)"', html)


def fragment(client, **params):
    return client.get(CHECKOUT, {"ongkir": "1", **params})


def snapshot_of(response):
    return re.search(r'name="snapshot" value="([^"]+)"', response.content.decode()).group(1)


def test_the_options_are_those_to_the_address_checkout_starts_with(shopper, buyer, rates):
    factories.village_saved_address(buyer, code=factories.SARIHARJO, is_default=True)

    html = shopper.get(CHECKOUT).content.decode()

    assert keys(html) == [f"tarif:{rates['jogja'].pk}"]
    assert "Rp 7.000" in html and "Rp 9.000" not in html and "Kurir Celebes" not in html


def test_the_page_s_script_gets_the_options_to_another_address_or_village(shopper, buyer, other_buyer, rates):
    makassar = factories.village_saved_address(buyer, code=factories.KARUWISI)
    theirs = factories.village_saved_address(other_buyer, code=factories.KARUWISI)

    to_makassar = fragment(shopper, alamat=makassar.pk).content.decode()
    assert sorted(keys(to_makassar)) == sorted([f"tarif:{rates['anywhere'].pk}", f"tarif:{rates['sulawesi'].pk}"])
    assert "<html" not in to_makassar, "a fragment of the page, not a page"

    to_bandung = fragment(shopper, wilayah=factories.LEBAK_GEDE, pilihan=f"tarif:{rates['anywhere'].pk}")
    assert re.search(rf'value="tarif:{rates["anywhere"].pk}"[^>]*checked', to_bandung.content.decode())
    assert to_bandung["Cache-Control"].startswith("max-age=0")

    for params in ({"alamat": theirs.pk}, {"alamat": "abc"}, {"wilayah": "34.04.12"}, {"wilayah": "x' OR 1=1"}):
        html = fragment(shopper, **params).content.decode()
        assert not keys(html) and "Pilih alamat tujuan" in html, params


def test_hitung_ongkir_without_javascript_prices_the_address_picked_and_judges_nothing(shopper, buyer, rates):
    jogja = factories.village_saved_address(buyer, code=factories.SARIHARJO, is_default=True)
    makassar = factories.village_saved_address(buyer, code=factories.KARUWISI)

    response = choose(shopper, f"tarif:{rates['jogja'].pk}", makassar, hitung_ongkir="1")

    html = response.content.decode()
    assert response.status_code == 200 and "checkout" not in shopper.session
    assert f"tarif:{rates['sulawesi'].pk}" in keys(html)
    assert re.search(rf'name="saved_address" value="{makassar.pk}"[^>]*checked', html)
    assert 'class="errorlist' not in html
    assert jogja.pk != makassar.pk


def test_an_option_not_offered_to_the_address_is_refused(shopper, buyer, rates):
    jogja = factories.village_saved_address(buyer, code=factories.SARIHARJO)

    response = choose(shopper, f"tarif:{rates['sulawesi'].pk}", jogja)

    assert response.status_code == 200 and "checkout" not in shopper.session
    assert "Pilih jasa pengiriman dari daftar ongkos kirim ke alamat ini" in response.content.decode()


def test_the_cost_is_the_quote_s_whatever_is_posted(shopper, buyer, product, rates):
    jogja = factories.village_saved_address(buyer, code=factories.SARIHARJO)
    choose(shopper, f"tarif:{rates['jogja'].pk}", jogja, shipping_cost="0", cost="0")

    review = shopper.get(REVIEW)

    assert review.context["shipping"].cost == 7_000
    assert review.context["total"] == 2 * product.price + 7_000


def test_with_no_option_to_the_address_nothing_can_be_ordered_and_nothing_is_free(shopper, buyer):
    factories.shipping_rate("Kurir Celebes", "Kilat", 5_000, island_group="sulawesi")
    jogja = factories.village_saved_address(buyer, code=factories.SARIHARJO, is_default=True)

    html = shopper.get(CHECKOUT).content.decode()
    assert "Belum ada pilihan pengiriman ke alamat ini" in html and not keys(html)
    assert "Rp 0" not in html

    response = choose(shopper, "", jogja)
    assert response.status_code == 200 and "Pilih jasa pengiriman." in response.content.decode()
    assert shopper.get(REVIEW).url == CHECKOUT


def test_the_quote_s_note_is_shown(shopper, buyer, rates):
    factories.village_saved_address(buyer, is_default=True)
    # Komerce is not set up in tests: the owner's rates, said so.
    assert str(live.NOT_SET) in shopper.get(CHECKOUT).content.decode()


def test_an_old_session_choice_or_an_option_gone_sends_the_buyer_back(shopper, buyer, rates):
    jogja = factories.village_saved_address(buyer, code=factories.SARIHARJO)
    choose(shopper, f"tarif:{rates['jogja'].pk}", jogja)
    rates["jogja"].delete()

    response = shopper.get(REVIEW, follow=True)

    assert response.redirect_chain[-1][0] == CHECKOUT
    assert said(response, "tidak tersedia lagi ke alamat ini")
    # The rate for anywhere now serves Jogja: offered again, at its own price.
    assert keys(response.content.decode()) == [f"tarif:{rates['anywhere'].pk}"]


# --- Free shipping --------------------------------------------------------------------------------


def test_free_shipping_shows_the_cost_struck_and_the_order_keeps_what_was_taken_off(shopper, buyer, product, rates):
    ShippingRule.objects.create(name="Gratis ongkir se-Jawa", island_group="jawa")
    jogja = factories.village_saved_address(buyer, code=factories.SARIHARJO, is_default=True)

    page = shopper.get(CHECKOUT).content.decode()
    option = re.search(r'<label class="radio-option shipping-option".*?</label>', page, re.S).group(0)
    assert re.search(r"<s[^>]*>.*Rp 7\.000</s>", option, re.S) and "Gratis ongkir</strong>" in option
    assert "Gratis ongkir se-Jawa" in option and "2-3 hari" in option

    choose(shopper, f"tarif:{rates['jogja'].pk}", jogja)
    review = shopper.get(REVIEW)
    html = review.content.decode()
    assert re.search(r"<s[^>]*>.*Rp 7\.000</s>", html, re.S) and "Gratis ongkir se-Jawa" in html
    assert review.context["total"] == 2 * product.price

    shopper.post(REVIEW, {"snapshot": snapshot_of(review)})
    order = Order.objects.get()
    assert (order.shipping_cost, order.shipping_discount, order.shipping_etd) == (0, 7_000, "2-3 hari")
    assert (order.shipping_courier, order.shipping_service) == ("JNE", "REG")
    order_page = shopper.get(reverse("shop:order_detail", args=[order.number])).content.decode()
    assert re.search(r"<s[^>]*>.*Rp 7\.000</s>", order_page, re.S) and "Gratis ongkir" in order_page


def test_a_capped_discount_shows_both_costs(shopper, buyer, rates):
    ShippingRule.objects.create(name="Potongan ongkir Rp 5.000", max_discount=5_000)
    factories.village_saved_address(buyer, code=factories.LEBAK_GEDE, is_default=True)

    option = re.search(
        r'<span class="shipping-cost">.*?</span>\s*</label>', shopper.get(CHECKOUT).content.decode(), re.S
    )

    assert re.search(r"<s[^>]*>.*Rp 9\.000</s>\s*<strong>Rp 4\.000</strong>", option.group(0), re.S)


def test_a_rule_for_another_island_changes_nothing(shopper, buyer, rates):
    ShippingRule.objects.create(name="Gratis ongkir Sulawesi", island_group="sulawesi")
    factories.village_saved_address(buyer, code=factories.SARIHARJO, is_default=True)

    html = shopper.get(CHECKOUT).content.decode()

    assert "<s " not in html and "<s>" not in html
    assert "Gratis ongkir Sulawesi" not in html


# --- Komerce ---------------------------------------------------------------------------------------


@pytest.fixture
def komerce(settings):
    """Komerce set up, sending from Ngaglik, with the ids of the origin and of Sariharjo already known."""
    komerce_api.configure(settings)
    shipping = ShippingSettings.load()
    shipping.origin_district_id = komerce_api.ORIGIN_DISTRICT
    shipping.save()
    KomerceDestination.objects.create(region_code=komerce_api.ORIGIN_DISTRICT, komerce_id=komerce_api.ORIGIN_ID)
    KomerceDestination.objects.create(region_code=factories.SARIHARJO, komerce_id=31553)
    with responses.RequestsMock() as api:
        yield api


def test_live_costs_are_offered_reviewed_and_ordered_by_their_key(komerce, shopper, buyer, product):
    komerce_api.answer(komerce, komerce_api.COST_URL, komerce_api.cost_answer())
    jogja = factories.village_saved_address(buyer, code=factories.SARIHARJO, is_default=True)

    html = shopper.get(CHECKOUT).content.decode()
    assert "komerce:sicepat:REG" in keys(html) and "1-2 hari" in html
    assert str(live.NOT_SET) not in html

    choose(shopper, "komerce:sicepat:REG", jogja)
    review = shopper.get(REVIEW)
    shopper.post(REVIEW, {"snapshot": snapshot_of(review)})

    order = Order.objects.get()
    assert (order.shipping_courier, order.shipping_service, order.shipping_cost) == ("SiCepat", "REG", 16_000)
    assert order.shipping_etd == "1-2 hari"
    assert len(komerce.calls) == 1, "the review and the order take the cached quote"


def test_when_komerce_fails_checkout_offers_the_owner_s_rates_with_a_note(komerce, shopper, buyer, rates):
    komerce_api.answer(komerce, komerce_api.COST_URL, komerce_api.SERVER_ERROR, status=500)
    jogja = factories.village_saved_address(buyer, code=factories.SARIHARJO, is_default=True)

    html = shopper.get(CHECKOUT).content.decode()

    assert str(live.FAILED) in html
    assert keys(html) == [f"tarif:{rates['jogja'].pk}"]
    assert choose(shopper, f"tarif:{rates['jogja'].pk}", jogja).url == REVIEW
