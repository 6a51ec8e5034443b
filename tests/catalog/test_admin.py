import pytest
from django.urls import reverse

from shop.models import Product, StockMovement
from tests import factories

pytestmark = pytest.mark.django_db

LIST_URL = "wagtailsnippets_shop_product:list"


def test_admin_sees_the_product_listing_with_prices_and_stock(client, admin_user, category, settings):
    settings.LOW_STOCK_THRESHOLD = 5
    factories.product(category=category, name="Kopi Gayo", sku="KOPI-1", price=85_000, stock=3)
    factories.product(category=category, name="Teh Melati", sku="TEH-1", price=18_000, stock=0)
    client.force_login(admin_user)
    response = client.get(reverse(LIST_URL))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Kopi Gayo" in html and "KOPI-1" in html and "Rp 85.000" in html
    assert "Stok menipis" in html  # low stock is highlighted
    assert "Habis" in html


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"stock_state": "out"}, {"Teh Melati"}),
        ({"stock_state": "in"}, {"Kopi Gayo", "Sabun"}),
        ({"stock_state": "low"}, {"Kopi Gayo"}),
        ({"is_active": "false"}, {"Sabun"}),
        ({"q": "melati"}, {"Teh Melati"}),
    ],
)
def test_admin_filters_and_search(client, admin_user, category, params, expected, settings):
    settings.LOW_STOCK_THRESHOLD = 5
    factories.product(category=category, name="Kopi Gayo", stock=3)
    factories.product(category=category, name="Teh Melati", stock=0)
    factories.product(category=category, name="Sabun", stock=40, is_active=False)
    client.force_login(admin_user)
    response = client.get(reverse(LIST_URL), params)
    shown = {product.name for product in response.context["object_list"]}
    assert shown == expected


def test_admin_filters_by_category(client, admin_user, category):
    other = factories.category(name="Lain")
    factories.product(category=category, name="Satu")
    factories.product(category=other, name="Dua")
    client.force_login(admin_user)
    response = client.get(reverse(LIST_URL), {"category": other.pk})
    assert [p.name for p in response.context["object_list"]] == ["Dua"]


def test_admin_exports_products_as_csv(client, admin_user, category):
    factories.product(category=category, name="Kopi Gayo", sku="KOPI-1", price=85_000, stock=3)
    client.force_login(admin_user)
    response = client.get(reverse(LIST_URL), {"export": "csv"})
    body = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    assert response.status_code == 200
    assert "SKU" in body and "KOPI-1" in body and "85000" in body


def test_creating_a_product_records_its_opening_stock(client, admin_user, category):
    client.force_login(admin_user)
    response = client.post(
        reverse("wagtailsnippets_shop_product:add"),
        {
            "name": "Keripik Baru",
            "sku": "KRP-NEW",
            "slug": "keripik-baru",
            "category": category.pk,
            "price": "15000",
            "weight_grams": "200",
            "opening_stock": "25",
            "is_active": "on",
            "description": '{"blocks":[],"entityMap":{}}',
            "gallery-TOTAL_FORMS": "0",
            "gallery-INITIAL_FORMS": "0",
            "gallery-MIN_NUM_FORMS": "0",
            "gallery-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    product = Product.objects.get(sku="KRP-NEW")
    assert product.stock == 25
    movement = StockMovement.objects.get(product=product)
    assert (movement.delta, movement.reason, movement.actor) == (25, StockMovement.Reason.OPENING, admin_user)


def test_stock_is_read_only_when_editing(client, admin_user, product):
    client.force_login(admin_user)
    url = reverse("wagtailsnippets_shop_product:edit", args=[product.pk])
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["form"]
    assert "stock" not in form.fields and "opening_stock" not in form.fields
    data = {
        "name": product.name,
        "sku": product.sku,
        "slug": product.slug,
        "category": product.category_id,
        "price": "99000",
        "weight_grams": "250",
        "is_active": "on",
        "stock": "999",  # forged: must be ignored
        "opening_stock": "999",
        "description": '{"blocks":[],"entityMap":{}}',
        "gallery-TOTAL_FORMS": "0",
        "gallery-INITIAL_FORMS": "0",
        "gallery-MIN_NUM_FORMS": "0",
        "gallery-MAX_NUM_FORMS": "1000",
    }
    assert client.post(url, data).status_code == 302
    product.refresh_from_db()
    assert product.price == 99_000 and product.stock == 10


def test_buyers_cannot_reach_the_product_admin(client, buyer):
    client.force_login(buyer)
    response = client.get(reverse(LIST_URL))
    assert response.status_code in (302, 403)


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse(LIST_URL))
    assert response.status_code == 302 and "login" in response["Location"]


def test_only_those_who_may_delete_products_get_bulk_checkboxes_and_the_delete_button(
    client, admin_user, cs1_user, product
):
    def listing(user):
        client.force_login(user)
        response = client.get(reverse(LIST_URL))
        assert response.status_code == 200 and product.name in response.content.decode()
        return response.content.decode()

    viewer = listing(cs1_user)  # CS Layer 1 may look products up, not delete them
    assert "data-bulk-action-checkbox" not in viewer and "bulk-action-btn" not in viewer
    owner = listing(admin_user)
    assert "data-bulk-action-checkbox" in owner and "bulk-action-btn" in owner
