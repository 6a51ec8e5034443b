"""Search that finds what Indonesian buyers type (issue 16): typos, slang, synonyms, affixes, partial
words and SKUs, on every database (PostgreSQL: full-text `indonesian` + trigrams; SQLite and
MariaDB: the in-memory catalog words), with whole-word matches ranked before typos.
"""

import pytest
from django.db import connection
from django.urls import reverse

from search import engine
from search.backends import catalog_words
from search.models import Synonym
from shop.models import Product
from tests import factories

pytestmark = pytest.mark.django_db


def found(client, q, **params):
    response = client.get(reverse("search"), {"q": q, **params})
    assert response.status_code == 200
    return [product.name for product in response.context["products"]]


@pytest.mark.parametrize(
    "q, expected_first",
    [
        ("kopii", "Kopi"),
        ("kopii gayo", "Kopi Gayo Arabika 200 g"),
        ("kopu gayo", "Kopi Gayo Arabika 200 g"),
        ("sambel", "Sambal Bawang Botol"),
        ("kripik pedas", "Keripik Singkong Pedas"),
        ("jilbab", "Hijab Segi Empat Voal"),
        ("kerudung", "Hijab Segi Empat Voal"),
        ("DEMO-008", "Kopi Gayo Arabika 200 g"),
        ("demo-029", "Hijab Segi Empat Voal"),
        ("pedasnya", None),
        ("gamsi", "Gamis Katun Rayon"),
        ("kop", "Kopi"),
        ("sambal bawang", "Sambal Bawang Botol"),
        ("teh melati", "Teh Melati Tubruk"),
    ],
)
def test_buyers_find_the_right_product(client, demo_shelf, q, expected_first):
    names = found(client, q)
    assert names, f"nothing found for {q!r}"
    if expected_first is None:
        # "pedasnya" is "pedas" with a suffix: every spicy product, and only those.
        assert set(names) == {"Sambal Bawang Botol", "Keripik Singkong Pedas"}
    else:
        assert names[0].startswith(expected_first)


def test_slang_without_a_synonym_is_not_found_by_the_synonym_path(client, demo_shelf):
    Synonym.objects.all().delete()
    # "jilbab" shares no letters worth a typo with "hijab": only the owner's synonym finds it.
    assert found(client, "jilbab") == []


def test_a_synonym_the_owner_adds_is_used_at_once(client, demo_shelf):
    factories.product(name="Kopiah Rajut Putih", category=demo_shelf["gamis"].category, stock=3)
    assert found(client, "songkok") == []
    Synonym.objects.create(words="peci, kopiah, songkok")
    assert found(client, "songkok") == ["Kopiah Rajut Putih"]
    assert found(client, "songkok rajut") == ["Kopiah Rajut Putih"]


def test_one_typo_is_tolerated_without_any_synonym(client, demo_shelf):
    factories.product(name="Krupuk Udang Sidoarjo", category=demo_shelf["tempe"].category, stock=3)
    assert found(client, "kerupuk") == ["Krupuk Udang Sidoarjo"]


def test_whole_word_matches_in_the_name_come_before_the_description(client, demo_shelf):
    # "sambal" is in the sauce's name and, for the peanut sauce, only in a longer description below.
    Product.objects.filter(pk=demo_shelf["pecel"].pk).update(description="<p>Sambal kacang khas Madiun.</p>")
    catalog_words.forget()
    assert found(client, "sambal") == ["Sambal Bawang Botol", "Bumbu Pecel Madiun"]


def test_a_corrected_query_says_did_you_mean(client, demo_shelf):
    response = client.get(reverse("search"), {"q": "kopu gayo"})
    html = response.content.decode()
    assert response.context["result"].found.corrected_query == "kopi gayo"
    assert "Maksud Anda: kopi gayo?" in html
    assert "?q=kopi+gayo" in html


def test_an_exact_query_says_nothing_about_corrections(client, demo_shelf):
    response = client.get(reverse("search"), {"q": "kopi gayo"})
    assert response.context["result"].found.corrected_query == ""
    assert "Maksud Anda" not in response.content.decode()


def test_typos_in_short_words_are_not_guessed(client, demo_shelf):
    # One letter off a three-letter word is another word, not a typo: "tah" stays unmatched.
    assert found(client, "tah") == []


def test_nothing_like_the_query_finds_nothing(client, demo_shelf):
    assert found(client, "sepatu roda") == []
    assert found(client, "laptop") == []


def test_inactive_products_stay_hidden_from_tolerant_matches(client, demo_shelf):
    factories.product(name="Kopi Luwak Rahasia", category=demo_shelf["kopi"].category, is_active=False)
    for q in ("kopii", "kopu luwak", "luwak", "sambel"):
        assert "Kopi Luwak Rahasia" not in found(client, q)


def test_a_product_deactivated_by_a_bulk_update_disappears(client, demo_shelf):
    # The engine reads the database as it is; kept results need the version bumped too (test_cache.py).
    assert "Gamis Katun Rayon" in found(client, "gamis")
    Product.objects.filter(pk=demo_shelf["gamis"].pk).update(is_active=False)
    assert found(client, "gamis") == []


def test_the_engine_for_the_database(settings):
    expected = "postgres" if connection.vendor == "postgresql" else "fallback"
    assert engine._database_engine().__name__.rsplit(".", 1)[-1] == expected


# --- PostgreSQL: the `indonesian` configuration and pg_trgm ---------------------------------------


@pytest.mark.postgres
def test_postgresql_has_pg_trgm_and_the_search_indexes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone()
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'shop_product' AND indexname LIKE 'search_%'"
        )
        assert {row[0] for row in cursor} == {
            "search_product_document",
            "search_product_name_trgm",
            "search_product_sku_trgm",
            "search_product_variant_words_trgm",
            "search_product_description_trgm",
        }
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'search_product_document'")
        assert "variant_words" in cursor.fetchone()[0], "the document index is over the expression searches use"


@pytest.mark.postgres
def test_postgresql_stems_indonesian_words_with_its_own_configuration(demo_shelf):
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_tsvector('indonesian', 'pedasnya') @@ plainto_tsquery('indonesian', 'pedas')")
        assert cursor.fetchone()[0] is True
    hits, corrections = engine.postgres.find([("pedasnya", ("pedasnya",))], limit=10)
    assert {hit[0] for hit in hits} == {demo_shelf["sambal"].pk, demo_shelf["keripik"].pk}
    assert corrections == {}


@pytest.mark.postgres
def test_postgresql_trigrams_find_typos_only_when_full_text_finds_nothing(demo_shelf):
    hits, corrections = engine.postgres.find([("sambl", ("sambl",))], limit=10)
    assert hits[0][0] == demo_shelf["sambal"].pk
    assert corrections == {"sambl": "sambal"}
    hits, corrections = engine.postgres.find([("sambal", ("sambal",))], limit=10)
    assert [hit[0] for hit in hits] == [demo_shelf["sambal"].pk]
    assert corrections == {}


@pytest.mark.postgres
def test_postgresql_search_uses_its_indexes(demo_shelf):
    # With sequential scans priced out and the active-products index out of the way (both undone when the
    # test's transaction rolls back), a handful of products show the plan a large catalog gets.
    sql, params = engine.postgres._select([("kopi", ("kopi",))], tolerant=True, limit=10)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("DROP INDEX product_active_newest")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor)
    assert "search_product_document" in plan
    assert "search_product_name_trgm" in plan
