"""Uploaded files in S3-compatible object storage (issue 15, several servers): pictures in the public
bucket and addressed there, proofs and import files in the private bucket, unreadable without the
shop's permission-checked views. Against moto's S3 server on 127.0.0.1 (tests/storage/conftest.py)."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from wagtail.images.models import Image
from wagtail.models import Collection

from shop.imports.cleanup import clear_old_import_files
from shop.imports.progress import progress_name, read_progress, remove_progress, write_progress
from shop.models import OrderStatus, PaymentProof, Product, ProductImage, ProductImport
from shop.payments.thumbnails import thumbnail_name
from shop.services.orders import submit_payment_proof
from tests import factories, helpers
from tests.factories import import_row, product_sheet
from tests.helpers import IMPORT_URL, order_url, upload_proof

from .s3 import anonymous_get, keys

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff"


def files_under(root):
    return [path for path in Path(root).rglob("*") if path.is_file()] if Path(root).exists() else []


# --- Pictures: the public bucket ------------------------------------------------------------------


def test_a_picture_uploaded_in_the_admin_lands_in_the_public_bucket_and_is_shown_from_there(
    importer, client, buckets, s3_client, catalog_page, category
):
    response = importer.post(
        reverse("wagtailimages:add"),
        {
            "title": "Kopi Gayo",
            "file": ContentFile(factories.picture_bytes("jpeg", size=(900, 900)), name="kopi-gayo.jpg"),
            "collection": Collection.get_first_root_node().pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    image = Image.objects.get()
    assert image.file.name in keys(s3_client, buckets.public)
    assert image.file.name not in keys(s3_client, buckets.private)
    assert not files_under(settings.MEDIA_ROOT)

    product = factories.product(category=category, stock=3)
    ProductImage.objects.create(product=product, image=image)
    html = client.get(product.get_absolute_url()).content.decode()

    shown = re.findall(r'src="([^"]+fill-800x800[^"]*)"', html)
    assert shown, html
    assert shown[0].startswith(f"{buckets.endpoint}/{buckets.public}/images/")
    status, body = anonymous_get(shown[0])
    assert status == 200 and body.startswith(JPEG)


def test_with_a_custom_domain_pictures_are_addressed_through_it(
    client, object_storage, s3_client, catalog_page, category
):
    buckets = object_storage(custom_domain="media.tokoku.test")
    image = Image.objects.create(title="Teh", file=ContentFile(factories.picture_bytes("jpeg"), name="teh.jpg"))
    product = factories.product(category=category, stock=3)
    ProductImage.objects.create(product=product, image=image)

    html = client.get(product.get_absolute_url()).content.decode()

    rendition = image.get_rendition("fill-800x800")
    assert rendition.file.name in keys(s3_client, buckets.public)
    assert rendition.url == f"https://media.tokoku.test/{rendition.file.name}"
    assert f'src="{rendition.url}"' in html
    assert buckets.endpoint not in html


# --- Payment proofs: the private bucket ---------------------------------------------------------


def test_a_buyers_proof_lands_in_the_private_bucket_and_is_not_public(signed_in, order, buckets, s3_client):
    upload_proof(signed_in, order, factories.proof_file("jpeg", name="transfer.jpg"))

    order.refresh_from_db()
    assert order.status == OrderStatus.WAITING_VERIFICATION
    name = PaymentProof.objects.get(order=order).file.name
    assert name in keys(s3_client, buckets.private)
    assert name not in keys(s3_client, buckets.public)
    assert not files_under(settings.PRIVATE_MEDIA_ROOT) and not files_under(settings.MEDIA_ROOT)
    # moto answers an unsigned request as S3 does: by the object's ACL and the bucket's policy.
    status, _body = anonymous_get(f"{buckets.endpoint}/{buckets.private}/{name}")
    assert status == 403
    grantees = [grant["Grantee"] for grant in s3_client.get_object_acl(Bucket=buckets.private, Key=name)["Grants"]]
    assert [grantee["Type"] for grantee in grantees] == ["CanonicalUser"], "only the owner's own keys"
    with pytest.raises(ValueError):
        PaymentProof.objects.get(order=order).file.url  # noqa: B018  (no link is ever made, signed or not)


def test_the_buyer_and_cs_get_the_proof_through_the_shop_and_nobody_else_does(
    signed_in, order, other_buyer, cs1_user, buckets
):
    upload = factories.proof_file("png")
    content = upload.read()
    upload.seek(0)
    upload_proof(signed_in, order, upload)
    proof = PaymentProof.objects.get(order=order)
    url = order_url("payment_proof_file", order, proof_id=proof.pk)

    for viewer in (signed_in, helpers.signed_in(cs1_user)):
        response = viewer.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == content
        assert response["Content-Type"] == "image/png" and response["Cache-Control"] == "private, no-store"

    assert helpers.signed_in(other_buyer).get(url).status_code == 404
    anonymous = helpers.signed_in(None).get(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("account_login"))


def test_a_proof_whose_object_is_gone_answers_404(signed_in, order, buckets, s3_client):
    upload_proof(signed_in, order, factories.proof_file("pdf"))
    proof = PaymentProof.objects.get(order=order)
    s3_client.delete_object(Bucket=buckets.private, Key=proof.file.name)

    assert signed_in.get(order_url("payment_proof_file", order, proof_id=proof.pk)).status_code == 404


# --- Product imports: the private bucket ---------------------------------------------------------


def test_an_import_file_and_its_report_are_kept_in_the_private_bucket(importer, category, buckets, s3_client):
    sheet = product_sheet([import_row("AWAN-1", "Kaos Awan", category.name, 150_000, stock=5)])
    importer.post(IMPORT_URL, {"file": sheet})
    job = ProductImport.objects.get()
    assert job.status == ProductImport.Status.CHECKED, job.message

    importer.post(f"{IMPORT_URL}{job.pk}/konfirmasi/")
    job.refresh_from_db()
    assert job.status == ProductImport.Status.DONE, job.message
    assert Product.objects.filter(sku="AWAN-1", stock=5).exists()
    stored = keys(s3_client, buckets.private)
    assert {job.file.name, job.report.name} <= stored
    assert not any(name.endswith("-progress.json") for name in stored), "removed when the job finished"
    assert not keys(s3_client, buckets.public)
    assert not files_under(settings.PRIVATE_MEDIA_ROOT)
    for name in (job.file.name, job.report.name):
        status, _body = anonymous_get(f"{buckets.endpoint}/{buckets.private}/{name}")
        assert status == 403
    assert "AWAN-1" in importer.get(f"{IMPORT_URL}{job.pk}/").content.decode(), "the report is read back"

    ProductImport.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=31))
    assert clear_old_import_files() == 1
    assert not keys(s3_client, buckets.private)


def test_the_progress_of_a_running_import_goes_through_the_bucket(importer, admin_user, buckets, s3_client):
    job = factories.product_import(product_sheet([import_row("A-1")]), admin_user, checked=False)
    ProductImport.objects.filter(pk=job.pk).update(status=ProductImport.Status.IMPORTING, total_rows=2_000)

    write_progress(job, 500)
    write_progress(job, 1_000)

    assert progress_name(job) in keys(s3_client, buckets.private)
    assert read_progress(job) == 1_000
    page = importer.get(f"{IMPORT_URL}{job.pk}/").content.decode()
    assert 'max="2000" value="1000"' in page
    remove_progress(job)
    assert progress_name(job) not in keys(s3_client, buckets.private)
    assert read_progress(job) == 0


def test_cs_sees_a_small_preview_of_a_proof_kept_in_the_bucket(buyer, order, cs1_user, buckets, s3_client):
    submit_payment_proof(order, buyer, factories.proof_file("jpeg"))
    proof = order.payment_proofs.get()
    url = helpers.desk_url("verification", "proof", order.pk, proof.pk)

    for _request in range(2):  # made on the first request, kept in the bucket for the next
        response = helpers.signed_in(cs1_user).get(url + "?kecil=1")
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        assert b"".join(response.streaming_content).startswith(JPEG)
    assert thumbnail_name(proof) in keys(s3_client, buckets.private)
    assert not files_under(settings.PRIVATE_MEDIA_ROOT)
