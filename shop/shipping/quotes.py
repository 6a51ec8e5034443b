"""Shipping options for a destination: the buyer's choices at checkout and the cost an order keeps.

The interface checkout uses (issue 13). With Komerce set up (KOMERCE_API_KEY, and an origin district
in Settings > Pengaturan pengiriman) the options are the couriers' live costs (shop.shipping.live);
without it, or when Komerce fails, they are the owner's flat rates (shop.shipping.rates) with a note
saying so. Either way the owner's free-shipping rules are applied last (shop.shipping.rules).

Checkout shows shipping_quote()'s options and, on review and when placing the order, takes the
cost from shipping_option() by the posted key, never from the form: the buyer cannot change it.
An empty list of options comes with a note and must be reported to the buyer; it never means free.
"""

from django.utils.translation import gettext_lazy as _

from shop.shipping.areas import area_of
from shop.shipping.live import NoLiveRates, live_options
from shop.shipping.options import Destination, Quote, ShippingOption
from shop.shipping.rates import chargeable_kilograms, flat_options
from shop.shipping.rules import apply_rules

__all__ = ["Destination", "Quote", "ShippingOption", "shipping_option", "shipping_quote"]

NO_OPTIONS = _("Belum ada pilihan pengiriman ke alamat ini. Silakan hubungi toko.")


def shipping_quote(destination, *, weight_grams, subtotal):
    """Every option to `destination` for a parcel of `weight_grams`, with the owner's rules applied."""
    area = area_of(destination)
    kilograms = chargeable_kilograms(weight_grams)
    try:
        options, source, note = live_options(destination, kilograms), "komerce", ""
    except NoLiveRates as no_live_rates:
        options, source, note = flat_options(area, kilograms), "flat", no_live_rates.note
    options = apply_rules(options, area, subtotal)
    return Quote(options=options, source=source, note=note if options else NO_OPTIONS)


def shipping_option(key, destination, *, weight_grams, subtotal):
    """The option `key` names for this destination now, or None when it is no longer offered."""
    return next(
        (o for o in shipping_quote(destination, weight_grams=weight_grams, subtotal=subtotal).options if o.key == key),
        None,
    )
