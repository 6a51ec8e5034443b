"""Addresses by region (issue 13, item 2): a village picked from Kemendagri's list, posted as its code.

The names come from the region tables, never from the form; the postal code starts as the village's
and stays editable; without JavaScript the search box posts the form and gets the matching villages
back as radio buttons, nothing typed lost. Old addresses without a village keep working and invite
the buyer to pick it.
"""

import re

import pytest
from django.urls import reverse

from shop.checkout.forms import AddressForm
from shop.models import Address, Order
from shop.services.orders import confirm_payment, place_order, submit_payment_proof
from tests import factories
from tests.helpers import desk_url, said, signed_in

pytestmark = pytest.mark.django_db

NEW = reverse("shop:address_create")
CHECKOUT = reverse("shop:checkout")
REVIEW = reverse("shop:checkout_review")
SEARCH = "find_region"


def address_data(**overrides):
    data = {
        "label": "Rumah",
        "recipient_name": "Dewi Lestari",
        "phone": "0857 1234 5678",
        "region_code": factories.SARIHARJO,
        "postal_code": "",
        "street": "Jl. Kaliurang Km 10 No. 5",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def radios(html, name="region_code"):
    """The values of the radio buttons named `name`, in page order."""
    return re.findall(rf'<input type="radio" name="{name}" value="([^"]+)"', html)


@pytest.fixture
def account(client, buyer):
    return signed_in(buyer, client)


def test_the_names_come_from_the_village_code_and_the_postal_code_from_the_village(account, buyer):
    response = account.post(NEW, address_data(province="Papua", city="Jayapura", district="Abepura"), follow=True)

    address = Address.objects.get(user=buyer)
    assert (address.village, address.district, address.city, address.province) == (
        "Sariharjo",
        "Ngaglik",
        "Kabupaten Sleman",
        "Daerah Istimewa Yogyakarta",
    )
    assert (address.region_code, address.postal_code) == (factories.SARIHARJO, "55581")
    assert said(response, "Alamat disimpan")
    assert "Sariharjo, Ngaglik, Kabupaten Sleman" in response.content.decode()


@pytest.mark.parametrize("code", ["", "34.04.12", "99.99.99.9999", "34.04.12.9999", "34.04.12.2001 OR 1=1", "x" * 200])
def test_a_missing_or_unknown_village_is_refused_in_indonesian_and_nothing_saved(account, code):
    response = account.post(NEW, address_data(region_code=code))

    assert response.status_code == 200
    errors = response.context["form"].errors["region_code"]
    assert any("kelurahan/desa" in error.lower() or "karakter" in error for error in errors), errors
    assert not Address.objects.exists()


def test_a_postal_code_the_buyer_typed_is_kept_and_a_bad_one_refused(account, buyer):
    account.post(NEW, address_data(postal_code="55582"))
    assert Address.objects.get(user=buyer).postal_code == "55582"

    response = account.post(NEW, address_data(postal_code="5558"))
    assert "5 angka" in response.content.decode()
    assert Address.objects.count() == 1


def test_a_postal_code_the_form_filled_in_follows_a_newly_picked_village(account, buyer):
    """Without JavaScript the box still holds the old village's code when another village is picked."""
    account.post(
        NEW, address_data(region_code=factories.LEBAK_GEDE, postal_code="55581", suggested_postal_code="55581")
    )

    assert Address.objects.get(user=buyer).postal_code == "40132"


def test_searching_without_javascript_lists_villages_and_keeps_what_was_typed(account):
    response = account.post(NEW, address_data(region_code=None, region_query="Sariharjo", **{SEARCH: "1"}))

    html = response.content.decode()
    assert response.status_code == 200 and not Address.objects.exists()
    assert factories.SARIHARJO in radios(html)
    assert "Pilih kelurahan/desa untuk “Sariharjo”" in html
    assert 'value="Dewi Lestari"' in html and "Jl. Kaliurang Km 10 No. 5" in html
    assert 'class="errorlist' not in html, "a search is not a failed save"
    # Emptied, so that the next Enter saves instead of searching again.
    assert not re.search(r'name="region_query"[^>]*value="Sariharjo"', html)


def test_a_postal_code_finds_every_village_it_serves(account):
    html = account.post(NEW, address_data(region_code=None, region_query="55581", **{SEARCH: "1"})).content.decode()

    found = radios(html)
    assert {factories.SARIHARJO, factories.MINOMARTANI} <= set(found)
    assert all(code.startswith("34.04.12.") for code in found)


def test_a_search_that_finds_nothing_says_so(account):
    html = account.post(NEW, address_data(region_code=None, region_query="Qwzxy", **{SEARCH: "1"})).content.decode()
    assert "Tidak ada kelurahan/desa yang cocok dengan “Qwzxy”" in html
    assert not radios(html)


def test_enter_in_another_field_with_the_search_box_empty_saves(account, buyer):
    """The search button is the form's first, so Enter anywhere sends it: with nothing to find, it saves."""
    account.post(NEW, address_data(region_query="", **{SEARCH: "1"}))
    assert Address.objects.get(user=buyer).village == "Sariharjo"


def test_the_village_picked_stays_picked_when_the_form_comes_back_with_errors(account):
    html = account.post(NEW, address_data(phone="12")).content.decode()

    assert f'type="hidden" name="region_code" value="{factories.SARIHARJO}"' in html
    assert "<strong>Sariharjo</strong>, Ngaglik" in html


def test_an_old_address_invites_the_buyer_to_pick_its_village(account, buyer):
    old = factories.saved_address(buyer)  # Coblong, Bandung: typed before the region list existed
    edit = reverse("shop:address_edit", kwargs={"pk": old.pk})

    account_page = account.get(reverse("shop:account")).content.decode()
    assert "belum memilih kelurahan/desa" in account_page and "Lengkapi" in account_page
    assert "disimpan sebelum ada daftar wilayah (Coblong, Bandung)" in account.get(edit).content.decode()

    account.post(edit, address_data(region_code=None, region_query="Coblong", **{SEARCH: "1"}))
    account.post(
        edit, address_data(region_code=factories.LEBAK_GEDE, postal_code="40132", suggested_postal_code="40132")
    )

    old.refresh_from_db()
    assert (old.village, old.city, old.region_code, old.postal_code) == (
        "Lebak Gede",
        "Kota Bandung",
        factories.LEBAK_GEDE,
        "40132",
    )


def test_saving_from_checkout_goes_back_to_checkout_and_nowhere_else(account, buyer):
    old = factories.saved_address(buyer)
    edit = reverse("shop:address_edit", kwargs={"pk": old.pk})

    back = account.post(edit, {**address_data(), "next": CHECKOUT})
    assert back.url == CHECKOUT

    away = account.post(edit, {**address_data(), "next": "https://evil.example/"})
    assert away.url == reverse("shop:account")


def test_the_form_keeps_the_names_it_derived_from_the_code():
    form = AddressForm(address_data(region_code=factories.KARUWISI))
    assert form.is_valid(), form.errors
    assert form.as_order_address() == {
        "recipient_name": "Dewi Lestari",
        "phone": "+6285712345678",
        "region_code": factories.KARUWISI,
        "postal_code": "90232",
        "street": "Jl. Kaliurang Km 10 No. 5",
        "province": "Sulawesi Selatan",
        "city": "Kota Makassar",
        "district": "Panakkukang",
        "village": "Karuwisi",
    }


# --- At checkout ---------------------------------------------------------------------------------


@pytest.fixture
def shopper(client, buyer, product):
    client = signed_in(buyer, client)
    client.post(reverse("shop:cart_add"), {"product": product.pk, "quantity": 2})
    return client


@pytest.fixture
def rate(db):
    return factories.shipping_rate(courier="JNE", service="REG", cost=9_000)


def new_address(**overrides):
    return {f"alamat-{key}": value for key, value in address_data(**overrides).items()}


def test_a_new_address_at_checkout_is_ordered_with_its_village_and_code(shopper, buyer, rate):
    data = {"shipping_option": f"tarif:{rate.pk}", "payment_method": "bank_transfer", "save_address": "on"}
    response = shopper.post(CHECKOUT, {**data, **new_address()})
    assert response.status_code == 302 and response.url == REVIEW

    review = shopper.get(REVIEW).content.decode()
    assert "Sariharjo, Ngaglik, Kabupaten Sleman, Daerah Istimewa Yogyakarta 55581" in review
    snapshot = re.search(r'name="snapshot" value="([^"]+)"', review).group(1)
    shopper.post(REVIEW, {"snapshot": snapshot})

    order = Order.objects.get()
    assert (order.village, order.region_code, order.district, order.postal_code) == (
        "Sariharjo",
        factories.SARIHARJO,
        "Ngaglik",
        "55581",
    )
    assert Address.objects.get(user=buyer).region_code == factories.SARIHARJO


def test_searching_at_checkout_without_javascript_keeps_every_choice(shopper, buyer, rate):
    saved = factories.village_saved_address(buyer, code=factories.LEBAK_GEDE)
    data = {
        "saved_address": saved.pk,  # still picked: typing a search means a new address
        "shipping_option": f"tarif:{rate.pk}",
        "payment_method": "bank_transfer",
        **new_address(region_code=None, region_query="Minomartani"),
        "alamat-find_region": "1",
    }

    response = shopper.post(CHECKOUT, data)

    html = response.content.decode()
    assert response.status_code == 200 and "checkout" not in shopper.session
    assert radios(html, "alamat-region_code") == [factories.MINOMARTANI]
    assert re.search(r'<input type="radio" name="saved_address" value=""[^>]*checked', html)
    assert re.search(r'name="payment_method" value="bank_transfer"[^>]*checked', html)
    # Priced to the new address, whose village is not picked yet.
    assert "Pilih alamat tujuan, sampai kelurahan/desa" in html
    assert 'value="Dewi Lestari"' in html
    assert 'class="errorlist' not in html


def test_an_old_saved_address_still_checks_out_and_is_flagged(shopper, buyer, rate):
    old = factories.saved_address(buyer, is_default=True)

    html = shopper.get(CHECKOUT).content.decode()
    assert "Belum ada kelurahan/desa" in html
    assert f"{reverse('shop:address_edit', kwargs={'pk': old.pk})}?next={CHECKOUT}" in html

    data = {"saved_address": old.pk, "shipping_option": f"tarif:{rate.pk}", "payment_method": "bank_transfer"}
    assert shopper.post(CHECKOUT, data).url == REVIEW
    review = shopper.get(REVIEW).content.decode()
    assert "Coblong, Bandung, Jawa Barat 40132" in review
    assert "tarif per provinsi" in review


def test_a_village_picked_without_javascript_shows_its_postal_code_when_the_page_comes_back(shopper, rate):
    data = {"payment_method": "bank_transfer", **new_address(region_code=factories.KARUWISI), "hitung_ongkir": "1"}

    html = shopper.post(CHECKOUT, data).content.decode()

    assert re.search(r'name="alamat-postal_code" value="90232"', html)
    assert re.search(r'name="alamat-suggested_postal_code" value="90232"', html)
    assert f"tarif:{rate.pk}" in html


# --- What CS Layer 2 prints --------------------------------------------------------------------


def test_the_packing_slip_and_the_label_carry_the_full_region_path(client, buyer, product, cs2_user):
    order = place_order(
        buyer,
        items=[{"product_id": product.pk, "quantity": 1, "unit_price": product.price}],
        address=factories.shipping_address(**factories.region_fields(factories.SARIHARJO)),
        shipping={"courier": "JNE", "service": "REG", "cost": 0, "etd": "1-2 hari", "discount": 9_000},
    )
    submit_payment_proof(order, buyer, factories.proof_file())
    confirm_payment(order, None)
    client.force_login(cs2_user)

    slip = client.get(desk_url("fulfilment", "packing_slip", order.pk)).content.decode()
    label = client.get(desk_url("fulfilment", "shipping_label", order.pk)).content.decode()
    page = client.get(desk_url("fulfilment", "inspect", order.pk)).content.decode()

    for html in (slip, label, page):
        path = re.sub(r"\s+", " ", re.search(r"<span data-region-path>(.*?)</span>", html, re.S).group(1))
        assert re.sub(r"<br>", "", path).startswith("Sariharjo, Ngaglik"), path
        assert "Kabupaten Sleman" in path and "Daerah Istimewa Yogyakarta" in path
    assert "55581" in slip and "55581" in label
    assert "JNE REG (1-2 hari)" in page and "potongan Rp 9.000" in page
    assert f"Kode wilayah {factories.SARIHARJO}" in page


def test_an_order_from_before_the_region_list_prints_as_before(client, buyer, product, cs2_user):
    order = factories.order(buyer, (product, 1))  # district, city, province typed; no village
    submit_payment_proof(order, buyer, factories.proof_file())
    confirm_payment(order, None)
    client.force_login(cs2_user)

    slip = client.get(desk_url("fulfilment", "packing_slip", order.pk)).content.decode()

    assert re.search(r"<span data-region-path>\s*Ngaglik, Sleman<br>\s*DI Yogyakarta 55581</span>", slip)
