"""The staff desks in the Wagtail admin, driven through their views as staff use them."""

import re
from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from shop.models import Order, OrderEvent, OrderStatus, PaymentProof, StockMovement
from shop.payments import thumbnails
from shop.services.orders import cancel_order, submit_payment_proof
from shop.services.stock import adjust_stock
from tests import factories
from tests.helpers import (
    desk_url,
    messages_of,
    pending_order,
    processed_order,
    shipped_order,
    signed_in,
    snapshot,
    waiting_order,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


@pytest.fixture
def second_product(category):
    return factories.product(category=category, stock=5, name="Teh Melati")


def follow(client, response):
    return client.get(response["Location"])


# --- Verifikasi Pembayaran ---------------------------------------------------------------------


def test_verification_queue_lists_waiting_orders_oldest_first_with_amount_and_proof(buyer, product, cs1_user):
    older = waiting_order(buyer, (product, 1))
    newer = waiting_order(buyer, (product, 2))
    pending_order(buyer, (product, 1))  # no proof yet: not in the queue
    Order.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(hours=3))

    response = signed_in(cs1_user).get(desk_url("verification", "index"))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(older.number) < html.index(newer.number)
    assert list(response.context["object_list"]) == [older, newer]
    assert "Rp " in html  # amount due
    proof = older.payment_proofs.get()
    assert desk_url("verification", "proof", older.pk, proof.pk) in html  # thumbnail


def test_verification_queue_marks_proofs_waiting_too_long(buyer, product, cs1_user, settings):
    settings.VERIFICATION_OVERDUE_HOURS = 2
    late = waiting_order(buyer, (product, 1))
    PaymentProof.objects.filter(order=late).update(created_at=timezone.now() - timedelta(hours=3))
    fresh = waiting_order(buyer, (product, 1))

    html = signed_in(cs1_user).get(desk_url("verification", "index")).content.decode()

    rows = {order.number: html[html.index(order.number) :][:3000] for order in (late, fresh)}
    late_row = rows[late.number].split("</tr>")[0]
    fresh_row = rows[fresh.number].split("</tr>")[0]
    assert "Terlambat" in late_row
    assert "Terlambat" not in fresh_row


def test_order_page_shows_proof_full_size_lines_with_stock_and_payment_history(
    buyer, product, second_product, cs1_user
):
    order = waiting_order(buyer, (product, 2), (second_product, 1))
    proof = order.payment_proofs.get()

    response = signed_in(cs1_user).get(desk_url("verification", "inspect", order.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert "data-proof-image" in html
    assert desk_url("verification", "proof", order.pk, proof.pk) in html
    assert product.name in html and second_product.name in html
    assert "Riwayat pembayaran" in html
    assert [action.name for action, _url in response.context["actions"]] == ["confirm", "reject", "cancel"]


def test_order_page_shows_a_pdf_proof_embedded(buyer, product, cs1_user):
    order = waiting_order(buyer, (product, 1), proof_kind="pdf")
    html = signed_in(cs1_user).get(desk_url("verification", "inspect", order.pk)).content.decode()
    assert 'type="application/pdf"' in html


def test_order_page_warns_of_a_shortfall_before_confirming(buyer, product, cs1_user):
    order = waiting_order(buyer, (product, 3))
    adjust_stock(product, -9, StockMovement.Reason.DAMAGED)  # 10 -> 1

    response = signed_in(cs1_user).get(desk_url("verification", "inspect", order.pk))

    assert [line.shortfall for line in response.context["shortfalls"]] == [2]
    assert "Stok tidak cukup" in response.content.decode()


def test_proof_file_is_served_to_the_desk_privately(buyer, product, cs1_user):
    order = waiting_order(buyer, (product, 1))
    proof = order.payment_proofs.get()

    response = signed_in(cs1_user).get(desk_url("verification", "proof", order.pk, proof.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")


def test_the_queue_shows_a_small_preview_of_a_large_photo(buyer, product, cs1_user, other_buyer):
    photo = BytesIO()
    Image.new("RGB", (3000, 4000), (200, 30, 30)).save(photo, "JPEG", quality=95)
    order = factories.order(buyer, (product, 1))
    submit_payment_proof(order, buyer, SimpleUploadedFile("slip.jpg", photo.getvalue(), content_type="image/jpeg"))
    proof = order.payment_proofs.get()
    client = signed_in(cs1_user)
    url = desk_url("verification", "proof", order.pk, proof.pk)
    assert url + "?kecil=1" in client.get(desk_url("verification", "index")).content.decode()

    for _request in range(2):  # made on the first request, kept for the next
        response = client.get(url + "?kecil=1")
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        preview = b"".join(response.streaming_content)
        assert len(preview) < 10_000 and max(Image.open(BytesIO(preview)).size) <= 160
    assert len(b"".join(client.get(url).streaming_content)) == len(photo.getvalue())  # the full photo is untouched
    assert signed_in(other_buyer).get(url + "?kecil=1").status_code in (302, 403, 404)


def test_a_proof_that_cannot_be_previewed_is_served_whole_and_not_decoded_again(buyer, product, cs1_user, monkeypatch):
    # A JPEG whose header reads fine but whose picture data stops halfway (an interrupted upload).
    photo = BytesIO()
    Image.effect_noise((400, 400), 80).convert("RGB").save(photo, "JPEG")
    cut = photo.getvalue()[: len(photo.getvalue()) // 2]
    order = factories.order(buyer, (product, 1))
    submit_payment_proof(order, buyer, SimpleUploadedFile("slip.jpg", cut, content_type="image/jpeg"))
    proof = order.payment_proofs.get()
    decoded = []
    monkeypatch.setattr(thumbnails, "_make", lambda proof, make=thumbnails._make: decoded.append(1) or make(proof))
    client = signed_in(cs1_user)

    for _request in range(3):
        response = client.get(desk_url("verification", "proof", order.pk, proof.pk) + "?kecil=1")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == cut
    assert decoded == [1]  # the failure is remembered: one decoding, not one per view of the queue


def test_confirm_asks_first_then_takes_stock_and_moves_the_order_on(buyer, product, cs1_user):
    order = waiting_order(buyer, (product, 3))
    client = signed_in(cs1_user)
    url = desk_url("verification", "confirm", order.pk)

    page = client.get(url)
    assert page.status_code == 200
    assert 'method="post"' in page.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.WAITING_VERIFICATION  # the GET changed nothing

    response = client.post(url)

    assert response.status_code == 302
    assert response["Location"] == desk_url("verification", "index")
    order.refresh_from_db()
    product.refresh_from_db()
    assert order.status == OrderStatus.PROCESSED
    assert product.stock == 7
    event = order.events.last()
    assert (event.actor, event.to_status) == (cs1_user, OrderStatus.PROCESSED)
    assert any("dikonfirmasi" in message for message in messages_of(follow(client, response)))


def test_a_double_submitted_confirm_takes_stock_once(buyer, product, cs1_user, admin_user):
    order = waiting_order(buyer, (product, 3))
    client = signed_in(cs1_user)
    url = desk_url("verification", "confirm", order.pk)

    first = client.post(url)
    second = client.post(url)

    assert first.status_code == second.status_code == 302
    product.refresh_from_db()
    assert product.stock == 7
    assert StockMovement.objects.filter(order=order).count() == 1
    assert order.events.filter(to_status=OrderStatus.PROCESSED).count() == 1
    assert any("sudah tidak ada" in message for message in messages_of(follow(client, second)))

    # The owner's desk holds every order: there a repeat says it was already done.
    admin = signed_in(admin_user)
    third = admin.post(desk_url("all", "confirm", order.pk))
    assert third.status_code == 302
    assert any("sudah dikonfirmasi sebelumnya" in message for message in messages_of(follow(admin, third)))
    product.refresh_from_db()
    assert product.stock == 7


def test_confirm_with_short_stock_names_the_products_and_flags_the_order(buyer, product, second_product, cs1_user):
    first = waiting_order(buyer, (product, 8))
    second = waiting_order(buyer, (product, 5), (second_product, 3))
    client = signed_in(cs1_user)
    client.post(desk_url("verification", "confirm", first.pk))  # takes 8 of 10
    adjust_stock(second_product, -4, StockMovement.Reason.DAMAGED)  # 5 -> 1

    before = snapshot()
    response = client.post(desk_url("verification", "confirm", second.pk))

    assert response.status_code == 302
    assert response["Location"] == desk_url("verification", "inspect", second.pk)
    after = snapshot()
    assert (after["stock"], after["movements"]) == (before["stock"], before["movements"])
    second.refresh_from_db()
    assert second.status == OrderStatus.WAITING_VERIFICATION
    assert second.needs_attention
    page = follow(client, response)
    message = " ".join(messages_of(page))
    assert product.name in message and second_product.name in message
    assert "perlu perhatian" in message
    assert "Perlu perhatian" in page.content.decode()


def test_reject_needs_a_reason_and_the_buyer_can_upload_again(buyer, product, cs1_user):
    order = waiting_order(buyer, (product, 1))
    client = signed_in(cs1_user)
    url = desk_url("verification", "reject", order.pk)

    blank = client.post(url, {"reason": "  "})
    assert blank.status_code == 400
    order.refresh_from_db()
    assert order.status == OrderStatus.WAITING_VERIFICATION

    response = client.post(url, {"reason": "Nominal transfer tidak sesuai"})

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    proof = order.payment_proofs.get()
    assert (proof.status, proof.review_note) == (PaymentProof.Status.REJECTED, "Nominal transfer tidak sesuai")
    # The buyer sees the reason on their order page.
    buyer_page = signed_in(buyer).get(f"/pesanan/{order.number}/")
    assert "Nominal transfer tidak sesuai" in buyer_page.content.decode()


def test_cs1_cancels_an_unpaid_order_with_a_reason_and_no_stock_moves(buyer, product, cs1_user):
    order = waiting_order(buyer, (product, 2))
    client = signed_in(cs1_user)
    url = desk_url("verification", "cancel", order.pk)

    assert client.post(url, {"reason": ""}).status_code == 400
    response = client.post(url, {"reason": "Pembeli minta batal lewat WhatsApp"})

    assert response.status_code == 302
    order.refresh_from_db()
    product.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.cancel_reason == "Pembeli minta batal lewat WhatsApp"
    assert product.stock == 10
    assert not StockMovement.objects.filter(order=order).exists()


# --- Pemrosesan Pesanan ------------------------------------------------------------------------


def test_fulfilment_queue_lists_paid_orders_oldest_payment_first(buyer, product, cs2_user):
    older = processed_order(buyer, (product, 1))
    newer = processed_order(buyer, (product, 1))
    Order.objects.filter(pk=older.pk).update(paid_at=timezone.now() - timedelta(hours=30))
    waiting = waiting_order(buyer, (product, 1))
    on_its_way = shipped_order(buyer, (product, 1))

    client = signed_in(cs2_user)
    response = client.get(desk_url("fulfilment", "index"))

    assert response.status_code == 200
    assert list(response.context["object_list"]) == [older, newer]
    html = response.content.decode()
    assert waiting.number not in html and on_its_way.number not in html
    older_row = html[html.index(older.number) :].split("</tr>")[0]
    assert "Terlambat" in older_row

    shipped_list = client.get(desk_url("fulfilment", "index", query="?stage=shipped"))
    assert list(shipped_list.context["object_list"]) == [on_its_way]


def test_packing_slip_and_labels_print_the_address_lines_and_number(buyer, product, second_product, cs2_user):
    order = processed_order(buyer, (product, 2), (second_product, 1))
    client = signed_in(cs2_user)

    slip = client.get(desk_url("fulfilment", "packing_slip", order.pk)).content.decode()
    assert order.number in slip and order.recipient_name in slip and order.postal_code in slip
    assert product.sku in slip and second_product.name in slip
    assert "@page" in slip and "size: 210mm 297mm" in slip  # Chromium prints named sizes it lacks on Letter

    a6 = client.get(desk_url("fulfilment", "shipping_label", order.pk, query="?ukuran=a6")).content.decode()
    a4 = client.get(desk_url("fulfilment", "shipping_label", order.pk, query="?ukuran=a4")).content.decode()
    assert "size: 105mm 148mm" in a6 and "size: 210mm 297mm" in a4
    for label in (a6, a4):
        assert order.number in label and order.street in label and order.city in label and order.phone in label


def test_the_label_carries_the_order_and_tracking_numbers_as_code_128_barcodes(buyer, product, cs2_user):
    order = shipped_order(buyer, (product, 1))
    label = signed_in(cs2_user).get(desk_url("fulfilment", "shipping_label", order.pk)).content.decode()
    barcodes = re.findall(r'data-barcode="(\w+)">\s*(<svg.*?</svg>)', label, re.S)
    assert [kind for kind, _svg in barcodes] == ["order", "tracking"]
    drawn = dict(barcodes)
    # The human-readable line under each barcode is the code it encodes.
    assert f">{order.number}<" in drawn["order"] and f">{order.tracking_number}<" in drawn["tracking"]
    assert drawn["order"].count("<rect") > 20  # bars, not an empty picture


def test_ship_with_a_courier_from_the_list_and_a_tracking_number(buyer, product, cs2_user):
    order = processed_order(buyer, (product, 1))
    client = signed_in(cs2_user)
    url = desk_url("fulfilment", "ship", order.pk)

    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "SiCepat" in html and "J&amp;T Express" in html and "AnterAja" in html
    assert page.context["form"].initial["courier"] == "jne"  # the buyer's choice at checkout

    assert client.post(url, {"courier": "jne", "tracking_number": ""}).status_code == 400
    assert client.post(url, {"courier": "dhl-nope", "tracking_number": "X1"}).status_code == 400
    response = client.post(url, {"courier": "sicepat", "tracking_number": " 0042 1234 5678 "})

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert (order.courier, order.tracking_number) == ("SiCepat", "004212345678")
    buyer_page = signed_in(buyer).get(f"/pesanan/{order.number}/").content.decode()
    assert "Dikirim" in buyer_page and "004212345678" in buyer_page


def test_mark_completed_after_shipping(buyer, product, cs2_user):
    order = shipped_order(buyer, (product, 1))
    client = signed_in(cs2_user)

    response = client.post(desk_url("fulfilment", "complete", order.pk))

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED


def test_cs2_cancels_a_processed_order_and_the_stock_returns(buyer, product, cs2_user):
    order = processed_order(buyer, (product, 4))
    product.refresh_from_db()
    assert product.stock == 6
    client = signed_in(cs2_user)

    response = client.post(desk_url("fulfilment", "cancel", order.pk), {"reason": "Stok rusak saat dikemas"})

    assert response.status_code == 302
    order.refresh_from_db()
    product.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert product.stock == 10
    assert StockMovement.objects.filter(order=order, reason=StockMovement.Reason.CANCELLATION, delta=4).exists()
    assert any("stoknya dikembalikan" in message for message in messages_of(follow(client, response)))


# --- Semua Pesanan -----------------------------------------------------------------------------


def test_all_orders_filters_by_status_payment_method_and_date(buyer, product, admin_user):
    waiting = waiting_order(buyer, (product, 1))
    processed = processed_order(buyer, (product, 1))
    old = pending_order(buyer, (product, 1))
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    client = signed_in(admin_user)

    def listed(query):
        return set(client.get(desk_url("all", "index", query=query)).context["object_list"])

    assert listed("") == {waiting, processed, old}
    assert listed("?status=processed") == {processed}
    assert listed("?status=processed&status=waiting_verification") == {processed, waiting}
    assert listed("?payment_method=tripay") == set()
    since = (timezone.localdate() - timedelta(days=7)).isoformat()
    assert listed(f"?created_at_from={since}") == {waiting, processed}
    assert listed(f"?created_at_to={(timezone.localdate() - timedelta(days=30)).isoformat()}") == {old}
    Order.objects.filter(pk=waiting.pk).update(needs_attention=True)
    assert listed("?needs_attention=true") == {waiting}  # the dashboard's link


def test_all_orders_search_by_number_name_email_phone_and_tracking(buyer, other_buyer, product, admin_user):
    mine = shipped_order(buyer, (product, 1))
    other = pending_order(other_buyer, (product, 1))
    Order.objects.filter(pk=other.pk).update(recipient_name="Budi Hartono", phone="089999000111")
    client = signed_in(admin_user)

    def found(term):
        return set(client.get(desk_url("all", "index"), {"q": term}).context["object_list"])

    assert found(mine.number) == {mine}
    assert found("Budi Hart") == {other}
    assert found("pembeli2@") == {other}
    assert found("089999000") == {other}
    assert found("JP0000000001") == {mine}


@pytest.mark.parametrize("typed", ["081234567890", "0812-3456-7890", "0812 3456 7890", "+62 812-3456-7890", "62812345"])
def test_orders_are_found_by_the_phone_as_people_write_it(buyer, other_buyer, product, admin_user, typed):
    wanted = pending_order(buyer, (product, 1))
    unwanted = pending_order(other_buyer, (product, 1))
    Order.objects.filter(pk=wanted.pk).update(phone="+6281234567890")
    Order.objects.filter(pk=unwanted.pk).update(phone="+6289999000111")
    found = signed_in(admin_user).get(desk_url("all", "index"), {"q": typed}).context["object_list"]
    assert set(found) == {wanted}


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_all_orders_export(buyer, product, admin_user, export_format):
    order = processed_order(buyer, (product, 2))
    response = signed_in(admin_user).get(desk_url("all", "index", query=f"?export={export_format}"))

    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if export_format == "csv":
        text = content.decode("utf-8")
        assert "Nomor pesanan" in text and order.number in text and "Diproses" in text
    else:
        assert content[:2] == b"PK"


def test_order_page_shows_timeline_and_stock_movements(buyer, product, admin_user, cs1_user):
    order = processed_order(buyer, (product, 2), cs1=cs1_user)

    response = signed_in(admin_user).get(desk_url("all", "inspect", order.pk))

    html = response.content.decode()
    assert response.status_code == 200
    assert "data-order-timeline" in html
    assert [event.to_status for event in response.context["events"]] == [
        OrderStatus.PENDING_PAYMENT,
        OrderStatus.WAITING_VERIFICATION,
        OrderStatus.PROCESSED,
    ]
    assert cs1_user.email in html
    assert [movement.delta for movement in response.context["movements"]] == [-2]
    assert order.recipient_name in html and order.street in html


def test_a_desk_sends_back_orders_that_left_it(buyer, product, cs1_user):
    order = processed_order(buyer, (product, 1))
    client = signed_in(cs1_user)

    response = client.get(desk_url("verification", "inspect", order.pk))

    assert response.status_code == 302
    assert response["Location"] == desk_url("verification", "index")


def test_cancelling_a_cancelled_order_again_is_harmless(buyer, product, admin_user):
    order = waiting_order(buyer, (product, 1))
    cancel_order(order, admin_user, "dobel")
    before = snapshot(order)

    response = signed_in(admin_user).post(desk_url("all", "cancel", order.pk), {"reason": "lagi"})

    assert response.status_code == 302
    assert snapshot(order) == before
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.CANCELLED).count() == 1


# --- Menu --------------------------------------------------------------------------------------


def menu_labels(client):
    import json
    import re

    html = client.get("/admin/").content.decode()
    found = re.search(r'id="wagtail-sidebar-props"[^>]*>(.*?)</script>', html, re.S)
    return json.dumps(json.loads(found.group(1)), ensure_ascii=False) if found else html


def test_menu_shows_each_desk_to_its_people_with_counts(buyer, product, cs1_user, cs2_user, admin_user):
    waiting_order(buyer, (product, 1))
    waiting_order(buyer, (product, 1))
    processed_order(buyer, (product, 1))

    cs1_menu = menu_labels(signed_in(cs1_user))
    cs2_menu = menu_labels(signed_in(cs2_user))
    admin_menu = menu_labels(signed_in(admin_user))

    assert "Verifikasi Pembayaran (2)" in cs1_menu
    assert "Pemrosesan Pesanan" not in cs1_menu and "Semua Pesanan" not in cs1_menu
    assert "Pemrosesan Pesanan (1)" in cs2_menu
    assert "Verifikasi Pembayaran" not in cs2_menu and "Semua Pesanan" not in cs2_menu
    for label in ("Verifikasi Pembayaran (2)", "Pemrosesan Pesanan (1)", "Semua Pesanan"):
        assert label in admin_menu


# --- What the pages say for each status (taken from the status table, not typed in templates) ------


def test_the_order_page_shows_the_deadline_while_unpaid_and_the_wait_while_a_proof_waits(buyer, product, admin_user):
    client = signed_in(admin_user)
    unpaid = pending_order(buyer, (product, 1))
    waiting = waiting_order(buyer, (product, 1))
    paid = processed_order(buyer, (product, 1))

    unpaid_html = client.get(desk_url("all", "inspect", unpaid.pk)).content.decode()
    waiting_html = client.get(desk_url("all", "inspect", waiting.pk)).content.decode()
    paid_html = client.get(desk_url("all", "inspect", paid.pk)).content.decode()

    assert "Batas pembayaran" in unpaid_html and "Bukti menunggu sejak" not in unpaid_html
    assert "Batas pembayaran" in waiting_html and "Bukti menunggu sejak" in waiting_html
    assert "Batas pembayaran" not in paid_html and "Bukti menunggu sejak" not in paid_html


def test_cancelling_says_whether_stock_goes_back(buyer, product, admin_user):
    client = signed_in(admin_user)
    unpaid = pending_order(buyer, (product, 1))
    paid = processed_order(buyer, (product, 1))

    unpaid_html = client.get(desk_url("all", "cancel", unpaid.pk)).content.decode()
    paid_html = client.get(desk_url("all", "cancel", paid.pk)).content.decode()

    assert "Stok tidak berubah" in unpaid_html and "dikembalikan" not in unpaid_html
    assert "stok barang berikut dikembalikan" in paid_html
