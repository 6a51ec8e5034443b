"""Pesanan Saya: a buyer's own orders, paying, proofs of transfer, cancelling; nobody else's."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from wagtail.models import Site

from home.models import StoreSettings
from shop.models import Order, OrderStatus, PaymentProof, StockMovement
from shop.services.orders import confirm_payment, reject_payment, ship_order
from tests import factories

pytestmark = pytest.mark.django_db


def said(response, text):
    return any(text in str(message) for message in response.context["messages"])


def url(name, order, **kwargs):
    return reverse(f"shop:{name}", kwargs={"number": order.number, **kwargs})


@pytest.fixture
def order(buyer, product):
    return factories.order(buyer, (product, 2))


@pytest.fixture
def signed_in(client, buyer):
    client.force_login(buyer)
    return client


def client_for(user):
    other = Client()
    other.force_login(user)
    return other


def upload(client, order, upload_file):
    return client.post(url("payment_proof_upload", order), {"file": upload_file}, follow=True)


def test_the_order_list_shows_only_the_buyers_own_orders(signed_in, order, other_buyer, product):
    theirs = factories.order(other_buyer, (product, 1))

    response = signed_in.get(reverse("shop:order_list"))

    html = response.content.decode()
    assert order.number in html and theirs.number not in html
    assert "Menunggu Pembayaran" in html


def test_pages_of_pesanan_saya_need_an_account(client, order):
    for target in (reverse("shop:order_list"), url("order_detail", order)):
        response = client.get(target)
        assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_another_buyers_order_answers_404(order, other_buyer):
    stranger = client_for(other_buyer)
    assert stranger.get(url("order_detail", order)).status_code == 404
    assert stranger.get(reverse("shop:order_detail", kwargs={"number": "TK-20990101-9999"})).status_code == 404


def test_the_payment_page_shows_the_exact_amount_deadline_and_bank_accounts(signed_in, order):
    store = StoreSettings.for_site(Site.objects.get(is_default_site=True))
    store.bank_accounts = [("account", {"bank": "BCA", "number": "1234567890", "holder": "Toko Maju Jaya"})]
    store.save()

    response = signed_in.get(url("order_detail", order))

    html = response.content.decode()
    total = f"Rp {order.total:,}".replace(",", ".")
    assert total in html
    assert f"kode unik {order.unique_code}" in html
    assert "BCA" in html and "1234567890" in html and "Toko Maju Jaya" in html
    assert "Batas pembayaran" in html and "WIB" in html
    assert f'data-deadline="{int(order.payment_deadline.timestamp())}"' in html
    assert 'enctype="multipart/form-data"' in html


def test_uploading_a_proof_moves_the_order_to_verification(signed_in, order):
    response = upload(signed_in, order, factories.proof_file("jpeg", name="transfer.jpg"))

    order.refresh_from_db()
    assert order.status == OrderStatus.WAITING_VERIFICATION
    assert said(response, "Bukti transfer terkirim")
    proof = PaymentProof.objects.get(order=order)
    stored = settings.PRIVATE_MEDIA_ROOT / proof.file.name
    assert stored.exists()
    assert not str(stored).startswith(str(settings.MEDIA_ROOT))
    assert "Menunggu Verifikasi" in response.content.decode()


@pytest.mark.parametrize("kind", ["png", "pdf"])
def test_png_and_pdf_proofs_are_accepted(signed_in, order, kind):
    upload(signed_in, order, factories.proof_file(kind))
    order.refresh_from_db()
    assert order.status == OrderStatus.WAITING_VERIFICATION


def assert_nothing_changed(order):
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert not PaymentProof.objects.exists()
    proofs_dir = settings.PRIVATE_MEDIA_ROOT / "payment-proofs"
    assert not proofs_dir.exists() or not any(proofs_dir.rglob("*.*"))


def test_an_exe_renamed_jpg_is_refused_by_its_content(signed_in, order):
    from django.core.files.uploadedfile import SimpleUploadedFile

    exe = SimpleUploadedFile("bukti.jpg", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 512, content_type="image/jpeg")
    response = upload(signed_in, order, exe)

    assert said(response, "JPG/PNG")
    assert_nothing_changed(order)


def test_an_oversized_proof_is_refused(signed_in, order):
    response = upload(signed_in, order, factories.proof_file("jpeg", size=5 * 1024 * 1024 + 1))

    assert said(response, "5 MB")
    assert_nothing_changed(order)


def test_a_post_without_a_file_says_what_is_missing(signed_in, order):
    response = signed_in.post(url("payment_proof_upload", order), {}, follow=True)

    assert said(response, "Pilih berkas bukti transfer")
    assert_nothing_changed(order)


def test_uploading_to_another_buyers_order_answers_404_and_changes_nothing(order, other_buyer):
    response = client_for(other_buyer).post(url("payment_proof_upload", order), {"file": factories.proof_file("jpeg")})

    assert response.status_code == 404
    assert_nothing_changed(order)


def test_a_second_proof_while_one_is_being_verified_is_refused(signed_in, order):
    upload(signed_in, order, factories.proof_file("jpeg"))
    response = upload(signed_in, order, factories.proof_file("png"))

    assert PaymentProof.objects.count() == 1
    assert response.context["messages"] and not said(response, "Bukti transfer terkirim")


def test_a_proof_is_served_to_its_buyer_and_to_staff_only(
    signed_in, order, other_buyer, cs1_user, cs2_user, admin_user
):
    upload(signed_in, order, factories.proof_file("png"))
    proof = PaymentProof.objects.get()
    target = url("payment_proof_file", order, proof_id=proof.pk)

    response = signed_in.get(target)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert "private" in response["Cache-Control"]

    for staff in (cs1_user, cs2_user, admin_user):
        assert client_for(staff).get(target).status_code == 200
    assert client_for(other_buyer).get(target).status_code == 404
    anonymous = Client().get(target)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("account_login"))


def test_a_proof_under_another_orders_number_answers_404(signed_in, order, buyer, product):
    upload(signed_in, order, factories.proof_file("png"))
    proof = PaymentProof.objects.get()
    second = factories.order(buyer, (product, 1))

    assert signed_in.get(url("payment_proof_file", second, proof_id=proof.pk)).status_code == 404
    assert signed_in.get(url("payment_proof_file", order, proof_id=proof.pk + 999)).status_code == 404


def test_after_a_rejection_the_buyer_sees_the_reason_and_uploads_again(signed_in, order, cs1_user):
    upload(signed_in, order, factories.proof_file("jpeg"))
    reject_payment(order, cs1_user, "Nominal transfer tidak sesuai")

    response = signed_in.get(url("order_detail", order))

    html = response.content.decode()
    assert "ditolak" in html and "Nominal transfer tidak sesuai" in html
    assert url("payment_proof_upload", order) in html

    upload(signed_in, order, factories.proof_file("png"))
    order.refresh_from_db()
    assert order.status == OrderStatus.WAITING_VERIFICATION
    assert PaymentProof.objects.filter(order=order).count() == 2


@pytest.mark.parametrize("upload_first", [False, True])
def test_the_buyer_cancels_an_unpaid_order(signed_in, order, upload_first):
    if upload_first:
        upload(signed_in, order, factories.proof_file("jpeg"))

    response = signed_in.post(url("order_cancel", order), {"reason": "Salah pilih ukuran"}, follow=True)

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.cancel_reason == "Salah pilih ukuran"
    assert said(response, "dibatalkan")
    assert "Salah pilih ukuran" in response.content.decode()


def test_a_paid_order_cannot_be_cancelled_by_the_buyer(signed_in, order, product, cs1_user):
    confirm_payment(order, cs1_user)
    product.refresh_from_db()

    response = signed_in.post(url("order_cancel", order), {"reason": "berubah pikiran"}, follow=True)

    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSED
    assert said(response, "tidak bisa dibatalkan")
    assert product.stock == 8
    assert StockMovement.objects.filter(order=order).count() == 1
    assert url("order_cancel", order) not in response.content.decode()


def test_cancelling_another_buyers_order_answers_404(order, other_buyer):
    response = client_for(other_buyer).post(url("order_cancel", order), {"reason": "iseng"})

    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_cancel_accepts_only_post_and_a_reasonable_reason(signed_in, order):
    assert signed_in.get(url("order_cancel", order)).status_code == 405
    response = signed_in.post(url("order_cancel", order), {"reason": "x" * 501}, follow=True)

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert response.context["messages"]


def test_once_shipped_the_buyer_sees_courier_tracking_number_and_the_timeline(signed_in, order, cs1_user, cs2_user):
    confirm_payment(order, cs1_user)
    ship_order(order, cs2_user, "JNE", "JP1234567890")

    response = signed_in.get(url("order_detail", order))

    html = response.content.decode()
    assert "JP1234567890" in html and "JNE" in html
    for word in ("Menunggu Pembayaran", "Diproses", "Dikirim"):
        assert word in html
    assert url("payment_proof_upload", order) not in html
    assert url("order_cancel", order) not in html


def test_an_order_for_the_list_shows_its_total_in_rupiah(signed_in, order):
    html = signed_in.get(reverse("shop:order_list")).content.decode()
    assert f"Rp {order.total:,}".replace(",", ".") in html


def test_past_the_deadline_the_page_asks_for_no_transfer(signed_in, order):
    from datetime import timedelta

    from django.utils import timezone

    Order.objects.filter(pk=order.pk).update(payment_deadline=timezone.now() - timedelta(minutes=1))

    html = signed_in.get(url("order_detail", order)).content.decode()

    assert "Batas pembayaran pesanan ini sudah lewat" in html
    assert url("payment_proof_upload", order) not in html
    assert "Rekening tujuan" not in html
