"""The owner's flat rates per kilogram: what checkout offers when Komerce is not set or fails.

A rate may be limited to a province or an island group. For each courier and service the most
specific active rate that fits the destination wins: its province's, else its island group's, else
the one for anywhere, so an owner can keep one rate for everywhere and dearer ones for far islands.
"""

from math import ceil

from django.db.models import Q

from shop.shipping.couriers import courier_code_for
from shop.shipping.models import ShippingRate
from shop.shipping.options import ShippingOption


def chargeable_kilograms(weight_grams):
    # Couriers bill every started kilogram, and at least one.
    return max(1, ceil(weight_grams / 1000))


def _specificity(rate):
    return 2 if rate.province_id else 1 if rate.island_group else 0


def rates_for(area):
    """The active rate of each courier and service that fits `area` (an areas.Area) best, in the owner's order."""
    fits = Q(province=None, island_group="")
    if area.island_group:
        fits |= Q(province=None, island_group=area.island_group)
    if area.province_code:
        fits |= Q(province_id=area.province_code)
    best = {}
    for rate in ShippingRate.objects.filter(fits, is_active=True):
        # Typed by hand, so "JNE REG" and "jne reg " are the same courier and service.
        key = (rate.courier.strip().lower(), rate.service.strip().lower())
        if key not in best or _specificity(rate) > _specificity(best[key]):
            best[key] = rate
    return sorted(best.values(), key=lambda rate: (rate.sort_order, rate.courier, rate.service))


def flat_options(area, kilograms):
    # A rate of Rp 0 is a slip of the owner's (free shipping is a rule): never offer it as a price.
    return [_flat_option(rate, kilograms) for rate in rates_for(area) if rate.cost > 0]


def _flat_option(rate, kilograms):
    cost = rate.cost * kilograms
    return ShippingOption(
        key=f"tarif:{rate.pk}",
        courier=rate.courier,
        service=rate.service,
        etd=rate.etd,
        cost=cost,
        original_cost=cost,
        source="flat",
        courier_code=courier_code_for(rate.courier),
    )
