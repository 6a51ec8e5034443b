"""Where a destination lies as the owner's rates and rules see it: its province and island group.

An address picked from the region list carries its village's code, whose first two digits are the
province. An address saved before regions existed has only the province as the buyer typed it
("DKI Jakarta", "Jogja", "Sumatra Utara"), matched here to one of the 38 by name where that is
unambiguous. An area that cannot be placed is the empty Area: only rates and rules for "anywhere"
apply to it.
"""

from dataclasses import dataclass

from shop.shipping.models import Province
from shop.shipping.region_data import search_name

# Shorthand Indonesians write for provinces, expanded word by word after search_name().
_WORDS = {
    "prov": "",
    "provinsi": "",
    "dki": "daerah khusus ibukota",
    "di": "daerah istimewa",
    "diy": "daerah istimewa yogyakarta",
    "jogja": "yogyakarta",
    "jogjakarta": "yogyakarta",
    "sumatra": "sumatera",
    "kep": "kepulauan",
    "kepri": "kepulauan riau",
    "babel": "kepulauan bangka belitung",
    "ntb": "nusa tenggara barat",
    "ntt": "nusa tenggara timur",
    "jabar": "jawa barat",
    "jateng": "jawa tengah",
    "jatim": "jawa timur",
}
# What a province's name may be written without: "Jakarta", "Yogyakarta", "Bangka Belitung".
_PREFIXES = ("daerah khusus ibukota ", "daerah khusus ", "daerah istimewa ", "kepulauan ")


@dataclass(frozen=True)
class Area:
    province_code: str = ""  # "33"
    province_name: str = ""
    island_group: str = ""  # an IslandGroup value


def area_of(destination):
    """The Area of a quotes.Destination; the empty Area when its province cannot be told."""
    province = None
    if destination.region_code:
        province = Province.objects.filter(code=destination.region_code[:2]).first()
    if province is None and destination.province:
        province = province_named(destination.province)
    if province is None:
        return Area()
    return Area(province_code=province.code, province_name=province.name, island_group=province.island_group)


def _plain(name):
    # "D.I. Yogyakarta" and "D.K.I." are the initials DI and DKI, not single letters.
    words = search_name(name.replace(".", "")).split()
    return " ".join(expanded for word in words if (expanded := _WORDS.get(word, word)))


def _short(name):
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return name


def province_named(name):
    """The province `name` means, or None when it names none or could mean several."""
    typed = _plain(name)
    if not typed:
        return None
    provinces = {_plain(province.name): province for province in Province.objects.all()}
    if typed in provinces:
        return provinces[typed]
    matches = [province for plain, province in provinces.items() if _short(plain) == _short(typed)]
    return matches[0] if len(matches) == 1 else None
