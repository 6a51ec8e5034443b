import re

from django import template
from django.utils.translation import gettext, ngettext

from shop.core.money import format_rupiah
from shop.core.phone import local_phone

register = template.Library()

# How a delivery estimate is kept (courier answers as shop.shipping.live gives them, the owner's rates as typed).
DAYS = re.compile(r"^(\d+)(?:\s*-\s*(\d+))?\s*hari$", re.IGNORECASE)


@register.filter
def rupiah(amount):
    return format_rupiah(amount)


@register.filter
def phone(number):
    """A number kept as +62… shown as Indonesians write it: 0812 3456 7890."""
    return local_phone(number)


@register.filter
def delivery_days(estimate):
    """A delivery estimate kept in Indonesian ("2-3 hari") in the visitor's language; other text as it is."""
    match = DAYS.match((estimate or "").strip())
    if not match:
        return estimate
    low, high = match.groups()
    if high and high != low:
        return gettext("%(low)s-%(high)s hari") % {"low": low, "high": high}
    return ngettext("%(days)s hari", "%(days)s hari", int(low)) % {"days": low}
