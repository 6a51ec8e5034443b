"""The owner's free-shipping rules (issue 13, item 5): threshold, area, couriers and services, cap,
inactive rules, the best rule for the buyer, and the demo banner's promise kept at checkout."""

import pytest
import responses

from home.management.commands.seed_demo import Command as SeedDemo
from shop.models import ShippingRule
from shop.shipping.areas import Area
from shop.shipping.options import ShippingOption
from shop.shipping.quotes import Destination, shipping_quote
from shop.shipping.rules import CourierFilter, apply_rules, courier_filters
from tests.integrations import komerce_api

pytestmark = pytest.mark.django_db

JAWA_TENGAH = Area(province_code="33", province_name="Jawa Tengah", island_group="jawa")
BALI = Area(province_code="51", province_name="Bali", island_group="bali_nusa_tenggara")
SEKAYU = Destination(region_code=komerce_api.SEKAYU_CODE, province="Jawa Tengah")  # Semarang


def option(courier="JNE", service="REG", cost=24_000, code=""):
    return ShippingOption(
        key=f"tarif:{courier}:{service}", courier=courier, service=service, etd="", cost=cost, original_cost=cost,
        courier_code=code,
    )  # fmt: skip


def rule(name="Gratis ongkir", provinces=(), **fields):
    created = ShippingRule.objects.create(name=name, **fields)
    created.provinces.set(provinces)
    return created


def applied(options, area=JAWA_TENGAH, subtotal=250_000):
    return [(o.cost, o.original_cost, o.rule_name) for o in apply_rules(options, area, subtotal)]


def test_without_rules_options_are_unchanged():
    assert applied([option()]) == [(24_000, 24_000, "")]


@pytest.mark.parametrize(("subtotal", "free"), [(199_999, False), (200_000, True), (206_000, True)])
def test_a_rule_applies_from_its_minimum_subtotal(subtotal, free):
    rule(min_subtotal=200_000)
    assert applied([option()], subtotal=subtotal) == [(0, 24_000, "Gratis ongkir") if free else (24_000, 24_000, "")]


@pytest.mark.parametrize(
    ("fields", "provinces", "area", "free"),
    [
        ({"island_group": "jawa"}, (), JAWA_TENGAH, True),
        ({"island_group": "jawa"}, (), BALI, False),
        ({}, ("51",), BALI, True),
        ({}, ("51",), JAWA_TENGAH, False),
        ({"island_group": "jawa"}, ("51",), BALI, True),  # Jawa plus Bali
        ({"island_group": "jawa"}, ("51",), JAWA_TENGAH, True),
        ({"island_group": "jawa"}, (), Area(), False),  # an address whose province cannot be told
        ({}, (), Area(), True),  # a rule for anywhere
    ],
    ids=["island", "other-island", "province", "other-province", "union-province", "union-island", "unknown", "any"],
)
def test_a_rule_applies_within_its_island_group_and_provinces(fields, provinces, area, free):
    rule(provinces=provinces, **fields)
    assert applied([option()], area=area)[0][2] == ("Gratis ongkir" if free else "")


def test_a_rule_names_couriers_and_services():
    rule(couriers="JNE, SiCepat REG, J&T EZ, Kurir Toko")
    options = [
        option("JNE", "REG"),
        option("JNE", "YES"),
        option("SiCepat", "REG"),
        option("SiCepat", "BEST"),
        option("J&T", "EZ"),  # the owner's flat rate
        option("J&T Express", "EZ", code="jnt"),  # Komerce's
        option("Pos Indonesia", "Pos Reguler", code="pos"),
        option("Kurir Toko", "Antar Sore"),
    ]
    assert [cost == 0 for cost, _original, _name in applied(options)] == [
        True,
        True,
        True,
        False,
        True,
        True,
        False,
        True,
    ]


def test_courier_lists_are_read_entry_by_entry():
    assert courier_filters("JNE,  SiCepat REG , Pos Indonesia Pos Reguler, ID Express, j&t ez, Kurir Toko,") == [
        CourierFilter("jne"),
        CourierFilter("sicepat", "reg"),
        CourierFilter("pos", "pos reguler"),
        CourierFilter("ide"),
        CourierFilter("jnt", "ez"),
        CourierFilter("kurir toko", known=False),
    ]
    assert courier_filters("  ") == []


def test_a_cap_takes_off_at_most_its_amount():
    rule(max_discount=10_000)
    assert applied([option(cost=24_000), option("SiCepat", cost=8_000)]) == [
        (14_000, 24_000, "Gratis ongkir"),
        (0, 8_000, "Gratis ongkir"),
    ]


def test_an_inactive_rule_does_nothing():
    rule(is_active=False)
    assert applied([option()]) == [(24_000, 24_000, "")]


def test_the_rule_that_saves_the_buyer_most_wins_and_the_first_on_a_tie():
    rule("Potongan Rp 5.000", max_discount=5_000, sort_order=0)
    rule("Gratis JNE", couriers="JNE", sort_order=1)
    rule("Potongan Rp 10.000", max_discount=10_000, sort_order=2)
    rule("Potongan Rp 10.000 juga", max_discount=10_000, sort_order=3)

    assert applied([option("JNE"), option("SiCepat")]) == [
        (0, 24_000, "Gratis JNE"),
        (14_000, 24_000, "Potongan Rp 10.000"),
    ]


def test_rules_apply_to_live_komerce_options_too(settings):
    komerce_api.configure(settings)
    SeedDemo().shipping()  # the demo shop's origin (Ngaglik, Sleman), rates and rule
    with responses.RequestsMock() as api:
        komerce_api.answer(
            api,
            komerce_api.SEARCH_URL,
            komerce_api.search_answer(komerce_api.SARIHARJO),
            komerce_api.search_answer(komerce_api.SEKAYU),
        )
        komerce_api.answer(api, komerce_api.COST_URL, komerce_api.cost_answer())
        quote = shipping_quote(SEKAYU, weight_grams=1200, subtotal=206_000)

    assert quote.source == "komerce"
    assert {(o.cost, o.rule_name) for o in quote.options} == {(0, "Gratis ongkir se-Jawa")}
    assert sorted(o.original_cost for o in quote.options) == [15000, 16000, 17000, 18000, 24000, 28000]


# --- The demo banner's promise: "Gratis ongkir se-Jawa, minimal belanja Rp 200.000" -------------


@pytest.fixture
def demo_shipping(settings):
    """The demo shop's rates and rule, with no Komerce key: what a fresh install shows."""
    settings.KOMERCE_API_KEY = ""
    SeedDemo().shipping()
    SeedDemo().shipping()  # run twice, as the command may be: nothing is added again


def test_the_seed_makes_the_banner_s_promise_a_rule(demo_shipping):
    promise = ShippingRule.objects.get()
    assert (promise.name, promise.island_group, promise.min_subtotal, promise.max_discount, promise.couriers) == (
        "Gratis ongkir se-Jawa",
        "jawa",
        200_000,
        0,
        "",
    )


def test_the_rp_206_000_order_to_semarang_ships_free_with_the_seed_s_rule(demo_shipping):
    quote = shipping_quote(SEKAYU, weight_grams=1_500, subtotal=206_000)

    assert [(o.courier, o.service, o.cost, o.original_cost, o.rule_name) for o in quote.options] == [
        ("JNE", "REG", 0, 22_000, "Gratis ongkir se-Jawa"),
        ("JNE", "YES", 0, 44_000, "Gratis ongkir se-Jawa"),
        ("J&T", "EZ", 0, 20_000, "Gratis ongkir se-Jawa"),
        ("SiCepat", "REG", 0, 20_000, "Gratis ongkir se-Jawa"),
        ("SiCepat", "BEST", 0, 40_000, "Gratis ongkir se-Jawa"),
        ("Pos Indonesia", "Pos Reguler", 0, 18_000, "Gratis ongkir se-Jawa"),
    ]


def test_below_the_minimum_or_outside_jawa_the_seed_s_rates_are_charged(demo_shipping):
    below = shipping_quote(SEKAYU, weight_grams=1_500, subtotal=199_000)
    assert [(o.cost, o.rule_name) for o in below.options][0] == (22_000, "")

    denpasar = shipping_quote(Destination(region_code="51.71.01.1001"), weight_grams=1_500, subtotal=206_000)
    # Bali's own rates: JNE REG is Rp 11.000 x 1.5 = Rp 17.000 a kilogram (rounded up), 2 kg.
    assert [(o.courier, o.service, o.cost, o.etd, o.rule_name) for o in denpasar.options][0] == (
        "JNE",
        "REG",
        34_000,
        "3-4 hari",
        "",
    )
