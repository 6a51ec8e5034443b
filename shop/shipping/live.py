"""Live courier costs from Komerce, from the shop's origin to a destination, cached.

A quote is kept in Django's cache for QUOTE_CACHE_SECONDS under the origin's and destination's
Komerce ids, the weight step and the couriers: couriers change their tariffs a few times a year,
while a busy checkout asks for the same route many times an hour. The weight step is the started
kilogram couriers bill by; Komerce is asked about the step's full weight, so the one answer is right
(never too low) for every parcel in the step.

When live costs cannot be had, NoLiveRates says why in words for the buyer, and checkout offers the
owner's flat rates. After Komerce fails, the shop stops asking it for a while (PAUSE_*), so that a
busy checkout does not wait out the timeout on every page view while Komerce is down.
"""

import logging
import re
from dataclasses import asdict

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from shop.integrations import komerce
from shop.shipping.couriers import courier_name
from shop.shipping.destinations import komerce_id
from shop.shipping.models import ShippingSettings
from shop.shipping.options import ShippingOption

logger = logging.getLogger(__name__)

QUOTE_CACHE_SECONDS = 6 * 60 * 60
# A route no courier serves is asked about again sooner: a service may have been down for a moment.
EMPTY_QUOTE_CACHE_SECONDS = 30 * 60
PAUSE_AFTER_FAILURE_SECONDS = 60
# A refused key stays refused until the owner changes it (and restarts the shop).
PAUSE_AFTER_REFUSAL_SECONDS = 10 * 60
PAUSE_KEY = "shipping:komerce:paused"
CACHE_VERSION = 1  # bump when what is cached changes shape

NOT_SET = _("Ongkir memakai tarif toko.")
OLD_ADDRESS = _("Ongkir memakai tarif toko karena alamat ini belum memilih kelurahan/desa dari daftar wilayah.")
NOT_FOUND = _("Ongkir memakai tarif toko karena alamat tujuan tidak ditemukan di layanan cek ongkir kurir.")
NO_SERVICE = _("Ongkir memakai tarif toko karena kurir pilihan toko belum melayani alamat ini.")
FAILED = _("Ongkir memakai tarif toko karena cek ongkir kurir sedang tidak bisa dihubungi.")

_COURIER_CODE = re.compile(r"[a-z0-9_]+")
_ETD = re.compile(r"^(\d+)(?:\s*-\s*(\d+))?\s*(?:days?|hari)?$", re.IGNORECASE)


class NoLiveRates(Exception):
    """Live costs cannot be had for this quote; `note` tells the buyer why the shop's own rates are shown."""

    def __init__(self, note):
        super().__init__(str(note))
        self.note = note


def courier_codes(text):
    """The owner's courier list ("jne:sicepat:jnt") as clean codes, sorted: one cache entry whatever the order."""
    return sorted(set(_COURIER_CODE.findall((text or "").lower())))


def etd_in_indonesian(etd):
    """Komerce's "1-2 day" as the buyer reads it, "1-2 hari"; a text it cannot read stays as it is."""
    etd = (etd or "").strip()
    match = _ETD.match(etd)
    if not match:
        return etd
    low, high = match.groups()
    return f"{low}-{high} hari" if high and high != low else f"{low} hari"


def live_options(destination, kilograms):
    """Komerce's options to `destination` (a quotes.Destination), cheapest first, before any rule.

    Raises NoLiveRates when the shop is not set up for Komerce, the address cannot be priced, or
    Komerce fails (logged)."""
    client = komerce.Client.from_settings()
    shipping_settings = ShippingSettings.load()
    origin_code = shipping_settings.origin_district_id
    couriers = courier_codes(shipping_settings.couriers)
    if client is None or origin_code is None or not couriers:
        raise NoLiveRates(NOT_SET)
    if destination.region_code.count(".") != 3:
        raise NoLiveRates(OLD_ADDRESS)
    if cache.get(PAUSE_KEY):
        raise NoLiveRates(FAILED)
    try:
        costs = _costs(client, origin_code, destination.region_code, kilograms, couriers)
    except komerce.KomerceRefused as error:
        logger.warning("Komerce refused a shipping quote: %s", error)
        # A 422 is about this one request; a bad key (401/403) will refuse every other one too.
        if error.status in (401, 403):
            cache.set(PAUSE_KEY, True, PAUSE_AFTER_REFUSAL_SECONDS)
        raise NoLiveRates(FAILED) from error
    except komerce.KomerceError as error:
        logger.warning(
            "Komerce failed a shipping quote, using flat rates for %ss: %s", PAUSE_AFTER_FAILURE_SECONDS, error
        )
        cache.set(PAUSE_KEY, True, PAUSE_AFTER_FAILURE_SECONDS)
        raise NoLiveRates(FAILED) from error
    options = _options(costs)
    if not options:
        raise NoLiveRates(NO_SERVICE)
    return options


def _costs(client, origin_code, region_code, kilograms, couriers):
    origin = komerce_id(client, origin_code)
    if origin is None:  # logged once a day, when the miss is kept; the settings page says so too
        raise NoLiveRates(NOT_SET)
    destination = komerce_id(client, region_code)
    if destination is None:
        raise NoLiveRates(NOT_FOUND)
    key = cache_key(origin, destination, kilograms, couriers)
    cached = cache.get(key)
    if cached is not None:
        return [komerce.Cost(**cost) for cost in cached]
    costs = client.domestic_cost(
        origin=origin, destination=destination, weight_grams=kilograms * 1000, couriers=couriers
    )
    # Plain dicts rather than pickled objects; CACHE_VERSION changes when Cost's fields do, since an
    # entry outlives the deploy that changed them.
    cache.set(key, [asdict(cost) for cost in costs], QUOTE_CACHE_SECONDS if costs else EMPTY_QUOTE_CACHE_SECONDS)
    return costs


def cache_key(origin, destination, kilograms, couriers):
    return f"shipping:komerce:v{CACHE_VERSION}:{origin}:{destination}:{kilograms}kg:{':'.join(couriers)}"


def _options(costs):
    options = {}
    for cost in costs:
        # A cost of 0 or less is no price at all (an unpriced route, a glitch), never a free parcel.
        if cost.cost <= 0 or not cost.service:
            continue
        key = f"komerce:{cost.code}:{cost.service}"
        if key in options:
            continue
        name = courier_name(cost.code)
        options[key] = ShippingOption(
            key=key,
            # Our short name when the code is one we know ("JNE", not "Jalur Nugraha Ekakurir (JNE)"):
            # it is what the order keeps and what CS ships and tracks by.
            courier=(name if name != cost.code else cost.name or cost.code.upper())[:40],
            service=cost.service[:60],
            etd=etd_in_indonesian(cost.etd)[:40],
            cost=cost.cost,
            original_cost=cost.cost,
            source="komerce",
            courier_code=cost.code,
        )
    return sorted(options.values(), key=lambda option: (option.cost, option.courier, option.service))
