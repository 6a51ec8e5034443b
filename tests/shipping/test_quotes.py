"""Shipping quotes (issue 13, items 3, 4 and 7): live costs from the recorded Komerce, destination ids
resolved once and kept, the cache, and the owner's flat rates with a note whenever Komerce is not set
or fails, never a cost of 0 by mistake."""

import logging
from datetime import timedelta

import pytest
import requests
import responses
from django.core.cache import cache
from django.utils import timezone

from shop.models import KomerceDestination, ShippingSettings
from shop.shipping import live
from shop.shipping.areas import Area, area_of, province_named
from shop.shipping.quotes import NO_OPTIONS, Destination, ShippingOption, shipping_option, shipping_quote
from tests import factories
from tests.integrations import komerce_api
from tests.integrations.komerce_api import (
    COST_URL,
    ORIGIN_DISTRICT,
    ORIGIN_ID,
    SEARCH_URL,
    SEKAYU_CODE,
    SEKAYU_ID,
    answer,
    cost,
    cost_calls,
    searched,
    sent_form,
)

pytestmark = pytest.mark.django_db

SEKAYU = Destination(region_code=SEKAYU_CODE, province="Jawa Tengah")
COURIERS = "anteraja:jne:jnt:pos:sicepat"  # the settings' default, as the shop asks Komerce (sorted)


@pytest.fixture
def api():
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def komerce_on(settings):
    """The key set and the origin chosen: Ngaglik, Sleman."""
    komerce_api.configure(settings)
    shipping = ShippingSettings.load()
    shipping.origin_district_id = ORIGIN_DISTRICT
    shipping.save()
    return shipping


@pytest.fixture
def known_ids(komerce_on):
    """Komerce's ids for the origin and Sekayu, found on an earlier day."""
    KomerceDestination.objects.create(region_code=ORIGIN_DISTRICT, komerce_id=ORIGIN_ID, label="SARIHARJO, NGAGLIK")
    KomerceDestination.objects.create(region_code=SEKAYU_CODE, komerce_id=SEKAYU_ID, label="SEKAYU, SEMARANG TENGAH")


@pytest.fixture
def flat_rates():
    return [factories.shipping_rate("JNE", "REG", 10_000), factories.shipping_rate("SiCepat", "REG", 9_000)]


def quote(destination=SEKAYU, weight_grams=800, subtotal=150_000):
    return shipping_quote(destination, weight_grams=weight_grams, subtotal=subtotal)


def offered(result):
    return [(option.key, option.cost) for option in result.options]


# --- Live costs ---------------------------------------------------------------------------------


def test_live_options_come_from_komerce_cheapest_first_with_short_names_and_days_in_indonesian(api, known_ids):
    answer(api, COST_URL, komerce_api.cost_answer())

    result = quote()

    assert (result.source, result.note) == ("komerce", "")
    assert sent_form(api.calls[0]) == {
        "origin": str(ORIGIN_ID),
        "destination": str(SEKAYU_ID),
        "weight": "1000",
        "courier": COURIERS,
    }
    assert offered(result) == [
        ("komerce:pos:Pos Reguler", 15000),
        ("komerce:sicepat:REG", 16000),
        ("komerce:jnt:EZ", 17000),
        ("komerce:jne:REG", 18000),
        ("komerce:sicepat:BEST", 24000),
        ("komerce:jne:YES", 28000),
    ]
    assert result.options[3] == ShippingOption(
        key="komerce:jne:REG",
        courier="JNE",
        service="REG",
        etd="1-2 hari",
        cost=18000,
        original_cost=18000,
        source="komerce",
        courier_code="jne",
    )
    # Our names, which CS ships and tracks by; no estimate stays no estimate.
    assert [(o.courier, o.etd) for o in result.options[:3]] == [
        ("Pos Indonesia", ""),
        ("SiCepat", "1-2 hari"),
        ("J&T Express", "2-3 hari"),
    ]


def test_a_courier_we_do_not_know_keeps_komerce_s_name(api, known_ids):
    answer(api, COST_URL, komerce_api.cost_answer(cost("ncs", "NRS", 21000, "2-3 day")))
    assert [(o.courier, o.courier_code) for o in quote().options] == [("Nusantara Card Semesta", "ncs")]


@pytest.mark.parametrize(
    ("etd", "shown"),
    [("1-2 day", "1-2 hari"), ("1 day", "1 hari"), ("2-3 days", "2-3 hari"), ("1-1 day", "1 hari"), ("3 HARI", "3 hari"),
     ("", ""), ("Same day", "Same day")],
)  # fmt: skip
def test_estimates_are_said_in_indonesian(etd, shown):
    assert live.etd_in_indonesian(etd) == shown


def test_zero_or_negative_costs_are_never_offered(api, known_ids):
    answer(
        api,
        COST_URL,
        komerce_api.cost_answer(cost("jne", "REG", 0), cost("sicepat", "REG", -1), cost("jnt", "EZ", 17000)),
    )
    result = quote()
    assert offered(result) == [("komerce:jnt:EZ", 17000)]
    assert all(option.cost > 0 for option in result.options)


def test_when_komerce_prices_nothing_the_flat_rates_are_offered_with_a_note(api, known_ids, flat_rates):
    answer(api, COST_URL, komerce_api.cost_answer(cost("jne", "REG", 0)))
    result = quote()
    assert (result.source, result.note) == ("flat", live.NO_SERVICE)
    assert offered(result) == [(f"tarif:{flat_rates[0].pk}", 10_000), (f"tarif:{flat_rates[1].pk}", 9_000)]


def test_the_same_service_twice_is_offered_once(api, known_ids):
    answer(api, COST_URL, komerce_api.cost_answer(cost("jne", "REG", 18000), cost("jne", "REG", 19000)))
    assert offered(quote()) == [("komerce:jne:REG", 18000)]


def test_shipping_option_finds_the_quoted_option_by_its_key_without_asking_again(api, known_ids):
    answer(api, COST_URL, komerce_api.cost_answer())
    shown = quote().options

    chosen = shipping_option("komerce:jne:REG", SEKAYU, weight_grams=800, subtotal=150_000)

    assert chosen == shown[3] and chosen.cost == 18000
    assert shipping_option("komerce:tiki:REG", SEKAYU, weight_grams=800, subtotal=150_000) is None
    assert len(api.calls) == 1


# --- Destination ids, resolved once -------------------------------------------------------------


def test_the_origin_and_the_destination_are_searched_once_and_kept(api, komerce_on):
    answer(
        api,
        SEARCH_URL,
        komerce_api.search_answer(komerce_api.NGAGLIK_IN_BLITAR, komerce_api.SARIHARJO, komerce_api.SINDUHARJO),
        komerce_api.search_answer(komerce_api.SEKAYU),
    )
    answer(api, COST_URL, komerce_api.cost_answer(), komerce_api.cost_answer())

    assert quote().source == "komerce"
    # The district is searched by name, the village by postal code first; Blitar's "Ngaglik" is passed over.
    assert searched(api) == ["Ngaglik", "50132"]
    assert dict(KomerceDestination.objects.values_list("region_code", "komerce_id")) == {
        ORIGIN_DISTRICT: ORIGIN_ID,
        SEKAYU_CODE: SEKAYU_ID,
    }
    assert (
        KomerceDestination.objects.get(pk=SEKAYU_CODE).label == "SEKAYU, SEMARANG TENGAH, SEMARANG, JAWA TENGAH, 50132"
    )

    cache.clear()  # the quote is gone; the ids are not
    assert quote().source == "komerce"
    assert searched(api) == ["Ngaglik", "50132"] and len(cost_calls(api)) == 2


def test_a_village_missing_from_the_postal_code_s_rows_is_searched_by_name(api, known_ids):
    KomerceDestination.objects.filter(pk=SEKAYU_CODE).delete()
    answer(
        api,
        SEARCH_URL,
        komerce_api.search_answer(komerce_api.MIROTO),  # Komerce files Sekayu under another postal code
        komerce_api.search_answer(komerce_api.SEKAYU_IN_PALEMBANG, komerce_api.SEKAYU),
    )
    answer(api, COST_URL, komerce_api.cost_answer())

    quote()

    assert searched(api) == ["50132", "Sekayu"]
    assert KomerceDestination.objects.get(pk=SEKAYU_CODE).komerce_id == SEKAYU_ID


def test_a_neighbour_in_the_same_district_serves_when_komerce_lacks_the_village(api, known_ids):
    """Couriers price by district: Miroto's id gives Sekayu's cost."""
    KomerceDestination.objects.filter(pk=SEKAYU_CODE).delete()
    answer(api, SEARCH_URL, komerce_api.search_answer(komerce_api.MIROTO), komerce_api.NOT_FOUND)
    answer(api, COST_URL, komerce_api.cost_answer())

    assert quote().source == "komerce"
    assert KomerceDestination.objects.get(pk=SEKAYU_CODE).komerce_id == komerce_api.MIROTO["id"]


def test_a_destination_komerce_does_not_know_is_kept_as_a_miss_and_asked_again_after_a_day(api, known_ids, flat_rates):
    KomerceDestination.objects.filter(pk=SEKAYU_CODE).delete()
    # Only a namesake in another district: not a match.
    answer(api, SEARCH_URL, komerce_api.NOT_FOUND, komerce_api.search_answer(komerce_api.SEKAYU_IN_PALEMBANG))

    result = quote()

    assert (result.source, result.note) == ("flat", live.NOT_FOUND)
    assert offered(result) == [(f"tarif:{flat_rates[0].pk}", 10_000), (f"tarif:{flat_rates[1].pk}", 9_000)]
    miss = KomerceDestination.objects.get(pk=SEKAYU_CODE)
    assert (miss.komerce_id, miss.label) == (None, "")

    assert quote().note == live.NOT_FOUND
    assert len(api.calls) == 2  # the miss was remembered: no new search

    KomerceDestination.objects.filter(pk=SEKAYU_CODE).update(checked_at=timezone.now() - timedelta(hours=25))
    answer(api, SEARCH_URL, komerce_api.search_answer(komerce_api.SEKAYU))
    answer(api, COST_URL, komerce_api.cost_answer())
    assert quote().source == "komerce"
    assert KomerceDestination.objects.get(pk=SEKAYU_CODE).komerce_id == SEKAYU_ID


def test_an_origin_komerce_does_not_know_means_flat_rates_and_a_warning(api, komerce_on, flat_rates, caplog):
    answer(api, SEARCH_URL, komerce_api.NOT_FOUND)
    KomerceDestination.objects.create(region_code=SEKAYU_CODE, komerce_id=SEKAYU_ID)

    with caplog.at_level(logging.WARNING, logger="shop.shipping.destinations"):
        result = quote()

    assert (result.source, result.note) == ("flat", live.NOT_SET)
    assert "Komerce has no match for region 34.04.12 (searched ['Ngaglik'])" in caplog.text
    assert KomerceDestination.objects.get(pk=ORIGIN_DISTRICT).komerce_id is None


def test_a_failed_search_is_not_kept_as_a_miss(api, komerce_on, flat_rates):
    komerce_api.fail(api, SEARCH_URL, requests.ReadTimeout())
    assert quote().note == live.FAILED
    assert not KomerceDestination.objects.exists()


# --- The cache ----------------------------------------------------------------------------------


def test_a_second_quote_for_the_same_route_weight_step_and_couriers_asks_komerce_nothing(api, known_ids):
    answer(api, COST_URL, komerce_api.cost_answer())

    first = quote(weight_grams=1200)
    again = quote(weight_grams=1900, subtotal=500_000)  # the same started kilogram

    assert offered(again) == offered(first) and again.source == "komerce"
    assert len(api.calls) == 1
    # Komerce was asked about the step's full weight, so the one answer is never too low.
    assert sent_form(api.calls[0])["weight"] == "2000"
    assert cache.get(live.cache_key(ORIGIN_ID, SEKAYU_ID, 2, COURIERS.split(":"))) is not None


def test_another_weight_step_or_other_couriers_is_another_entry(api, known_ids):
    answer(api, COST_URL, komerce_api.cost_answer(), komerce_api.cost_answer(), komerce_api.cost_answer())

    quote(weight_grams=1000)
    quote(weight_grams=1001)
    known_ids_settings = ShippingSettings.load()
    known_ids_settings.couriers = "SiCepat:jne"
    known_ids_settings.save()
    quote(weight_grams=1000)
    quote(weight_grams=1000)

    assert [(form["weight"], form["courier"]) for form in map(sent_form, api.calls)] == [
        ("1000", COURIERS),
        ("2000", COURIERS),
        ("1000", "jne:sicepat"),
    ]


def test_the_cache_key_names_origin_destination_weight_step_and_couriers():
    assert live.cache_key(31553, 17489, 3, ["jne", "sicepat"]) == "shipping:komerce:v1:31553:17489:3kg:jne:sicepat"
    assert live.courier_codes(" SiCepat:jne:jne ") == ["jne", "sicepat"]


# --- Komerce not set, or failing: flat rates and a note -----------------------------------------


def test_without_a_key_the_flat_rates_are_offered_and_komerce_is_not_asked(api, settings, flat_rates):
    settings.KOMERCE_API_KEY = ""
    result = quote(weight_grams=2500)
    assert (result.source, result.note) == ("flat", live.NOT_SET)
    assert offered(result) == [(f"tarif:{flat_rates[0].pk}", 30_000), (f"tarif:{flat_rates[1].pk}", 27_000)]
    assert [(o.courier, o.service, o.etd, o.source) for o in result.options][0] == ("JNE", "REG", "2-3 hari", "flat")


def test_without_an_origin_the_flat_rates_are_offered(api, komerce_on, flat_rates):
    komerce_on.origin_district = None
    komerce_on.save()
    assert (quote().source, quote().note) == ("flat", live.NOT_SET)


def test_an_address_without_a_village_code_gets_flat_rates_for_its_province(api, known_ids):
    far = factories.shipping_rate("JNE", "REG", 30_000, province_id="91")
    factories.shipping_rate("JNE", "REG", 10_000)

    result = quote(Destination(region_code="", province="Papua"))

    assert (result.source, result.note) == ("flat", live.OLD_ADDRESS)
    assert offered(result) == [(f"tarif:{far.pk}", 30_000)]


@pytest.mark.parametrize(
    ("status", "body", "paused"),
    [(401, komerce_api.INVALID_KEY, live.PAUSE_AFTER_REFUSAL_SECONDS), (422, komerce_api.MISSING_PARAMETER, None)],
    ids=["401", "422"],
)
def test_a_refusal_gives_flat_rates_with_a_note_and_a_bad_key_stops_the_asking(
    api, known_ids, flat_rates, caplog, status, body, paused
):
    answer(api, COST_URL, body, status=status)

    with caplog.at_level(logging.WARNING, logger="shop.shipping.live"):
        result = quote()

    assert (result.source, result.note) == ("flat", live.FAILED)
    assert len(result.options) == 2 and all(option.cost > 0 for option in result.options)
    assert "Komerce refused" in caplog.text and komerce_api.API_KEY not in caplog.text
    assert bool(cache.get(live.PAUSE_KEY)) is bool(paused)


@pytest.mark.parametrize(
    "fail",
    [
        lambda api: komerce_api.fail(api, COST_URL, requests.ReadTimeout("timed out")),
        lambda api: answer(api, COST_URL, komerce_api.SERVER_ERROR, status=200),
        lambda api: komerce_api.answer_raw(api, COST_URL, komerce_api.BAD_GATEWAY_HTML, status=502),
        lambda api: komerce_api.answer_raw(api, COST_URL, '{"meta": {"code": 200', content_type="application/json"),
    ],
    ids=["timeout", "error-body", "bad-gateway", "malformed-json"],
)
def test_a_failing_komerce_gives_flat_rates_with_a_note_then_is_left_alone_for_a_while(
    api, known_ids, flat_rates, caplog, fail
):
    fail(api)

    with caplog.at_level(logging.WARNING, logger="shop.shipping.live"):
        result = quote()

    assert (result.source, result.note) == ("flat", live.FAILED)
    assert offered(result) == [(f"tarif:{flat_rates[0].pk}", 10_000), (f"tarif:{flat_rates[1].pk}", 9_000)]
    assert "Komerce failed" in caplog.text
    # A busy checkout does not wait out the timeout on every page view while Komerce is down.
    assert quote().note == live.FAILED and len(api.calls) == 1

    cache.delete(live.PAUSE_KEY)  # the pause is over
    answer(api, COST_URL, komerce_api.cost_answer())
    assert quote().source == "komerce"


def test_with_no_option_at_all_the_quote_says_so_and_never_offers_a_free_parcel(api, settings):
    settings.KOMERCE_API_KEY = ""
    factories.shipping_rate("JNE", "REG", 0)  # a slip of the owner's
    factories.shipping_rate("JNE", "YES", 20_000, is_active=False)

    result = quote()

    assert result.options == [] and result.note == NO_OPTIONS


# --- Flat rates: the most specific per courier and service --------------------------------------


@pytest.fixture
def area_rates():
    return {
        "anywhere": factories.shipping_rate("JNE", "REG", 10_000),
        "jawa": factories.shipping_rate("JNE", "REG", 9_000, island_group="jawa"),
        "jawa tengah": factories.shipping_rate("jne ", "reg", 8_000, province_id="33"),
        "papua": factories.shipping_rate("JNE", "REG", 40_000, island_group="papua"),
        "sicepat": factories.shipping_rate("SiCepat", "REG", 12_000),
        "yes in jawa only": factories.shipping_rate("JNE", "YES", 20_000, island_group="jawa"),
    }


@pytest.mark.parametrize(
    ("destination", "expected"),
    [
        (SEKAYU, ["jawa tengah", "sicepat", "yes in jawa only"]),  # the province's rate wins
        (Destination(region_code="34.04.12.2001"), ["jawa", "sicepat", "yes in jawa only"]),  # Jawa, not Jawa Tengah
        (Destination(region_code="51.71.01.1001"), ["anywhere", "sicepat"]),  # Bali: no rate of its own
        (Destination(province="Papua Tengah"), ["papua", "sicepat"]),
        (Destination(province="Atlantis"), ["anywhere", "sicepat"]),  # unknown: anywhere only
    ],
    ids=["province", "island", "anywhere", "by-name", "unknown"],
)
def test_the_most_specific_active_rate_of_each_courier_and_service_is_offered(
    settings, area_rates, destination, expected
):
    settings.KOMERCE_API_KEY = ""
    assert sorted(o.key for o in quote(destination).options) == sorted(f"tarif:{area_rates[n].pk}" for n in expected)


def test_a_province_rate_switched_off_leaves_the_island_rate(settings, area_rates):
    settings.KOMERCE_API_KEY = ""
    area_rates["jawa tengah"].is_active = False
    area_rates["jawa tengah"].save()
    assert f"tarif:{area_rates['jawa'].pk}" in [o.key for o in quote().options]


# --- Where a destination lies -------------------------------------------------------------------


def test_the_village_code_gives_the_province_and_island_group():
    assert area_of(SEKAYU) == Area(province_code="33", province_name="Jawa Tengah", island_group="jawa")
    assert area_of(Destination()) == Area()


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Jawa Tengah", "33"),
        ("DKI Jakarta", "31"),
        ("Daerah Khusus Jakarta", "31"),
        ("D.I. Yogyakarta", "34"),
        ("Jogja", "34"),
        ("Prov. Sumatra Utara", "12"),
        ("Riau", "14"),
        ("Kep. Riau", "21"),
        ("Bangka Belitung", "19"),
        ("NTT", "53"),
        ("Papua Barat Daya", "96"),
        ("Atlantis", None),
        ("Papua Selatan Raya", None),
        ("", None),
    ],
)
def test_an_old_address_s_province_is_matched_by_name(typed, code):
    province = province_named(typed)
    assert (province.code if province else None) == code
