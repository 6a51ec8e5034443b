"""A product's variants edited on the product screen of the admin (issue 18): options, SKU, price
and weight per variant, opening stock through the ledger, and the refusals an owner can read."""

import pytest
from django.urls import reverse

from shop.models import Product, ProductVariant, StockMovement
from tests import factories
from tests.helpers import assert_ledger_balances, processed_order, signed_in
from tests.storefront.test_page_queries import picture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

ADD_URL = "wagtailsnippets_shop_product:add"
COLOURS = ["Hitam", "Navy", "Maroon", "Dusty Pink", "Sage", "Mocca"]


def edit_url(product):
    return reverse("wagtailsnippets_shop_product:edit", args=[product.pk])


def product_data(category, **fields):
    data = {
        "name": "Hijab Voal",
        "sku": "HJB-VOAL",
        "slug": "hijab-voal",
        "category": category.pk,
        "price": "45000",
        "weight_grams": "120",
        "opening_stock": "0",
        "is_active": "on",
        "option1_name": "Warna",
        "option2_name": "",
        "description": '{"blocks":[],"entityMap":{}}',
        "gallery-TOTAL_FORMS": "0",
        "gallery-INITIAL_FORMS": "0",
        "gallery-MIN_NUM_FORMS": "0",
        "gallery-MAX_NUM_FORMS": "1000",
    }
    data.update(fields)
    return data


def variant_rows(rows, initial=0):
    """The inline's fields for `rows` (dicts of a variant's fields), the first `initial` of them existing."""
    data = {
        "variants-TOTAL_FORMS": str(len(rows)),
        "variants-INITIAL_FORMS": str(initial),
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
    }
    for n, row in enumerate(rows):
        row = {"option2": "", "sku": "", "price": "", "weight_grams": "", "is_active": "on", "ORDER": str(n + 1)} | row
        data.update({f"variants-{n}-{key}": value for key, value in row.items() if value is not None})
    return data


def existing_rows(product, changes=None):
    """The inline as the edit screen shows it, with `changes` {sku: {field: value}} made by the owner."""
    changes = changes or {}
    return [
        {
            "id": str(variant.pk),
            "option1": variant.option1,
            "option2": variant.option2,
            "sku": variant.sku,
            "price": str(variant.price),
            "weight_grams": str(variant.weight_grams),
            "is_active": "on" if variant.is_active else None,
        }
        | changes.get(variant.sku, {})
        for variant in product.variants.order_by("sort_order", "pk")
    ]


def form_errors(response):
    form = response.context["form"]
    errors = [str(error) for error in form.non_field_errors()]
    errors += [str(error) for field in form.errors.values() for error in field]
    variants = form.formsets["variants"]
    errors += [str(error) for error in variants.non_form_errors()]
    errors += [str(error) for child in variants.forms for field in child.errors.values() for error in field]
    return " ".join(errors)


@pytest.fixture
def hijab(category, admin_user):
    """A hijab in six colours made through the admin, 5 to 10 of each."""
    rows = [{"option1": colour, "opening_stock": str(5 + n)} for n, colour in enumerate(COLOURS)]
    rows[1]["price"] = "49000"
    response = signed_in(admin_user).post(reverse(ADD_URL), product_data(category) | variant_rows(rows))
    assert response.status_code == 302, form_errors(response)
    return Product.objects.get(sku="HJB-VOAL")


def test_an_owner_creates_a_hijab_in_six_colours_with_their_opening_stock(hijab, admin_user):
    variants = list(hijab.variants.order_by("sort_order"))

    assert [v.option1 for v in variants] == COLOURS
    assert [v.stock for v in variants] == [5, 6, 7, 8, 9, 10]
    assert hijab.stock == 45
    # Blank price and weight take the product's; blank SKUs are made from the product's and the colour.
    assert [v.price for v in variants] == [45_000, 49_000, 45_000, 45_000, 45_000, 45_000]
    assert {v.weight_grams for v in variants} == {120}
    assert [v.sku for v in variants][:4] == [
        "HJB-VOAL-HITAM",
        "HJB-VOAL-NAVY",
        "HJB-VOAL-MAROON",
        "HJB-VOAL-DUSTY-PINK",
    ]
    movements = StockMovement.objects.filter(product=hijab).order_by("variant__sort_order")
    assert [(m.variant.option1, m.delta, m.reason, m.actor) for m in movements] == [
        (colour, 5 + n, StockMovement.Reason.OPENING, admin_user) for n, colour in enumerate(COLOURS)
    ]
    assert_ledger_balances()


def test_the_edit_screen_shows_each_variant_with_its_stock_read_only(hijab, admin_user):
    response = signed_in(admin_user).get(edit_url(hijab))

    assert response.status_code == 200
    forms = response.context["form"].formsets["variants"].forms
    assert len(forms) == 6
    assert all("opening_stock" not in form.fields and form.fields["current_stock"].disabled for form in forms)
    assert forms[0].fields["option1"].label == "Warna"
    html = response.content.decode()
    assert "HJB-VOAL-NAVY" in html and "Sesuaikan stok" in html


def test_editing_a_variants_price_leaves_its_stock_alone(hijab, admin_user):
    rows = existing_rows(hijab, {"HJB-VOAL-NAVY": {"price": "52000", "current_stock": "999", "opening_stock": "50"}})

    response = signed_in(admin_user).post(edit_url(hijab), product_data(hijab.category) | variant_rows(rows, 6))

    assert response.status_code == 302, form_errors(response)
    navy = ProductVariant.objects.get(sku="HJB-VOAL-NAVY")
    assert (navy.price, navy.stock) == (52_000, 6)
    assert Product.objects.get(pk=hijab.pk).stock == 45
    assert_ledger_balances()


def test_a_variant_added_later_gets_its_opening_stock(hijab, admin_user):
    rows = existing_rows(hijab) + [{"option1": "Lilac", "opening_stock": "4", "sku": "HJB-LILAC"}]

    response = signed_in(admin_user).post(edit_url(hijab), product_data(hijab.category) | variant_rows(rows, 6))

    assert response.status_code == 302, form_errors(response)
    assert ProductVariant.objects.get(sku="HJB-LILAC").stock == 4
    assert Product.objects.get(pk=hijab.pk).stock == 49
    assert_ledger_balances()


@pytest.mark.parametrize(
    "rows, message",
    [
        (
            [{"option1": "Navy", "opening_stock": "3"}, {"option1": "navy", "opening_stock": "2"}],
            "sudah ada di baris lain",
        ),
        ([{"option1": "Navy"}, {"option1": ""}], "Isi Warna untuk varian ini"),
        ([], "perlu minimal satu varian"),
        ([{"option1": "Navy", "sku": "X-1"}, {"option1": "Hitam", "sku": "x-1"}], "sudah dipakai varian lain"),
        ([{"option1": "Navy", "option2": "L"}], "tidak punya jenis pilihan ke-2"),
    ],
)
def test_variants_that_cannot_be_saved_are_refused_with_a_message(category, admin_user, rows, message):
    response = signed_in(admin_user).post(reverse(ADD_URL), product_data(category) | variant_rows(rows))

    assert response.status_code == 200
    assert message in form_errors(response)
    assert not Product.objects.filter(sku="HJB-VOAL").exists()
    assert not StockMovement.objects.exists()


def test_a_variant_sku_used_by_another_product_is_refused(category, admin_user):
    factories.product(category=category, sku="KOPI-1")
    rows = [{"option1": "Navy", "sku": "KOPI-1"}]

    response = signed_in(admin_user).post(reverse(ADD_URL), product_data(category) | variant_rows(rows))

    assert response.status_code == 200 and "SKU" in form_errors(response)
    assert not Product.objects.filter(sku="HJB-VOAL").exists()


def test_a_product_sku_used_by_another_products_variant_is_refused(hijab, admin_user, category):
    data = product_data(category, sku="HJB-VOAL-NAVY", slug="lain", name="Lain", option1_name="")

    response = signed_in(admin_user).post(reverse(ADD_URL), data)

    assert response.status_code == 200
    assert "sudah dipakai varian produk lain" in form_errors(response)


def test_duplicate_options_on_edit_save_nothing(hijab, admin_user):
    rows = existing_rows(hijab, {"HJB-VOAL-NAVY": {"option1": "Hitam", "price": "1"}})

    response = signed_in(admin_user).post(edit_url(hijab), product_data(hijab.category) | variant_rows(rows, 6))

    assert response.status_code == 200
    assert "Varian Hitam sudah ada di baris lain" in form_errors(response)
    navy = ProductVariant.objects.get(sku="HJB-VOAL-NAVY")
    assert (navy.option1, navy.price) == ("Navy", 49_000)


def test_a_variant_with_sales_cannot_be_deleted_but_can_be_deactivated(hijab, admin_user, buyer):
    navy = ProductVariant.objects.get(sku="HJB-VOAL-NAVY")
    processed_order(buyer, (navy, 2))
    client = signed_in(admin_user)
    rows = existing_rows(hijab, {"HJB-VOAL-NAVY": {"DELETE": "1"}})

    refused = client.post(edit_url(hijab), product_data(hijab.category) | variant_rows(rows, 6))

    assert refused.status_code == 200
    assert "tidak bisa dihapus" in form_errors(refused) and "Nonaktifkan" in form_errors(refused)
    assert "tidak bisa dihapus" in refused.content.decode()
    assert ProductVariant.objects.filter(pk=navy.pk).exists()
    # The row comes back, no longer marked deleted, so the owner sees the message beside it.
    navy_form = next(f for f in refused.context["form"].formsets["variants"].forms if f.instance.pk == navy.pk)
    assert not navy_form["DELETE"].value()

    rows = existing_rows(hijab, {"HJB-VOAL-NAVY": {"is_active": None}})
    deactivated = client.post(edit_url(hijab), product_data(hijab.category) | variant_rows(rows, 6))

    assert deactivated.status_code == 302, form_errors(deactivated)
    navy.refresh_from_db()
    assert not navy.is_active and navy.stock == 4


def test_a_variant_without_history_can_be_deleted(category, admin_user):
    rows = [{"option1": "Navy", "opening_stock": "3"}, {"option1": "Hitam", "opening_stock": "0"}]
    client = signed_in(admin_user)
    client.post(reverse(ADD_URL), product_data(category) | variant_rows(rows))
    product = Product.objects.get(sku="HJB-VOAL")
    rows = existing_rows(product, {"HJB-VOAL-HITAM": {"DELETE": "1"}})

    response = client.post(edit_url(product), product_data(category) | variant_rows(rows, 2))

    assert response.status_code == 302, form_errors(response)
    assert list(product.variants.values_list("option1", flat=True)) == ["Navy"]


def test_a_product_without_options_keeps_its_single_variant(category, admin_user, product):
    data = product_data(category, name=product.name, sku=product.sku, slug=product.slug, option1_name="", price="777")
    data.pop("opening_stock")

    response = signed_in(admin_user).post(edit_url(product), data)  # no inline sent: it is not shown

    assert response.status_code == 302, form_errors(response)
    (variant,) = product.variants.all()
    assert (variant.sku, variant.price, variant.stock, variant.label) == (product.sku, 777, 10, "")


def test_a_product_without_options_becomes_one_with_colours(category, admin_user, product):
    rows = existing_rows(product, {product.sku: {"option1": "Hitam"}}) + [{"option1": "Navy", "opening_stock": "5"}]
    data = product_data(category, name=product.name, sku=product.sku, slug=product.slug) | variant_rows(rows, 1)
    data.pop("opening_stock")

    response = signed_in(admin_user).post(edit_url(product), data)

    assert response.status_code == 302, form_errors(response)
    assert dict(product.variants.values_list("option1", "stock")) == {"Hitam": 10, "Navy": 5}
    assert Product.objects.get(pk=product.pk).stock == 15
    assert_ledger_balances()


def test_option_types_cannot_be_cleared_once_variants_have_options(hijab, admin_user):
    data = product_data(hijab.category, option1_name="") | variant_rows(existing_rows(hijab), 6)

    response = signed_in(admin_user).post(edit_url(hijab), data)

    assert response.status_code == 200
    assert "jenis pilihan tidak bisa dikosongkan" in form_errors(response)


def test_a_product_with_options_takes_no_product_opening_stock(category, admin_user):
    data = product_data(category, opening_stock="5") | variant_rows([{"option1": "Navy"}])

    response = signed_in(admin_user).post(reverse(ADD_URL), data)

    assert response.status_code == 200 and "isi stok awal di tiap varian" in form_errors(response)


def test_the_listing_counts_variants_and_flags_a_low_one(hijab, admin_user, settings):
    settings.LOW_STOCK_THRESHOLD = 5

    html = signed_in(admin_user).get(reverse("wagtailsnippets_shop_product:list")).content.decode()

    assert "6 varian" in html
    assert "Hitam: 5" in html  # the colour running low is named


def test_cs_layer_1_sees_the_variant_count_but_cannot_edit_variants(hijab, cs1_user):
    client = signed_in(cs1_user)
    assert "6 varian" in client.get(reverse("wagtailsnippets_shop_product:list")).content.decode()
    assert client.get(edit_url(hijab)).status_code == 302  # sent away, as before variants
    rows = existing_rows(hijab, {"HJB-VOAL-NAVY": {"price": "1"}})
    client.post(edit_url(hijab), product_data(hijab.category) | variant_rows(rows, 6))
    assert ProductVariant.objects.get(sku="HJB-VOAL-NAVY").price == 49_000


def test_an_owner_gives_a_colour_a_picture_of_its_own(hijab, admin_user):
    navy_picture = picture("Hijab navy")
    owner = signed_in(admin_user)
    rows = existing_rows(hijab, {"HJB-VOAL-NAVY": {"image": str(navy_picture.pk)}})

    response = owner.post(edit_url(hijab), product_data(hijab.category) | variant_rows(rows, 6))

    assert response.status_code == 302, form_errors(response)
    assert ProductVariant.objects.get(sku="HJB-VOAL-NAVY").image_id == navy_picture.pk
    assert ProductVariant.objects.filter(product=hijab, image__isnull=False).count() == 1
    assert "Hijab navy" in owner.get(edit_url(hijab)).content.decode()


@pytest.mark.parametrize(
    "changes, expected",
    [
        (
            {"HJB-VOAL-HITAM": {"option1": "Navy"}, "HJB-VOAL-NAVY": {"option1": "Hitam"}},
            {"HJB-VOAL-HITAM": "Navy", "HJB-VOAL-NAVY": "Hitam"},
        ),
        (
            {"HJB-VOAL-HITAM": {"option1": "Hitam Pekat"}, "HJB-VOAL-NAVY": {"option1": "Hitam"}},
            {"HJB-VOAL-HITAM": "Hitam Pekat", "HJB-VOAL-NAVY": "Hitam"},
        ),
        (
            {"HJB-VOAL-HITAM": {"sku": "HJB-VOAL-NAVY"}, "HJB-VOAL-NAVY": {"sku": "HJB-VOAL-HITAM"}},
            {"HJB-VOAL-NAVY": "Hitam", "HJB-VOAL-HITAM": "Navy"},
        ),
    ],
    ids=["colours swapped", "renamed in a chain", "SKUs swapped"],
)
def test_colours_or_skus_passed_between_rows_save_in_one_go(hijab, admin_user, changes, expected):
    stock = dict(ProductVariant.objects.values_list("pk", "stock"))
    rows = existing_rows(hijab, changes)

    response = signed_in(admin_user).post(edit_url(hijab), product_data(hijab.category) | variant_rows(rows, 6))

    assert response.status_code == 302, form_errors(response)
    options = dict(ProductVariant.objects.values_list("sku", "option1"))
    assert {sku: options[sku] for sku in expected} == expected
    assert dict(ProductVariant.objects.values_list("pk", "stock")) == stock, "each row keeps its stock"
    assert_ledger_balances()
