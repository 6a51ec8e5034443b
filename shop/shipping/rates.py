"""Shipping options at checkout: the owner's flat rates per kilogram (live courier rates come later)."""

from dataclasses import dataclass
from math import ceil

from shop.shipping.models import ShippingRate


@dataclass(frozen=True)
class ShippingOption:
    rate_id: int
    courier: str
    service: str
    etd: str
    cost: int

    @property
    def label(self):
        return f"{self.courier} {self.service}"


def chargeable_kilograms(weight_grams):
    # Couriers bill every started kilogram, and at least one.
    return max(1, ceil(weight_grams / 1000))


def flat_rate_options(weight_grams):
    kilograms = chargeable_kilograms(weight_grams)
    return [_option(rate, kilograms) for rate in ShippingRate.objects.filter(is_active=True)]


def flat_rate_option(rate_id, weight_grams):
    """The option for one rate, or None when the owner has removed or switched it off."""
    rate = ShippingRate.objects.filter(pk=rate_id, is_active=True).first()
    return _option(rate, chargeable_kilograms(weight_grams)) if rate else None


def _option(rate, kilograms):
    return ShippingOption(rate.pk, rate.courier, rate.service, rate.etd, rate.cost * kilograms)
