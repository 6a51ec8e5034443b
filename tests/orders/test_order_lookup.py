"""Cari pesanan: CS find any order after it has left their queue, look at it, and can change nothing from there."""

import json
import re
from datetime import timedelta

import pytest
import responses
from django.contrib.auth.models import Permission
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from shop.models import Order, OrderStatus
from shop.orders.policy import ACTIONS
from shop.services.orders import cancel_order, ship_order
from tests.helpers import (
    completed_order,
    desk_url,
    pending_order,
    processed_order,
    shipped_order,
    signed_in,
    snapshot,
    user,
    waiting_order,
)
from tests.integrations import binderbyte_api

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

LOOKUP = "order_lookup"
ACTION_DESKS = ("verification", "fulfilment", "all")


def cancelled_order(buyer, *lines):
    order = processed_order(buyer, *lines)
    cancel_order(order, None, "Stok rusak")
    return order


LEFT_THE_QUEUES = {"shipped": shipped_order, "completed": completed_order, "cancelled": cancelled_order}


@pytest.fixture
def staff(cs1_user, cs2_user):
    return {"cs1": cs1_user, "cs2": cs2_user}


def found(client, **query):
    response = client.get(desk_url(LOOKUP, "index"), query)
    assert response.status_code == 200
    return set(response.context["object_list"])


def menu(client):
    html = client.get("/admin/").content.decode()
    props = re.search(r'id="wagtail-sidebar-props"[^>]*>(.*?)</script>', html, re.S)
    return json.dumps(json.loads(props.group(1)), ensure_ascii=False)


def action_urls(order):
    """Every address at any desk that would change `order`."""
    urls = [desk_url(desk, name, order.pk) for desk in ACTION_DESKS for name in ACTIONS]
    return urls + [desk_url(desk, "track", order.pk) for desk in ACTION_DESKS]


# --- Finding and reading an order ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["cs1", "cs2"])
@pytest.mark.parametrize("stage", sorted(LEFT_THE_QUEUES))
def test_cs_find_an_order_that_left_their_queue_by_number_and_phone_and_read_it(
    role, stage, staff, buyer, other_buyer, product
):
    wanted = LEFT_THE_QUEUES[stage](buyer, (product, 2))
    other = shipped_order(other_buyer, (product, 1))
    Order.objects.filter(pk=wanted.pk).update(phone="+6281234567890")
    Order.objects.filter(pk=other.pk).update(phone="+6289999000111")
    client = signed_in(staff[role])

    assert found(client, q=wanted.number) == {wanted}
    assert found(client, q="0812-3456-7890") == {wanted}
    response = client.get(desk_url(LOOKUP, "inspect", wanted.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert wanted.number in html and product.name in html
    assert wanted.street in html and wanted.recipient_name in html  # the address
    assert "Rp " in html and "data-order-timeline" in html  # amounts, history
    assert [event.to_status for event in response.context["events"]][-1] == wanted.status
    assert "data-order-lookup" in html


@pytest.mark.parametrize("role", ["cs1", "cs2"])
def test_the_lookup_page_offers_no_action_printout_or_tracking_refresh(role, staff, buyer, product, settings):
    # Each role would have an action at its own desk for some of these: none is offered here.
    orders = [
        waiting_order(buyer, (product, 1)),
        processed_order(buyer, (product, 1)),
        shipped_order(buyer, (product, 1)),
    ]
    binderbyte_api.configure(settings)
    client = signed_in(staff[role])

    for order in orders:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
            binderbyte_api.answer(api, binderbyte_api.tracked(awb=order.tracking_number or binderbyte_api.JNE_AWB))
            response = client.get(desk_url(LOOKUP, "inspect", order.pk))

        html = response.content.decode()
        assert response.context["actions"] == [] and response.context["can_print"] is False
        main = html[html.index("data-order-lookup") :]
        assert "data-order-actions" not in main and "Perbarui pelacakan" not in main
        assert not any(f'data-action="{name}"' in main for name in ACTIONS)
        assert '<form method="post"' not in main
        assert ("data-parcel-history" in main) == bool(order.tracking_number)  # the parcel is shown, not refreshed
        for url in action_urls(order):
            assert url not in html
        for name in ("packing_slip", "shipping_label"):
            assert desk_url("fulfilment", name, order.pk) not in html


def test_the_lookup_serves_no_action_urls():
    for name in [*ACTIONS, "track", "packing_slip", "shipping_label", "add", "edit", "delete", "history"]:
        with pytest.raises(NoReverseMatch):
            reverse(f"{LOOKUP}:{name}", args=(1,))


@pytest.mark.parametrize("role", ["cs1", "cs2"])
def test_search_by_buyer_name_and_email_and_filter_by_status_and_date(role, staff, buyer, other_buyer, product):
    mine = completed_order(buyer, (product, 1))
    theirs = cancelled_order(other_buyer, (product, 1))
    old = pending_order(buyer, (product, 1))
    Order.objects.filter(pk=theirs.pk).update(recipient_name="Budi Hartono", email="budi@contoh.id")
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    client = signed_in(staff[role])

    assert found(client, q="Budi Hart") == {theirs}
    assert found(client, q="budi@contoh") == {theirs}
    assert found(client, q="pembeli2@") == {theirs}  # the buyer's account
    assert found(client) == {mine, theirs, old}
    assert found(client, status=OrderStatus.CANCELLED) == {theirs}
    assert found(client, status=[OrderStatus.COMPLETED, OrderStatus.PENDING_PAYMENT]) == {mine, old}
    since = (timezone.localdate() - timedelta(days=7)).isoformat()
    assert found(client, created_at_from=since) == {mine, theirs}
    assert found(client, created_at_to=(timezone.localdate() - timedelta(days=30)).isoformat()) == {old}


def test_rows_offer_only_opening_the_order_and_its_queue(staff, buyer, product):
    waiting = waiting_order(buyer, (product, 1))
    done = completed_order(buyer, (product, 1))

    html = signed_in(staff["cs1"]).get(desk_url(LOOKUP, "index")).content.decode()

    assert desk_url(LOOKUP, "inspect", waiting.pk) in html and desk_url(LOOKUP, "inspect", done.pk) in html
    assert desk_url("verification", "inspect", waiting.pk) in html  # Buka di antrean
    for order in (waiting, done):
        for url in action_urls(order):
            assert url not in html


# --- Where to act: the user's own queue ---------------------------------------------------------------


@pytest.mark.parametrize(
    "role, make, queue",
    [
        ("cs1", waiting_order, "verification"),
        ("cs1", processed_order, None),
        ("cs2", waiting_order, None),
        ("cs2", processed_order, "fulfilment"),
        ("cs2", shipped_order, "fulfilment"),
        ("cs1", completed_order, None),
        ("cs2", cancelled_order, None),
    ],
)
def test_an_order_in_the_users_own_queue_links_there(role, make, queue, staff, buyer, product):
    order = make(buyer, (product, 1))

    response = signed_in(staff[role]).get(desk_url(LOOKUP, "inspect", order.pk))

    html = response.content.decode()
    if queue is None:
        assert response.context["own_queue"] is None and "data-open-in-queue" not in html
    else:
        assert response.context["own_queue"]["url"] == desk_url(queue, "inspect", order.pk)
        assert "Buka di antrean" in html and desk_url(queue, "inspect", order.pk) in html


# --- Payment proofs: through the permission-checked proof view -------------------------------------


def test_cs1_sees_the_proofs_of_a_finished_order_and_cs2_does_not(staff, buyer, product):
    order = completed_order(buyer, (product, 1))
    proof = order.payment_proofs.get()
    proof_url = desk_url(LOOKUP, "proof", order.pk, proof.pk)

    cs1_page = signed_in(staff["cs1"]).get(desk_url(LOOKUP, "inspect", order.pk)).content.decode()
    cs2_page = signed_in(staff["cs2"]).get(desk_url(LOOKUP, "inspect", order.pk)).content.decode()

    assert proof_url in cs1_page and "Riwayat pembayaran" in cs1_page
    assert proof_url not in cs2_page and "Riwayat pembayaran" not in cs2_page
    assert "belum mengunggah bukti" not in cs2_page  # hidden from CS L2, not missing
    served = signed_in(staff["cs1"]).get(proof_url)
    assert served.status_code == 200 and "private" in served["Cache-Control"]
    assert signed_in(staff["cs2"]).get(proof_url).status_code == 404
    unpaid = pending_order(buyer, (product, 1))
    assert (
        "belum mengunggah bukti" in signed_in(staff["cs1"]).get(desk_url(LOOKUP, "inspect", unpaid.pk)).content.decode()
    )


# --- Nothing changes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, stage",
    # A shipped order is still in CS L2's queue (to mark completed): not "out of the queue" for them.
    [
        (role, stage)
        for role in ("cs1", "cs2")
        for stage in sorted(LEFT_THE_QUEUES)
        if (role, stage) != ("cs2", "shipped")
    ],
)
def test_posts_to_the_queue_actions_for_an_order_out_of_the_queue_change_nothing(role, stage, staff, buyer, product):
    order = LEFT_THE_QUEUES[stage](buyer, (product, 1))
    client = signed_in(staff[role])
    before = snapshot(order)
    data = {"reason": "coba", "courier": "jne", "tracking_number": "JP999", "ship_anyway": "on"}

    for desk in ("verification", "fulfilment"):
        for name in ACTIONS:
            response = client.post(desk_url(desk, name, order.pk), data)
            # Refused (Wagtail sends the user to the dashboard) or "no longer at this desk".
            assert response.status_code == 302 and response["Location"] in ("/admin/", desk_url(desk, "index"))
        response = client.post(desk_url(desk, "track", order.pk))
        assert response.status_code == 302 and response["Location"] in ("/admin/", desk_url(desk, "index"))

    assert snapshot(order) == before


@pytest.mark.parametrize("role", ["cs1", "cs2"])
def test_posts_to_the_lookup_change_nothing(role, staff, buyer, product):
    waiting = waiting_order(buyer, (product, 1))
    processed = processed_order(buyer, (product, 1))
    client = signed_in(staff[role])
    before = snapshot()
    statuses = {order.pk: order.status for order in (waiting, processed)}

    for order in (waiting, processed):
        url = desk_url(LOOKUP, "inspect", order.pk)
        assert client.post(url, {"reason": "x"}).status_code == 405
        for path in ("konfirmasi", "tolak", "batalkan", "kirim", "selesai", "lacak", "slip", "label"):
            assert client.post(f"{url}{path}/", {"reason": "x"}).status_code == 404
        proof = order.payment_proofs.get()
        assert client.post(desk_url(LOOKUP, "proof", order.pk, proof.pk)).status_code == 405

    assert snapshot() == before
    assert {order.pk: order.status for order in Order.objects.filter(pk__in=statuses)} == statuses


# --- Who reaches it --------------------------------------------------------------------------------


def test_buyers_and_anonymous_visitors_are_refused(buyer, product):
    order = completed_order(buyer, (product, 1))
    proof = order.payment_proofs.get()
    urls = [
        desk_url(LOOKUP, "index"),
        desk_url(LOOKUP, "index", query=f"?q={order.number}"),
        desk_url(LOOKUP, "inspect", order.pk),
        desk_url(LOOKUP, "proof", order.pk, proof.pk),
    ]
    for client in (signed_in(buyer), signed_in(None)):
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"], url


def test_staff_without_view_order_are_refused(buyer, product):
    order = completed_order(buyer, (product, 1))
    clerk = user("gudang@example.com")
    clerk.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client = signed_in(clerk)

    for url in (desk_url(LOOKUP, "index"), desk_url(LOOKUP, "inspect", order.pk)):
        response = client.get(url)
        assert response.status_code in (302, 403) and order.number not in response.content.decode()
        if response.status_code == 302:
            assert response["Location"] == "/admin/"
    assert "Cari pesanan" not in menu(client)


def test_the_menu_shows_cari_pesanan_to_cs_after_their_queue_and_not_to_the_admin(staff, admin_user):
    cs1_menu, cs2_menu = menu(signed_in(staff["cs1"])), menu(signed_in(staff["cs2"]))
    admin_menu = menu(signed_in(admin_user))

    assert cs1_menu.index("Verifikasi Pembayaran") < cs1_menu.index("Cari pesanan")
    assert cs2_menu.index("Pemrosesan Pesanan") < cs2_menu.index("Cari pesanan")
    assert "Cari pesanan" not in admin_menu and "Semua Pesanan" in admin_menu


def test_the_admin_is_sent_to_semua_pesanan(admin_user, buyer, product):
    order = completed_order(buyer, (product, 1))
    proof = order.payment_proofs.get()
    client = signed_in(admin_user)

    expected = {
        desk_url(LOOKUP, "index", query="?q=0812"): desk_url("all", "index", query="?q=0812"),
        desk_url(LOOKUP, "inspect", order.pk): desk_url("all", "inspect", order.pk),
        desk_url(LOOKUP, "proof", order.pk, proof.pk): desk_url("all", "proof", order.pk, proof.pk),
    }
    for url, target in expected.items():
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == target


def test_a_shipped_order_found_by_cs1_shows_its_resi(staff, buyer, product):
    order = processed_order(buyer, (product, 1))
    ship_order(order, None, "JNE", "JP0000000042")

    assert found(signed_in(staff["cs1"]), q="JP0000000042") == {order}
