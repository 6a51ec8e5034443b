"""Buyers find a product by its variants: "hijab navy" finds the hijab sold in navy although its name
and description never say navy, and a variant's SKU typed in full finds its product first.

What search knows of the variants (Product.variant_words) follows the owner's changes in the admin
and by import, and the migration that added it filled it for products that had options already.
Shown on every database: PostgreSQL searches its document index, SQLite and MariaDB the catalog
words in memory.
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from search.backends import catalog_words
from shop.models import Product, ProductVariant
from tests import factories
from tests.catalog.test_variant_admin import ADD_URL, edit_url, existing_rows, form_errors, product_data, variant_rows
from tests.helpers import signed_in
from tests.imports.test_variants_import import HEADERS, hijab_rows, run, variant_row

COLOURS = ["Hitam", "Navy", "Maroon", "Dusty Pink", "Sage", "Mocca"]


def found(client, q):
    response = client.get(reverse("search"), {"q": q})
    assert response.status_code == 200
    return [product.name for product in response.context["products"]]


@pytest.fixture
def shelf(category, admin_user):
    """A hijab in six colours made in the admin, its description silent about them, beside a
    plain product whose description mentions navy."""
    rows = [{"option1": colour, "opening_stock": "5"} for colour in COLOURS]
    data = product_data(category, description='{"blocks":[],"entityMap":{}}') | variant_rows(rows)
    response = signed_in(admin_user).post(reverse(ADD_URL), data)
    assert response.status_code == 302, form_errors(response)
    factories.product(name="Gamis Katun", sku="GMS-1", description="<p>Gamis katun warna navy.</p>")
    catalog_words.forget()
    return Product.objects.get(sku="HJB-VOAL")


@pytest.mark.django_db
def test_a_buyer_finds_the_hijab_by_its_colour(client, shelf):
    assert shelf.variant_words.split()[:3] == ["Warna", "Hitam", "HJB-VOAL-HITAM"]
    assert found(client, "hijab navy") == ["Hijab Voal"]
    assert set(found(client, "navy")) == {"Hijab Voal", "Gamis Katun"}
    assert found(client, "hijab dusty pink") == ["Hijab Voal"]
    assert found(client, "hijab warna navy") == ["Hijab Voal"]
    assert found(client, "hijab ungu") == []


@pytest.mark.django_db
def test_a_colour_typed_with_a_typo_still_finds_the_hijab(client, shelf):
    assert found(client, "hijab navi") == ["Hijab Voal"]


@pytest.mark.django_db
def test_a_variants_sku_typed_in_full_finds_its_product_first(client, shelf):
    factories.product(name="Hijab Voal Navy Polos", sku="HJB-OTHER")
    assert found(client, "HJB-VOAL-NAVY")[0] == "Hijab Voal"
    assert found(client, "hjb-voal-navy")[0] == "Hijab Voal"


@pytest.mark.django_db
def test_search_follows_the_owners_changes_to_the_variants(client, shelf, admin_user):
    owner = signed_in(admin_user)
    changes = {"HJB-VOAL-NAVY": {"is_active": None}, "HJB-VOAL-MOCCA": {"option1": "Coklat Susu"}}
    response = owner.post(
        edit_url(shelf), product_data(shelf.category) | variant_rows(existing_rows(shelf, changes), 6)
    )
    assert response.status_code == 302, form_errors(response)

    assert found(client, "hijab navy") == [], "a colour taken off sale is not offered by search"
    assert found(client, "hijab coklat susu") == ["Hijab Voal"]


@pytest.mark.django_db
def test_imported_colours_are_found_and_follow_the_next_import(client, admin_user):
    run(hijab_rows(), admin_user)
    assert found(client, "hijab sage") == ["Hijab Voal"]

    rows = hijab_rows()
    rows[4] = variant_row("HJB-SAG", "HJB", "Hijau Sage", price=49_000, stock="")
    run(rows, admin_user, headers=HEADERS)

    assert "Hijau Sage" in Product.objects.get(sku="HJB").variant_words
    assert found(client, "hijab hijau") == ["Hijab Voal"]


@pytest.mark.django_db
def test_a_product_without_options_has_no_variant_words(product):
    product.name = "Kopi Gayo Robusta"
    product.save()
    assert Product.objects.get(pk=product.pk).variant_words == ""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_fills_the_words_of_products_that_had_options(category):
    hijab, _colours = factories.variant_product({"Hitam": 1, "Navy": 0})
    ProductVariant.objects.filter(product=hijab, option1="Navy").update(is_active=False)
    plain = factories.product(name="Teh Melati")
    Product.objects.update(variant_words="")
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("shop", "0019_every_line_names_a_variant")])
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        assert Product.objects.get(pk=hijab.pk).variant_words == f"Warna Hitam {hijab.sku}-V1"
        assert Product.objects.get(pk=plain.pk).variant_words == ""
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
