"""Proofs of transfer on Pesanan Saya: uploading one, judged by its content, seeing it, and uploading
again after a rejection; nobody else's order and nobody else's proof."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from shop.models import OrderStatus, PaymentProof
from shop.services.orders import reject_payment
from tests import factories, helpers
from tests.helpers import order_url, said, upload_proof

pytestmark = pytest.mark.django_db


def test_uploading_a_proof_moves_the_order_to_verification(signed_in, order):
    response = upload_proof(signed_in, order, factories.proof_file("jpeg", name="transfer.jpg"))

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
    upload_proof(signed_in, order, factories.proof_file(kind))
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
    response = upload_proof(signed_in, order, exe)

    assert said(response, "JPG/PNG")
    assert_nothing_changed(order)


def test_an_oversized_proof_is_refused(signed_in, order):
    response = upload_proof(signed_in, order, factories.proof_file("jpeg", size=5 * 1024 * 1024 + 1))

    assert said(response, "5 MB")
    assert_nothing_changed(order)


def test_a_post_without_a_file_says_what_is_missing(signed_in, order):
    response = signed_in.post(order_url("payment_proof_upload", order), {}, follow=True)

    assert said(response, "Pilih berkas bukti transfer")
    assert_nothing_changed(order)


def test_uploading_to_another_buyers_order_answers_404_and_changes_nothing(order, other_buyer):
    response = helpers.signed_in(other_buyer).post(
        order_url("payment_proof_upload", order), {"file": factories.proof_file("jpeg")}
    )

    assert response.status_code == 404
    assert_nothing_changed(order)


def test_a_second_proof_while_one_is_being_verified_is_refused(signed_in, order):
    upload_proof(signed_in, order, factories.proof_file("jpeg"))
    response = upload_proof(signed_in, order, factories.proof_file("png"))

    assert PaymentProof.objects.count() == 1
    assert response.context["messages"] and not said(response, "Bukti transfer terkirim")


def test_a_proof_is_served_to_its_buyer_and_to_staff_only(
    signed_in, order, other_buyer, cs1_user, cs2_user, admin_user
):
    upload_proof(signed_in, order, factories.proof_file("png"))
    proof = PaymentProof.objects.get()
    target = order_url("payment_proof_file", order, proof_id=proof.pk)

    response = signed_in.get(target)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert "private" in response["Cache-Control"]

    for staff in (cs1_user, admin_user):  # those who verify payments
        assert helpers.signed_in(staff).get(target).status_code == 200
    # A proof shows the buyer's bank account: CS Layer 2 packs parcels and has no need of it.
    assert helpers.signed_in(cs2_user).get(target).status_code == 404
    assert helpers.signed_in(other_buyer).get(target).status_code == 404
    anonymous = Client().get(target)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("account_login"))


def test_a_proof_under_another_orders_number_answers_404(signed_in, order, buyer, product):
    upload_proof(signed_in, order, factories.proof_file("png"))
    proof = PaymentProof.objects.get()
    second = factories.order(buyer, (product, 1))

    assert signed_in.get(order_url("payment_proof_file", second, proof_id=proof.pk)).status_code == 404
    assert signed_in.get(order_url("payment_proof_file", order, proof_id=proof.pk + 999)).status_code == 404


def test_after_a_rejection_the_buyer_sees_the_reason_and_uploads_again(signed_in, order, cs1_user):
    upload_proof(signed_in, order, factories.proof_file("jpeg"))
    reject_payment(order, cs1_user, "Nominal transfer tidak sesuai")

    response = signed_in.get(order_url("order_detail", order))

    html = response.content.decode()
    assert "ditolak" in html and "Nominal transfer tidak sesuai" in html
    assert order_url("payment_proof_upload", order) in html

    upload_proof(signed_in, order, factories.proof_file("png"))
    order.refresh_from_db()
    assert order.status == OrderStatus.WAITING_VERIFICATION
    assert PaymentProof.objects.filter(order=order).count() == 2
