"""Adjusting stock by hand and reading a product's stock history in the Wagtail admin."""

import pytest
from django.urls import reverse

from shop.models import Product, StockMovement
from tests.helpers import desk_url, ledger_total, processed_order, signed_in, snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def adjust_url(product):
    return reverse("shop_stock:adjust", args=[product.pk])


def history_url(product):
    return reverse("shop_stock:history", args=[product.pk])


def test_the_form_shows_current_stock_and_the_manual_reasons(admin_user, product):
    response = signed_in(admin_user).get(adjust_url(product))

    assert response.status_code == 200
    html = response.content.decode()
    assert "data-current-stock>10<" in html
    for label in ("Penambahan stok", "Koreksi", "Rusak", "Retur"):
        assert label in html
    assert "Penjualan" not in html  # sales move stock only through confirmed payments


@pytest.mark.parametrize(
    "delta, reason, error",
    [
        ("0", "correction", "tidak boleh nol"),
        ("-3", "restock", "isi angka positif"),
        ("2", "damaged", "isi angka negatif"),
        ("-1", "returned", "isi angka positif"),
        ("abc", "restock", ""),
        ("5", "sale", ""),
    ],
)
def test_the_form_refuses_what_makes_no_sense(admin_user, product, delta, reason, error):
    before = snapshot()
    response = signed_in(admin_user).post(adjust_url(product), {"delta": delta, "reason": reason})

    assert response.status_code == 400
    assert error in response.content.decode()
    assert snapshot() == before


def test_adjusting_is_checked_then_confirmed_then_written_to_the_ledger(admin_user, product):
    client = signed_in(admin_user)
    before = snapshot()

    check = client.post(adjust_url(product), {"delta": "24", "reason": "restock", "note": "Surat jalan 117"})

    assert check.status_code == 200
    html = check.content.decode()
    assert "dari 10 menjadi <strong>34</strong>" in html
    assert 'name="expected_stock"' in html
    assert snapshot() == before  # checking changes nothing

    done = client.post(
        adjust_url(product), {"delta": "24", "reason": "restock", "note": "Surat jalan 117", "expected_stock": "10"}
    )

    assert done.status_code == 302
    assert done["Location"] == history_url(product)
    product.refresh_from_db()
    assert product.stock == 34 == ledger_total(product)
    movement = StockMovement.objects.filter(product=product).latest("pk")
    assert (movement.delta, movement.reason, movement.actor, movement.note) == (
        24,
        StockMovement.Reason.RESTOCK,
        admin_user,
        "Surat jalan 117",
    )


def test_a_double_submitted_adjustment_is_written_once(admin_user, product):
    client = signed_in(admin_user)
    data = {"delta": "-2", "reason": "damaged", "note": "", "expected_stock": "10"}

    first = client.post(adjust_url(product), data)
    second = client.post(adjust_url(product), data)

    assert first.status_code == 302
    assert second.status_code == 200  # shown again to confirm against the new stock
    assert "berubah menjadi 8" in " ".join(str(m) for m in second.context["messages"])
    product.refresh_from_db()
    assert product.stock == 8 == ledger_total(product)
    assert StockMovement.objects.filter(product=product, reason=StockMovement.Reason.DAMAGED).count() == 1


def test_stock_never_goes_below_zero(admin_user, product):
    client = signed_in(admin_user)

    check = client.post(adjust_url(product), {"delta": "-11", "reason": "correction"})
    assert "tidak boleh kurang dari nol" in check.content.decode()
    assert "Ya, simpan penyesuaian" not in check.content.decode()

    before = snapshot()
    forced = client.post(adjust_url(product), {"delta": "-11", "reason": "correction", "expected_stock": "10"})

    assert forced.status_code == 400
    assert "Stok tidak cukup" in forced.content.decode()
    assert snapshot() == before


def test_history_lists_every_movement_with_the_stock_after_it(admin_user, cs1_user, buyer, product):
    client = signed_in(admin_user)
    order = processed_order(buyer, (product, 3))  # sale -3
    client.post(adjust_url(product), {"delta": "5", "reason": "restock", "note": "", "expected_stock": "7"})

    response = client.get(history_url(product))

    assert response.status_code == 200
    rows = list(response.context["object_list"])
    assert [(m.delta, m.balance) for m in rows] == [(5, 12), (-3, 7), (10, 10)]
    assert [m.reason for m in rows] == [
        StockMovement.Reason.RESTOCK,
        StockMovement.Reason.SALE,
        StockMovement.Reason.OPENING,
    ]
    html = response.content.decode()
    assert desk_url("all", "inspect", order.pk) in html  # the sale links to its order
    assert adjust_url(product) in html

    # CS may read the history, but reach orders only through their queues and cannot adjust.
    cs_page = signed_in(cs1_user).get(history_url(product))
    assert cs_page.status_code == 200
    cs_html = cs_page.content.decode()
    assert order.number in cs_html and desk_url("all", "inspect", order.pk) not in cs_html
    assert adjust_url(product) not in cs_html


def test_history_pages_keep_the_running_stock(admin_user, product):
    client = signed_in(admin_user)
    for step in range(60):
        current = Product.objects.get(pk=product.pk).stock
        client.post(
            adjust_url(product), {"delta": "1", "reason": "restock", "note": str(step), "expected_stock": str(current)}
        )

    second_page = client.get(history_url(product), {"p": 2})

    balances = [m.balance for m in second_page.context["object_list"]]
    assert balances == list(range(20, 9, -1))  # 61 movements, 50 a page: the oldest eleven


def test_product_rows_offer_the_stock_actions_each_user_may_use(admin_user, cs2_user, product):
    products = reverse("wagtailsnippets_shop_product:list")

    admin_html = signed_in(admin_user).get(products).content.decode()
    cs_html = signed_in(cs2_user).get(products).content.decode()

    assert adjust_url(product) in admin_html and history_url(product) in admin_html
    assert adjust_url(product) not in cs_html and history_url(product) in cs_html
