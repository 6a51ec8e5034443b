"""Proofs that would hurt the staff's screens are refused at upload (issue 11, security 5)."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shop.models import PaymentProof
from shop.services.orders import InvalidPaymentProof, submit_payment_proof
from tests import factories

pytestmark = pytest.mark.django_db


def png(width, height):
    out = BytesIO()
    Image.new("1", (width, height)).save(out, "PNG", optimize=True)  # one bit a pixel: tiny on disk
    return SimpleUploadedFile("bukti.png", out.getvalue(), content_type="image/png")


def test_a_decompression_bomb_is_refused_before_it_is_decoded(buyer, product):
    order = factories.order(buyer, (product, 1))
    bomb = png(12_000, 12_000)
    assert bomb.size < 200_000  # small on disk, 144 million pixels once decoded

    with pytest.raises(InvalidPaymentProof, match="terlalu besar"):
        submit_payment_proof(order, buyer, bomb)
    order.refresh_from_db()
    assert order.status == order.Status.PENDING_PAYMENT and not PaymentProof.objects.exists()


def test_a_phone_camera_photo_is_accepted(buyer, product):
    order = factories.order(buyer, (product, 1))
    submit_payment_proof(order, buyer, png(8_160, 6_120))  # a 50-megapixel camera
    assert order.status == order.Status.WAITING_VERIFICATION


def test_a_file_that_only_starts_like_a_picture_is_refused(buyer, product):
    order = factories.order(buyer, (product, 1))
    fake = SimpleUploadedFile("bukti.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 2000, content_type="image/jpeg")
    with pytest.raises(InvalidPaymentProof, match="rusak"):
        submit_payment_proof(order, buyer, fake)
    assert not PaymentProof.objects.exists()
