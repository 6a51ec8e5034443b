"""Suggestions as the buyer types (issue 16, item 3): the JSON the header's box reads, and the synonyms
the owner keeps in the admin (item 2)."""

from io import BytesIO

import pytest
from django.core.files.images import ImageFile
from django.urls import reverse
from wagtail.images.models import Image

from search.models import Synonym
from shop.models import ProductImage
from tests import factories, helpers

pytestmark = pytest.mark.django_db


def suggest(client, q):
    response = client.get(reverse("search"), {"q": q, "format": "json"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_suggestions_start_after_two_letters(client, demo_shelf):
    assert suggest(client, "k")["results"] == []
    assert suggest(client, " k ")["results"] == []
    names = [result["name"] for result in suggest(client, "ko")["results"]]
    assert set(names) >= {"Kopi Gayo Arabika 200 g", "Kopi Robusta Lampung"}


def test_a_suggestion_has_name_link_price_and_a_small_picture(client, demo_shelf):
    picture = Image.objects.create(title="Kopi", file=ImageFile(BytesIO(factories.picture_bytes()), name="kopi.jpg"))
    ProductImage.objects.create(product=demo_shelf["kopi"], image=picture, sort_order=0)
    results = suggest(client, "kopi gayo")["results"]
    assert results == [
        {
            "name": "Kopi Gayo Arabika 200 g",
            "url": demo_shelf["kopi"].get_absolute_url(),
            "price": "Rp 85.000",
            "image": picture.get_rendition("fill-96x96").url,
        }
    ]
    assert suggest(client, "sambal")["results"][0]["image"] == ""


def test_at_most_eight_suggestions(client, catalog_page, category):
    for i in range(12):
        factories.product(name=f"Teh Melati {i}", category=category)
    assert len(suggest(client, "teh")["results"]) == 8


def test_suggestions_tolerate_typos_and_use_synonyms(client, demo_shelf):
    assert [r["name"] for r in suggest(client, "jilbab")["results"]] == ["Hijab Segi Empat Voal"]
    assert [r["name"] for r in suggest(client, "sambel")["results"]][0] == "Sambal Bawang Botol"
    answer = suggest(client, "gamsi")
    assert [r["name"] for r in answer["results"]] == ["Gamis Katun Rayon"]
    assert answer["corrected"] == "gamis"


def test_suggestions_never_show_inactive_products(client, demo_shelf):
    factories.product(name="Kopi Luwak Rahasia", category=demo_shelf["kopi"].category, is_active=False)
    assert "Kopi Luwak Rahasia" not in [r["name"] for r in suggest(client, "kopi")["results"]]


@pytest.mark.parametrize("q", ['"', "*", "kopi\x00", "<script>", "k" * 500, "🙂☕"])
def test_odd_input_gives_an_answer(client, demo_shelf, q):
    assert isinstance(suggest(client, q)["results"], list)


def test_the_header_form_works_without_javascript(client, demo_shelf):
    html = client.get(reverse("search"), {"q": "kopi"}).content.decode()
    assert '<form class="header-search" action="/search/" method="get" role="search" data-suggest' in html
    assert 'name="q"' in html
    assert "js/search-suggest.js" in html


# --- The owner's synonyms in the admin -----------------------------------------------------------


def test_synonym_groups_are_cleaned(db):
    assert Synonym(words=" Hijab,jilbab , KERUDUNG,,hijab ").word_list() == ["hijab", "jilbab", "kerudung"]
    with pytest.raises(Exception, match="dua kata"):
        Synonym(words="hijab").full_clean()


def test_the_owner_adds_a_synonym_in_the_admin_and_buyers_find_by_it(client, demo_shelf, admin_user):
    assert [r["name"] for r in suggest(client, "abaya")["results"]] == []
    owner = helpers.signed_in(admin_user)
    add_url = reverse("wagtailsnippets_storefront_search_synonym:add")
    assert owner.get(add_url).status_code == 200
    response = owner.post(add_url, {"words": "gamis, abaya"})
    assert response.status_code == 302
    assert Synonym.objects.get(words__contains="abaya").word_list() == ["gamis", "abaya"]
    assert [r["name"] for r in suggest(client, "abaya")["results"]] == ["Gamis Katun Rayon"]
    assert "Gamis Katun Rayon" in [p.name for p in client.get(reverse("search"), {"q": "abaya"}).context["products"]]
    listing = owner.get(reverse("wagtailsnippets_storefront_search_synonym:list")).content.decode()
    assert "gamis, abaya" in listing


def test_only_the_admin_role_edits_synonyms(client, demo_shelf, cs1_user, cs2_user, buyer):
    add_url = reverse("wagtailsnippets_storefront_search_synonym:add")
    for user in (cs1_user, cs2_user):
        staff = helpers.signed_in(user)
        response = staff.get(add_url)
        assert response.status_code in (302, 403)
        staff.post(add_url, {"words": "kopi, kupi"})
        assert not Synonym.objects.filter(words__icontains="kupi").exists()
        assert "Sinonim pencarian" not in staff.get(reverse("wagtailadmin_home")).content.decode()
    assert helpers.signed_in(buyer).get(add_url).status_code == 302
