"""Shipping in the owner's admin (issue 13): Settings > Pengaturan pengiriman with the origin district
chooser and Komerce's state, the flat rates per area and the free-shipping rules; Admin only, with
messages in Indonesian."""

import json

import pytest
from django.urls import reverse

from shop.models import KomerceDestination, ShippingRate, ShippingRule, ShippingSettings
from tests import factories
from tests.helpers import is_refused, signed_in
from tests.integrations import komerce_api

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

RULES = "wagtailsnippets_shop_shippingrule"
RATES = "wagtailsnippets_shop_shippingrate"


def settings_url():
    return reverse("wagtailsettings:edit", args=["shop", "shippingsettings", ShippingSettings.load().pk])


def html_of(response):
    return response.content.decode()


def modal_html(response):
    """The HTML of a chooser modal's answer (Wagtail's modal workflow sends it inside JSON)."""
    return json.loads(response.content)["html"]


@pytest.fixture
def owner(admin_user):
    return signed_in(admin_user)


def rule_form(**changes):
    form = {
        "name": "Gratis ongkir se-Jawa",
        "is_active": "on",
        "min_subtotal": "200000",
        "island_group": "jawa",
        "couriers": "",
        "max_discount": "0",
        "sort_order": "0",
    }
    return form | changes


def rate_form(**changes):
    form = {
        "courier": "JNE",
        "service": "REG",
        "cost": "25000",
        "etd": "3-5 hari",
        "is_active": "on",
        "sort_order": "0",
    }
    return form | changes


# --- Who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["cs1_user", "cs2_user"])
def test_cs_may_not_see_or_change_shipping_settings_rules_or_rates(request, who):
    client = signed_in(request.getfixturevalue(who))
    for url in (
        settings_url(),
        reverse(f"{RULES}:list"),
        reverse(f"{RULES}:add"),
        reverse(f"{RATES}:add"),
    ):
        assert is_refused(client.get(url)), url
    assert is_refused(client.post(reverse(f"{RULES}:add"), rule_form()))
    assert is_refused(client.post(settings_url(), {"couriers": "jne"}))
    assert not ShippingRule.objects.exists()
    assert ShippingSettings.load().couriers == "jne:sicepat:jnt:pos:anteraja"


# --- Settings > Pengaturan pengiriman -----------------------------------------------------------


def test_the_settings_page_says_komerce_is_not_set_up(owner, settings):
    settings.KOMERCE_API_KEY = ""
    html = html_of(owner.get(settings_url()))
    assert "Komerce <strong>belum terpasang</strong>" in html and "KOMERCE_API_KEY" in html
    assert "Pilih kecamatan" in html


def test_the_settings_page_says_the_key_is_set_without_ever_showing_it(owner, settings):
    komerce_api.configure(settings)
    html = html_of(owner.get(settings_url()))
    assert "kecamatan asal belum dipilih" in html and "sudah diisi" in html
    assert komerce_api.API_KEY not in html and komerce_api.API_KEY[:4] not in html


def test_the_owner_chooses_the_origin_district_and_the_couriers(owner, settings):
    komerce_api.configure(settings)

    response = owner.post(settings_url(), {"origin_district": "34.04.12", "couriers": " JNE: sicepat :jne:ncs"})

    assert response.status_code == 302
    saved = ShippingSettings.load()
    assert (saved.origin_district_id, saved.couriers) == ("34.04.12", "jne:sicepat:ncs")
    html = html_of(owner.get(settings_url()))
    assert "Komerce <strong>terpasang</strong>" in html
    assert "Ngaglik, Kabupaten Sleman, Daerah Istimewa Yogyakarta" in html  # the chooser shows where, not a code


def test_the_settings_page_shows_what_the_origin_became_at_komerce(owner, settings):
    komerce_api.configure(settings)
    shipping = ShippingSettings.load()
    shipping.origin_district_id = "34.04.12"
    shipping.save()
    KomerceDestination.objects.create(region_code="34.04.12", komerce_id=31553, label=komerce_api.SARIHARJO["label"])
    assert "SARIHARJO, NGAGLIK, SLEMAN, DI YOGYAKARTA, 55581" in html_of(owner.get(settings_url()))

    KomerceDestination.objects.filter(pk="34.04.12").update(komerce_id=None, label="")
    assert "Kecamatan asal tidak ditemukan di Komerce" in html_of(owner.get(settings_url()))


@pytest.mark.parametrize("couriers", ["jne, sicepat", "jne:si cepat", ":", "J&T"])
def test_couriers_not_written_as_komerce_codes_are_refused_in_indonesian(owner, couriers):
    response = owner.post(settings_url(), {"origin_district": "", "couriers": couriers})
    assert response.status_code == 200
    assert "Tulis kode kurir Komerce dipisah titik dua, mis. jne:sicepat:jnt." in html_of(response)
    assert ShippingSettings.load().couriers == "jne:sicepat:jnt:pos:anteraja"


def test_the_district_chooser_searches_by_district_city_and_province(owner):
    response = owner.get(reverse("shop_district_chooser:choose"))
    assert response.status_code == 200 and "Cari kecamatan" in modal_html(response)

    results = html_of(owner.get(reverse("shop_district_chooser:choose_results"), {"q": "ngaglik"}))
    assert "Ngaglik" in results and "Kabupaten Sleman" in results and "Daerah Istimewa Yogyakarta" in results

    # Several words narrow it down: there is a Depok in Sleman and a Kota Depok in Jawa Barat.
    results = html_of(owner.get(reverse("shop_district_chooser:choose_results"), {"q": "depok sleman"}))
    assert "Kabupaten Sleman" in results and "Kota Depok" not in results


def test_choosing_a_district_names_its_city_and_province(owner):
    response = owner.get(reverse("shop_district_chooser:chosen", args=["34.04.12"]))
    result = json.loads(response.content)["result"]
    assert (result["id"], result["title"]) == ("34.04.12", "Ngaglik, Kabupaten Sleman, Daerah Istimewa Yogyakarta")


# --- Pengiriman > Gratis Ongkir ------------------------------------------------------------------


def test_the_owner_adds_a_rule_and_the_list_shows_its_conditions(owner):
    response = owner.post(reverse(f"{RULES}:add"), rule_form(provinces=["51"], couriers="JNE,SiCepat REG"))

    assert response.status_code == 302
    rule = ShippingRule.objects.get()
    assert (rule.couriers, list(rule.provinces.values_list("code", flat=True))) == ("JNE, SiCepat REG", ["51"])
    html = html_of(owner.get(reverse(f"{RULES}:list")))
    assert "Gratis ongkir se-Jawa" in html
    assert "Min. Rp 200.000 · Jawa, Bali · JNE, SiCepat REG" in html and "Gratis penuh" in html


def test_a_capped_rule_for_anywhere_lists_as_such(owner):
    owner.post(reverse(f"{RULES}:add"), rule_form(name="Potongan ongkir", island_group="", min_subtotal="0",
                                                  max_discount="10000"))  # fmt: skip
    html = html_of(owner.get(reverse(f"{RULES}:list")))
    assert "Semua wilayah · semua kurir" in html and "Maks. Rp 10.000" in html


def test_a_rule_naming_an_unknown_courier_is_refused_in_indonesian(owner):
    response = owner.post(reverse(f"{RULES}:add"), rule_form(couriers="JNE, Paket Kilat"))
    assert response.status_code == 200
    assert "Kurir &quot;paket kilat&quot; tidak dikenal." in html_of(response)
    assert not ShippingRule.objects.exists()


def test_a_rule_may_name_a_courier_of_the_owner_s_own_flat_rates(owner):
    factories.shipping_rate("Kurir Toko", "Antar Sore", 5_000)
    assert owner.post(reverse(f"{RULES}:add"), rule_form(couriers="Kurir Toko")).status_code == 302


# --- Pengiriman > Tarif Ongkir ------------------------------------------------------------------


def test_the_owner_adds_a_rate_for_an_island_group_and_one_for_a_province(owner):
    assert owner.post(reverse(f"{RATES}:add"), rate_form(island_group="papua", cost="40000")).status_code == 302
    assert owner.post(reverse(f"{RATES}:add"), rate_form(province="33", cost="8000")).status_code == 302

    assert set(ShippingRate.objects.values_list("island_group", "province_id", "cost")) == {
        ("papua", None, 40_000),
        ("", "33", 8_000),
    }
    html = html_of(owner.get(reverse(f"{RATES}:list")))
    assert "Papua" in html and "Jawa Tengah" in html and "Rp 40.000" in html


def test_a_rate_of_rp_0_is_refused_and_points_to_the_rules(owner):
    response = owner.post(reverse(f"{RATES}:add"), rate_form(cost="0"))
    assert response.status_code == 200
    assert "Biaya per kg harus lebih dari Rp 0" in html_of(response) and "Gratis Ongkir" in html_of(response)
    assert not ShippingRate.objects.exists()


def test_a_rate_for_a_province_and_an_island_group_at_once_is_refused(owner):
    response = owner.post(reverse(f"{RATES}:add"), rate_form(province="33", island_group="papua"))
    assert response.status_code == 200
    assert "Pilih provinsi atau pulau saja, jangan keduanya." in html_of(response)


def test_a_second_rate_for_the_same_courier_service_and_area_is_refused(owner):
    factories.shipping_rate("JNE", "REG", 9_000, island_group="jawa")
    response = owner.post(reverse(f"{RATES}:add"), rate_form(service="reg", island_group="jawa"))
    assert response.status_code == 200
    assert "Tarif kurir dan layanan ini untuk wilayah yang sama sudah ada." in html_of(response)
    # The same courier and service for another area is what the areas are for.
    assert owner.post(reverse(f"{RATES}:add"), rate_form(island_group="papua")).status_code == 302
