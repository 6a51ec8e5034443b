"""Variants in the storefront (issue 18): a buyer picks a hijab's colour on the product page, with or
without JavaScript, buys it, and sees it named in the cart, at checkout and on the order; listings
say "mulai Rp…" when the colours cost differently."""

import json
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shop.checkout.services import complete_checkout
from shop.models import CartItem, Order, OrderLine, ProductImage, ProductVariant
from shop.notifications.outbox import deliver_notifications
from shop.orders.errors import OrderError
from shop.shipping.quotes import Destination, shipping_option
from tests import factories
from tests.helpers import messages_of, signed_in
from tests.storefront.test_page_queries import picture

pytestmark = pytest.mark.django_db

ADD = reverse("shop:cart_add")
UPDATE = reverse("shop:cart_update")
REMOVE = reverse("shop:cart_remove")
CART = reverse("shop:cart")
CHECKOUT = reverse("shop:checkout")
REVIEW = reverse("shop:checkout_review")


@pytest.fixture
def hijab(catalog_page, category):
    """Hijab Voal in six colours: Maroon sold out, Sage Rp 95.000, the rest Rp 85.000, 5 of each."""
    return factories.make_variant_product(category=category)


def lines():
    return {item.variant.label: item.quantity for item in CartItem.objects.select_related("variant")}


def page_of(client, product, query=""):
    response = client.get(product.get_absolute_url() + query)
    assert response.status_code == 200
    return response.content.decode()


def picker_data(html):
    found = re.search(r'<script id="variant-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def test_the_product_page_offers_every_colour_in_a_select_that_works_without_javascript(client, hijab):
    product, variants = hijab
    html = page_of(client, product)

    select = re.search(r'<select id="variant" name="variant" required>(.*?)</select>', html, re.S).group(1)
    offered = re.findall(r'<option value="(\d+)"([^>]*)>([^<]*)</option>', select)
    assert [text for _pk, _attrs, text in offered] == [
        "Hitam · Rp 85.000",
        "Navy · Rp 85.000",
        "Maroon · Rp 85.000 (habis)",
        "Mocca · Rp 85.000",
        "Dusty Pink · Rp 85.000",
        "Sage · Rp 95.000",
    ]
    attributes = {int(pk): attrs for pk, attrs, _text in offered}
    assert "disabled" in attributes[variants["Maroon"].pk]
    assert "selected" in attributes[variants["Hitam"].pk]  # the first colour in stock
    assert "Pilih Warna" in html
    assert "Rp 85.000 – Rp 95.000" in html  # without a choice made, the page shows the range
    assert "js/variant-picker.js" in html


def test_the_picker_data_names_each_variant_its_price_and_stock_state(client, hijab):
    product, variants = hijab
    data = picker_data(page_of(client, product))

    assert data["options"] == [{"name": "Warna", "values": list(factories.HIJAB_COLOURS)}]
    by_id = {item["id"]: item for item in data["variants"]}
    assert by_id[variants["Sage"].pk]["priceText"] == "Rp 95.000"
    assert by_id[variants["Navy"].pk]["stockText"] == "Stok tinggal 5"
    maroon = by_id[variants["Maroon"].pk]
    assert (maroon["available"], maroon["stockText"]) == (False, "Habis")


def test_an_address_with_a_variant_chooses_it(client, hijab):
    product, variants = hijab
    html = page_of(client, product, f"?varian={variants['Sage'].pk}")
    assert re.search(rf'<option value="{variants["Sage"].pk}" selected>', html)

    # A sold-out or unknown one is not chosen: the first colour in stock is.
    html = page_of(client, product, f"?varian={variants['Maroon'].pk}")
    assert re.search(rf'<option value="{variants["Hitam"].pk}" selected>', html)


def test_a_picture_captioned_with_a_colour_shows_that_colour(client, hijab):
    product, variants = hijab
    ProductImage.objects.create(product=product, image=picture("semua"), sort_order=0)
    ProductImage.objects.create(product=product, image=picture("navy"), caption="Navy", sort_order=1)
    by_id = {item["id"]: item for item in picker_data(page_of(client, product))["variants"]}

    assert by_id[variants["Navy"].pk]["picture"] == 1
    assert by_id[variants["Hitam"].pk]["picture"] is None  # the product's own pictures stay


def test_a_colours_own_picture_is_shown_for_it_and_joins_the_gallery(client, hijab):
    product, variants = hijab
    everything, navy_too = picture("semua"), picture("navy di galeri")
    ProductImage.objects.create(product=product, image=everything, sort_order=0)
    ProductImage.objects.create(product=product, image=navy_too, caption="Navy", sort_order=1)
    ProductVariant.objects.filter(pk=variants["Navy"].pk).update(image=picture("navy sendiri"))
    ProductVariant.objects.filter(pk=variants["Sage"].pk).update(image=everything)
    ProductVariant.objects.filter(pk=variants["Mocca"].pk).update(image=picture("mocca"), is_active=False)

    html = page_of(client, product)
    by_id = {item["id"]: item for item in picker_data(html)["variants"]}

    assert by_id[variants["Navy"].pk]["picture"] == 2, "its own picture wins over a caption, after the gallery"
    assert by_id[variants["Sage"].pk]["picture"] == 0, "a picture already in the gallery is not shown twice"
    assert by_id[variants["Hitam"].pk]["picture"] is None
    assert by_id[variants["Mocca"].pk]["picture"] is None, "a colour off sale adds no picture"
    assert len(re.findall(r'<figure class="product-gallery-item" id="gambar-\d+"', html)) == 3


def test_a_product_whose_colours_are_all_sold_out_offers_nothing_to_add(client, catalog_page):
    product, _variants = factories.make_variant_product([("Hitam", 0), ("Navy", 0)])
    html = page_of(client, product)
    assert 'name="variant"' not in html and "variant-picker.js" not in html
    assert "Produk ini sedang habis" in html


def test_a_product_without_options_looks_as_before(client, catalog_page):
    product = factories.product(stock=3, name="Kopi Gayo")
    html = page_of(client, product)
    assert 'name="variant"' not in html and "variant-data" not in html and "variant-picker.js" not in html
    assert f'<input type="hidden" name="product" value="{product.pk}">' in html
    assert "sisa 3" in html


def test_the_select_form_adds_the_colour_chosen(client, hijab):
    product, variants = hijab
    response = client.post(ADD, {"product": product.pk, "variant": variants["Navy"].pk, "quantity": 2}, follow=True)

    assert lines() == {"Navy": 2}
    assert any("Hijab Voal — Navy: 2 di keranjang" in m for m in messages_of(response))


def test_adding_a_product_with_options_without_a_colour_asks_for_one(client, hijab):
    product, _variants = hijab
    response = client.post(ADD, {"product": product.pk, "quantity": 1}, follow=True)

    assert lines() == {}
    assert any("Pilih Warna Hijab Voal dulu" in m for m in messages_of(response))


def test_a_sold_out_colour_is_refused_and_nothing_changes(client, hijab):
    product, variants = hijab
    client.post(ADD, {"product": product.pk, "variant": variants["Navy"].pk, "quantity": 1})

    response = client.post(ADD, {"product": product.pk, "variant": variants["Maroon"].pk, "quantity": 1}, follow=True)

    assert lines() == {"Navy": 1}
    assert any("Hijab Voal — Maroon sedang habis" in m for m in messages_of(response))


@pytest.mark.parametrize("case", ["inactive", "another product's", "unknown"])
def test_a_variant_that_cannot_be_sold_here_is_refused(client, hijab, case):
    product, variants = hijab
    variant_id = variants["Navy"].pk
    if case == "inactive":
        variants["Navy"].is_active = False
        variants["Navy"].save()
    elif case == "another product's":
        _other, others = factories.make_variant_product([("Hitam", 3)])
        variant_id = others["Hitam"].pk
    else:
        variant_id = 999_999

    response = client.post(ADD, {"product": product.pk, "variant": variant_id, "quantity": 1}, follow=True)

    assert lines() == {}
    assert any("tidak tersedia" in m for m in messages_of(response))


def test_two_colours_of_one_hijab_are_two_lines_changed_and_removed_apart(client, hijab):
    product, variants = hijab
    for colour in ("Navy", "Sage"):
        client.post(ADD, {"product": product.pk, "variant": variants[colour].pk, "quantity": 1})

    html = client.get(CART).content.decode()
    assert "Hijab Voal — Navy" in html and "Hijab Voal — Sage" in html
    assert f'name="variant" value="{variants["Sage"].pk}"' in html
    assert "Rp 180.000" in html  # 85.000 + 95.000

    client.post(UPDATE, {"product": product.pk, "variant": variants["Sage"].pk, "quantity": 3})
    assert lines() == {"Navy": 1, "Sage": 3}
    client.post(REMOVE, {"product": product.pk, "variant": variants["Navy"].pk})
    assert lines() == {"Sage": 3}


def test_a_change_naming_only_the_product_of_two_lines_is_refused(client, hijab):
    product, variants = hijab
    for colour in ("Navy", "Sage"):
        client.post(ADD, {"product": product.pk, "variant": variants[colour].pk, "quantity": 1})

    response = client.post(REMOVE, {"product": product.pk}, follow=True)

    assert lines() == {"Navy": 1, "Sage": 1}
    assert any("tidak ada di keranjang" in m for m in messages_of(response))


def test_checkout_orders_the_colours_in_the_cart_and_names_them_everywhere(client, buyer, hijab):
    product, variants = hijab
    rate = factories.shipping_rate(courier="JNE", service="REG", cost=9_000)
    client = signed_in(buyer, client)
    client.post(ADD, {"product": product.pk, "variant": variants["Navy"].pk, "quantity": 2})
    client.post(ADD, {"product": product.pk, "variant": variants["Sage"].pk, "quantity": 1})
    chosen = {
        "shipping_option": f"tarif:{rate.pk}",
        "payment_method": "bank_transfer",
        "save_address": "on",
        **factories.CHECKOUT_ADDRESS,
    }
    assert client.post(CHECKOUT, chosen).status_code == 302

    review = client.get(REVIEW)
    html = review.content.decode()
    assert "Hijab Voal — Navy" in html and "Hijab Voal — Sage" in html
    snapshot = re.search(r'name="snapshot" value="([^"]+)"', html).group(1)
    response = client.post(REVIEW, {"snapshot": snapshot}, follow=True)

    order = Order.objects.get()
    assert {(line.variant_id, line.name, line.quantity, line.unit_price) for line in order.lines.all()} == {
        (variants["Navy"].pk, "Hijab Voal — Navy", 2, 85_000),
        (variants["Sage"].pk, "Hijab Voal — Sage", 1, 95_000),
    }
    assert order.subtotal == 265_000
    page = response.content.decode()
    assert "Hijab Voal — Navy" in page and "Hijab Voal — Sage" in page
    deliver_notifications()
    assert any("Hijab Voal — Navy" in sent.body for sent in mail.outbox if sent.to == [buyer.email])
    assert CartItem.objects.count() == 0


def test_a_review_made_before_variants_still_orders_a_product_without_options(buyer, catalog_page):
    kopi = factories.product(stock=4, price=50_000)
    client = signed_in(buyer)
    client.post(ADD, {"product": kopi.pk, "quantity": 2})
    shipping = _shipping()

    order = complete_checkout(
        buyer,
        seen={"items": [[kopi.pk, 2, 50_000]], "shipping_cost": shipping.cost},
        address=factories.shipping_address(),
        shipping=shipping,
        payment="bank_transfer",
    )

    assert [(line.name, line.quantity) for line in order.lines.all()] == [(kopi.name, 2)]


def test_a_review_made_before_variants_of_a_product_with_options_asks_to_reload(buyer, hijab):
    product, variants = hijab
    client = signed_in(buyer)
    client.post(ADD, {"product": product.pk, "variant": variants["Navy"].pk, "quantity": 1})
    shipping = _shipping()

    with pytest.raises(OrderError, match="Muat ulang"):
        complete_checkout(
            buyer,
            seen={"items": [[product.pk, 1, 85_000]], "shipping_cost": shipping.cost},
            address=factories.shipping_address(),
            shipping=shipping,
            payment="bank_transfer",
        )
    assert not OrderLine.objects.exists() and lines() == {"Navy": 1}


def _shipping():
    rate = factories.shipping_rate(courier="JNE", service="REG", cost=9_000)
    return shipping_option(
        f"tarif:{rate.pk}", Destination(region_code="", province="DI Yogyakarta"), weight_grams=500, subtotal=0
    )


def test_the_catalog_says_mulai_when_the_colours_cost_differently(client, hijab, catalog_page, category):
    same, _variants = factories.make_variant_product([("S", 2), ("M", 2)], option_names=("Ukuran",), price=120_000)
    plain = factories.product(stock=2, price=40_000, category=category)
    html = client.get(catalog_page.url).content.decode()

    prices = dict(
        re.findall(r'<h3 class="product-card-name">([^<]*)</h3>\s*<p class="product-card-price">([^<]*)</p>', html)
    )
    assert prices["Hijab Voal"] == "mulai Rp 85.000"
    assert prices[same.name] == "Rp 120.000"
    assert prices[plain.name] == "Rp 40.000"


def test_mulai_counts_only_active_variants_and_so_does_habis(client, catalog_page):
    product, variants = factories.make_variant_product(
        [("Hitam", 0, {"price": 70_000}), ("Navy", 3, {"price": 90_000, "is_active": False})]
    )
    html = client.get(catalog_page.url).content.decode()
    card = html[html.index(product.name) :][:400]
    # Product.stock counts the inactive Navy's 3, but nothing of this product can be bought.
    assert product.stock == 3
    assert "Rp 70.000" in card and "mulai" not in card
    assert "Habis" in html[: html.index(product.name)][-800:]


def test_search_results_say_mulai_too(client, hijab, catalog_page):
    html = client.get(reverse("search"), {"q": "hijab"}).content.decode()
    assert "mulai Rp 85.000" in html


def test_the_catalog_sorts_a_product_with_options_by_its_cheapest_colour(client, catalog_page, category):
    product, _variants = factories.make_variant_product(
        [("Hitam", 1, {"price": 30_000}), ("Navy", 1, {"price": 90_000})], price=90_000, category=category
    )
    middle = factories.product(stock=1, price=50_000, category=category)
    html = client.get(catalog_page.url, {"urut": "price_asc"}).content.decode()
    names = re.findall(r'<h3 class="product-card-name">([^<]*)</h3>', html)
    assert names == [product.name, middle.name]


@pytest.mark.parametrize("own_pictures", [False, True], ids=["gallery only", "a picture per colour"])
def test_a_product_page_costs_the_same_queries_with_2_or_6_colours(client, catalog_page, own_pictures):
    two, two_colours = factories.make_variant_product([("Hitam", 1), ("Navy", 1)])
    six, six_colours = factories.make_variant_product()
    if own_pictures:
        for variant in [*two_colours.values(), *six_colours.values()]:
            ProductVariant.objects.filter(pk=variant.pk).update(image=picture(variant.label))
    page_of(client, two), page_of(client, six)  # renditions and caches made once

    counts = []
    for product in (two, six):
        with CaptureQueriesContext(connection) as captured:
            page_of(client, product)
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_a_catalog_of_products_with_options_costs_the_same_queries_as_one_without(client, catalog_page, settings):
    settings.CATALOG_PAGE_SIZE = 24

    def queries():
        client.get(catalog_page.url)  # caches and renditions made once
        with CaptureQueriesContext(connection) as captured:
            assert client.get(catalog_page.url + "?urut=price_asc").status_code == 200
        return len(captured.captured_queries)

    factories.product(stock=2)
    few = queries()
    for _ in range(5):
        factories.make_variant_product()
    assert queries() == few
