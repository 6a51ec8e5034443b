"""Pesanan Saya: a buyer's own orders, paying, cancelling; nobody else's.

Uploading and viewing the proof of transfer: tests/payments/test_proofs.py.
"""

import pytest
from django.urls import reverse
from wagtail.models import Site

from home.models import StoreSettings
from shop.models import Order, OrderStatus, StockMovement
from shop.services.orders import cancel_order, confirm_payment, ship_order
from tests import factories, helpers
from tests.helpers import order_url, said, upload_proof

pytestmark = pytest.mark.django_db


def test_the_order_list_shows_only_the_buyers_own_orders(signed_in, order, other_buyer, product):
    theirs = factories.order(other_buyer, (product, 1))

    response = signed_in.get(reverse("shop:order_list"))

    html = response.content.decode()
    assert order.number in html and theirs.number not in html
    assert "Menunggu Pembayaran" in html


def test_pages_of_pesanan_saya_need_an_account(client, order):
    for target in (reverse("shop:order_list"), order_url("order_detail", order)):
        response = client.get(target)
        assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_another_buyers_order_answers_404(order, other_buyer):
    stranger = helpers.signed_in(other_buyer)
    assert stranger.get(order_url("order_detail", order)).status_code == 404
    assert stranger.get(reverse("shop:order_detail", kwargs={"number": "TK-20990101-9999"})).status_code == 404


def test_the_payment_page_shows_the_exact_amount_deadline_and_bank_accounts(signed_in, order):
    store = StoreSettings.for_site(Site.objects.get(is_default_site=True))
    store.bank_accounts = [("account", {"bank": "BCA", "number": "1234567890", "holder": "Toko Maju Jaya"})]
    store.save()

    response = signed_in.get(order_url("order_detail", order))

    html = response.content.decode()
    total = f"Rp {order.total:,}".replace(",", ".")
    assert total in html
    assert f"kode unik {order.unique_code}" in html
    assert "BCA" in html and "1234567890" in html and "Toko Maju Jaya" in html
    assert "Batas pembayaran" in html and "WIB" in html
    assert f'data-deadline="{int(order.payment_deadline.timestamp())}"' in html
    assert 'enctype="multipart/form-data"' in html


def test_the_exact_amount_and_each_account_number_can_be_copied(signed_in, order):
    store = StoreSettings.for_site(Site.objects.get(is_default_site=True))
    store.bank_accounts = [("account", {"bank": "Mandiri", "number": "123-000 456.789", "holder": "Toko Maju"})]
    store.save()

    html = signed_in.get(order_url("order_detail", order)).content.decode()

    # What a banking app accepts when pasted: digits only.
    assert f'data-copy="{order.total}"' in html and 'data-copy="123000456789"' in html
    assert "js/copy.js" in html


@pytest.mark.parametrize("upload_first", [False, True])
def test_the_buyer_cancels_an_unpaid_order(signed_in, order, upload_first):
    if upload_first:
        upload_proof(signed_in, order, factories.proof_file("jpeg"))

    response = signed_in.post(order_url("order_cancel", order), {"reason": "Salah pilih ukuran"}, follow=True)

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.cancel_reason == "Salah pilih ukuran"
    assert said(response, "dibatalkan")
    assert "Salah pilih ukuran" in response.content.decode()


def test_a_paid_order_cannot_be_cancelled_by_the_buyer(signed_in, order, product, cs1_user):
    confirm_payment(order, cs1_user)
    product.refresh_from_db()

    response = signed_in.post(order_url("order_cancel", order), {"reason": "berubah pikiran"}, follow=True)

    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSED
    assert said(response, "tidak bisa dibatalkan")
    assert product.stock == 8
    assert StockMovement.objects.filter(order=order).count() == 1
    assert order_url("order_cancel", order) not in response.content.decode()


def test_cancelling_another_buyers_order_answers_404(order, other_buyer):
    response = helpers.signed_in(other_buyer).post(order_url("order_cancel", order), {"reason": "iseng"})

    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_cancel_accepts_only_post_and_a_reasonable_reason(signed_in, order):
    assert signed_in.get(order_url("order_cancel", order)).status_code == 405
    response = signed_in.post(order_url("order_cancel", order), {"reason": "x" * 501}, follow=True)

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert response.context["messages"]


def test_once_shipped_the_buyer_sees_courier_tracking_number_and_the_timeline(signed_in, order, cs1_user, cs2_user):
    confirm_payment(order, cs1_user)
    ship_order(order, cs2_user, "JNE", "JP1234567890")

    response = signed_in.get(order_url("order_detail", order))

    html = response.content.decode()
    assert "JP1234567890" in html and "JNE" in html
    for word in ("Menunggu Pembayaran", "Diproses", "Dikirim"):
        assert word in html
    assert order_url("payment_proof_upload", order) not in html
    assert order_url("order_cancel", order) not in html


def test_an_order_for_the_list_shows_its_total_in_rupiah(signed_in, order):
    html = signed_in.get(reverse("shop:order_list")).content.decode()
    assert f"Rp {order.total:,}".replace(",", ".") in html


def test_past_the_deadline_the_page_asks_for_no_transfer(signed_in, order):
    from datetime import timedelta

    from django.utils import timezone

    Order.objects.filter(pk=order.pk).update(payment_deadline=timezone.now() - timedelta(minutes=1))

    html = signed_in.get(order_url("order_detail", order)).content.decode()

    assert "Batas pembayaran pesanan ini sudah lewat" in html
    assert order_url("payment_proof_upload", order) not in html
    assert "Rekening tujuan" not in html


def test_the_buyer_sees_why_an_order_was_cancelled_and_that_a_proof_is_being_checked(signed_in, order, buyer):
    upload_proof(signed_in, order, factories.proof_file("jpeg"))
    assert "sedang diperiksa" in signed_in.get(order_url("order_detail", order)).content.decode()

    cancel_order(order, buyer, "Salah pilih ukuran")
    html = signed_in.get(order_url("order_detail", order)).content.decode()
    assert "Alasan pembatalan" in html and "Salah pilih ukuran" in html
    assert "sedang diperiksa" not in html
