"""Adjusting the stock of one variant of a product with options, its stock history, and the
low-stock lists that name variants (issue 18)."""

import pytest
from django.urls import reverse

from shop.models import ProductVariant, StockMovement
from tests import factories
from tests.helpers import assert_ledger_balances, processed_order, signed_in, snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


@pytest.fixture
def hijab(category):
    return factories.variant_product(
        {"Hitam": 10, "Navy": 2, "Maroon": 7, "Sage": 0}, name="Hijab Voal", category=category, sku="HJB"
    )


def adjust_url(product, variant=None):
    url = reverse("shop_stock:adjust", args=[product.pk])
    return f"{url}?varian={variant.pk}" if variant else url


def history_url(product):
    return reverse("shop_stock:history", args=[product.pk])


def test_the_form_asks_which_colour(hijab, admin_user):
    product, variants = hijab

    response = signed_in(admin_user).get(adjust_url(product, variants["Navy"]))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.fields["variant"].label == "Varian"
    assert form["variant"].value() == variants["Navy"].pk  # chosen from the link
    html = response.content.decode()
    assert "Hijab Voal — Navy" in html and "data-current-stock>2<" in html
    assert "Navy (stok 2)" in html and "Maroon (stok 7)" in html


def test_a_product_with_options_needs_the_variant_picked(hijab, admin_user):
    product, _ = hijab
    before = snapshot()

    response = signed_in(admin_user).post(adjust_url(product), {"delta": "5", "reason": "restock"})

    assert response.status_code == 400 and response.context["form"].errors["variant"]
    assert snapshot() == before


def test_one_colours_stock_is_adjusted_against_the_stock_seen(hijab, admin_user):
    product, variants = hijab
    navy = variants["Navy"]
    client = signed_in(admin_user)

    check = client.post(adjust_url(product), {"variant": navy.pk, "delta": "24", "reason": "restock", "note": "SJ 9"})

    assert check.status_code == 200
    html = check.content.decode()
    assert "Hijab Voal — Navy" in html and "dari 2 menjadi <strong>26</strong>" in html
    assert 'name="expected_stock" value="2"' in html

    done = client.post(
        adjust_url(product),
        {"variant": navy.pk, "delta": "24", "reason": "restock", "note": "SJ 9", "expected_stock": "2"},
    )

    assert done.status_code == 302
    assert done["Location"] == f"{history_url(product)}?varian={navy.pk}"
    navy.refresh_from_db()
    product.refresh_from_db()
    assert (navy.stock, product.stock) == (26, 43)
    assert ProductVariant.objects.get(pk=variants["Hitam"].pk).stock == 10  # the other colours stay
    movement = StockMovement.objects.latest("pk")
    assert (movement.variant, movement.delta, movement.reason, movement.actor) == (
        navy,
        24,
        StockMovement.Reason.RESTOCK,
        admin_user,
    )
    assert_ledger_balances()


def test_a_stale_expected_stock_is_refused_and_shown_again(hijab, admin_user, buyer):
    product, variants = hijab
    navy = variants["Navy"]
    client = signed_in(admin_user)
    processed_order(buyer, (navy, 1))  # sold after the person looked (they saw 2)
    before = snapshot()

    response = client.post(
        adjust_url(product), {"variant": navy.pk, "delta": "-1", "reason": "damaged", "note": "", "expected_stock": "2"}
    )

    assert response.status_code == 200
    told = " ".join(str(m) for m in response.context["messages"])
    assert "Hijab Voal — Navy berubah menjadi 1" in told
    assert 'name="expected_stock" value="1"' in response.content.decode()
    assert snapshot() == before


def test_the_expected_stock_is_the_variants_not_the_products(hijab, admin_user):
    product, variants = hijab

    response = signed_in(admin_user).post(
        adjust_url(product),
        {"variant": variants["Maroon"].pk, "delta": "1", "reason": "restock", "note": "", "expected_stock": "19"},
    )

    assert response.status_code == 200  # 19 is the product's total: refused, Maroon has 7
    assert ProductVariant.objects.get(pk=variants["Maroon"].pk).stock == 7


def test_another_products_variant_cannot_be_adjusted_here(hijab, admin_user, product):
    hijab_product, _ = hijab
    other = product.variants.get()
    before = snapshot()

    response = signed_in(admin_user).post(
        adjust_url(hijab_product), {"variant": other.pk, "delta": "1", "reason": "restock", "expected_stock": "10"}
    )

    assert response.status_code == 400
    assert snapshot() == before


def test_history_shows_the_variant_of_each_movement_and_filters_by_it(hijab, admin_user, cs1_user):
    product, variants = hijab
    client = signed_in(admin_user)
    client.post(
        adjust_url(product),
        {"variant": variants["Navy"].pk, "delta": "3", "reason": "restock", "note": "", "expected_stock": "2"},
    )

    everything = client.get(history_url(product))

    assert everything.status_code == 200
    rows = list(everything.context["object_list"])
    assert [(m.variant.option1, m.delta, m.balance, m.product_balance) for m in rows] == [
        ("Navy", 3, 5, 22),
        ("Maroon", 7, 7, 19),
        ("Navy", 2, 2, 12),
        ("Hitam", 10, 10, 10),
    ]
    html = everything.content.decode()
    assert "Varian" in html and "Total produk setelahnya" in html and "Semua varian" in html

    navy_only = client.get(history_url(product), {"varian": variants["Navy"].pk})

    assert [(m.delta, m.balance) for m in navy_only.context["object_list"]] == [(3, 5), (2, 2)]
    assert "data-current-stock>5<" in navy_only.content.decode()
    # CS may read it too, without the adjust links.
    cs_html = signed_in(cs1_user).get(history_url(product), {"varian": variants["Navy"].pk}).content.decode()
    assert "Navy" in cs_html and reverse("shop_stock:adjust", args=[product.pk]) not in cs_html


def test_cs_cannot_adjust_a_variant(hijab, cs1_user, cs2_user):
    product, variants = hijab
    data = {"variant": variants["Navy"].pk, "delta": "5", "reason": "restock", "note": "", "expected_stock": "2"}
    for user in (cs1_user, cs2_user):
        assert signed_in(user).post(adjust_url(product), data).status_code in (302, 403)  # sent away
    assert ProductVariant.objects.get(pk=variants["Navy"].pk).stock == 2


def test_the_dashboard_names_the_colour_running_low(hijab, admin_user, settings):
    settings.LOW_STOCK_THRESHOLD = 5
    product, variants = hijab

    html = signed_in(admin_user).get("/admin/").content.decode()
    panel = html[html.index("data-shop-dashboard") :]

    assert "Hijab Voal — Navy" in panel and "Hijab Voal — Hitam" not in panel
    assert adjust_url(product, variants["Navy"]) in panel


def test_the_product_list_filters_find_a_product_by_one_variant(hijab, admin_user, settings):
    settings.LOW_STOCK_THRESHOLD = 5
    product, _ = hijab
    client = signed_in(admin_user)
    listing = reverse("wagtailsnippets_shop_product:list")

    low = client.get(listing, {"stock_state": "low"}).context["object_list"]
    out = client.get(listing, {"stock_state": "out"}).context["object_list"]

    assert product in list(low)  # Navy has 2
    assert product in list(out)  # Sage is sold out
