"""Komerce's id for one of our regions, looked up once and kept in KomerceDestination.

Komerce prices a parcel between two of its own ids, one per village ("subdistrict"). Ours are
Kemendagri codes, so each village (and the shop's origin district) is searched for once, by the
names and postal code the region tables hold, and the row whose names match ours is kept. A miss is
kept too, so a place Komerce does not know costs no request per page view; it is asked again after
RETRY_MISS_AFTER, in case Komerce has added it.

Which texts Komerce's search matches (a postal code, one name, several words) is unverified: one
name or a postal code is what its documentation shows, so those are what is asked, most selective
first, and matching is done here.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from shop.shipping.models import District, KomerceDestination, Village
from shop.shipping.region_data import search_name

logger = logging.getLogger(__name__)

RETRY_MISS_AFTER = timedelta(days=1)
# Every village of a postal code fits; a name shared by hundreds of villages may not, which is why
# the postal code is searched first.
SEARCH_LIMIT = 50


@dataclass(frozen=True)
class _Names:
    """A region's names as search_name() writes them: what Komerce's rows are compared with."""

    district: str
    city: str
    village: str = ""  # empty for a district (the shop's origin)


def komerce_id(client, region_code):
    """Komerce's id for a village code ("34.04.12.2001") or a district code ("34.04.12"); None when
    Komerce does not know it or the code is not one of our regions. Raises the client's errors."""
    known = KomerceDestination.objects.filter(region_code=region_code).first()
    if known is not None and (known.komerce_id is not None or known.checked_at > timezone.now() - RETRY_MISS_AFTER):
        return known.komerce_id
    names, searches = _region(region_code)
    if names is None:
        return None
    found = _search(client, names, searches)
    if found is None:
        logger.warning(
            "Komerce has no match for region %s (searched %s): flat rates there for a day", region_code, searches
        )
    # Kept only now that Komerce has answered: an error above is not a miss and leaves nothing behind.
    KomerceDestination.objects.update_or_create(
        region_code=region_code,
        defaults={"komerce_id": found.id if found else None, "label": found.label[:255] if found else ""},
    )
    return found.id if found else None


def _region(region_code):
    """(names, texts to search for) of a village or district code; (None, ()) for an unknown code."""
    if region_code.count(".") == 3:
        village = Village.objects.select_related("district__city").filter(code=region_code).first()
        if village is None:
            return None, ()
        district = village.district
        names = _Names(district=district.search_name, city=district.city.search_name, village=village.search_name)
        return names, [text for text in (village.postal_code, village.name) if text]
    district = District.objects.select_related("city").filter(code=region_code).first()
    if district is None:
        return None, ()
    return _Names(district=district.search_name, city=district.city.search_name), [district.name]


def _score(row, names):
    """How well a Komerce row fits our region: None unless the district's name matches and the village's
    or city's does too. A neighbour in the same district is a fair stand-in when Komerce lacks the village:
    couriers price by district."""
    if search_name(row.district_name) != names.district:
        return None
    village = bool(names.village) and search_name(row.subdistrict_name) == names.village
    city = search_name(row.city_name, city=True) == names.city
    score = 2 * village + city
    return score or None


def _search(client, names, searches):
    best, best_score = None, 0
    perfect = 2 * bool(names.village) + 1
    for text in searches:
        for row in client.search_destinations(text, limit=SEARCH_LIMIT):
            score = _score(row, names)
            if score and score > best_score:
                best, best_score = row, score
        if best_score == perfect:
            break
    return best
