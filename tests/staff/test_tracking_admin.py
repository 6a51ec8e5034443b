"""Parcels in the staff admin: the order page's tracking, "Perbarui pelacakan", the listings' parcel filter, the
dashboard's count of parcels in trouble, and the warning CS gets when BinderByte does not know a tracking number."""

from html import unescape

import pytest
import responses
from django.utils import timezone

from shop.models import Order, OrderStatus
from shop.services.orders import ship_order
from shop.shipping.parcels import ParcelState
from tests.helpers import desk_url, messages_of, processed_order, signed_in
from tests.integrations import binderbyte_api
from tests.integrations.binderbyte_api import API_KEY, JNE_AWB, JNT_AWB
from tests.staff.test_dashboard import tiles

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


@pytest.fixture
def api(settings):
    binderbyte_api.configure(settings)
    with responses.RequestsMock() as mock:
        yield mock


def shipped(buyer, product, courier="JNE", awb=JNE_AWB, **recorded):
    order = processed_order(buyer, (product, 1))
    ship_order(order, None, courier, awb)
    if recorded:
        Order.objects.filter(pk=order.pk).update(**recorded)
    return Order.objects.get(pk=order.pk)


# --- The order page ------------------------------------------------------------------------------


def test_the_order_page_shows_the_parcels_status_history_and_what_the_schedule_recorded(buyer, product, cs2_user, api):
    order = shipped(
        buyer,
        product,
        tracking_state=ParcelState.IN_TRANSIT,
        tracking_status="ON PROCESS",
        tracking_checked_at=timezone.now(),
    )
    binderbyte_api.answer(api, binderbyte_api.tracked(status="ON PROCESS"))

    response = signed_in(cs2_user).get(desk_url("fulfilment", "inspect", order.pk))

    html = response.content.decode()
    part = html[html.index("data-parcel>") :]
    assert 'data-recorded-state="in_transit"' in part and "Dalam perjalanan" in part
    assert "data-parcel-history" in part and "WITH DELIVERY COURIER" in part and "30 Nov 2026 08:12" in part
    assert desk_url("fulfilment", "track", order.pk) in part
    assert API_KEY not in html


@pytest.mark.parametrize(
    "body, status, shown",
    [
        (binderbyte_api.INVALID_AWB, 404, "salah ketik, atau paket belum dipindai"),
        (binderbyte_api.INVALID_KEY, 401, "Periksa BINDERBYTE_API_KEY"),
    ],
)
def test_a_failure_tells_staff_what_to_do(buyer, product, admin_user, api, body, status, shown):
    order = shipped(buyer, product)
    binderbyte_api.answer(api, body, status=status)

    html = signed_in(admin_user).get(desk_url("all", "inspect", order.pk)).content.decode()

    assert shown in html and "help-warning" in html


def test_without_a_key_the_page_says_how_to_turn_tracking_on(buyer, product, admin_user, settings):
    binderbyte_api.configure(settings, key="")
    order = shipped(buyer, product)

    with responses.RequestsMock():
        html = signed_in(admin_user).get(desk_url("all", "inspect", order.pk)).content.decode()

    assert "isi BINDERBYTE_API_KEY" in html and JNE_AWB in html and "https://www.jne.co.id/" in html


def test_perbarui_pelacakan_records_a_delivery_and_completes_the_order(buyer, product, cs2_user, api, settings):
    settings.TRACKING_REFRESH_MINUTES = 0
    order = shipped(buyer, product)
    binderbyte_api.answer(api, binderbyte_api.tracked())
    client = signed_in(cs2_user)

    response = client.post(desk_url("fulfilment", "track", order.pk))

    assert response.status_code == 302 and response["Location"].endswith("#pelacakan")
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED and order.tracking_state == ParcelState.DELIVERED
    shown = [message.strip() for message in messages_of(client.get(response["Location"], follow=True))]
    assert f"Paket {order.number} sudah diterima menurut kurir; pesanan selesai." in shown


def test_perbarui_pelacakan_is_for_staff_of_the_desk_by_post(buyer, product, cs1_user, cs2_user, api):
    order = shipped(buyer, product)
    url = desk_url("fulfilment", "track", order.pk)

    assert signed_in(cs1_user).post(url).status_code in (302, 403)  # not CS L1's desk
    assert signed_in(buyer).post(url).status_code == 302 and Order.objects.get(pk=order.pk).tracking_checked_at is None
    assert signed_in(cs2_user).get(url).status_code == 405
    assert len(api.calls) == 0


# --- Listings and dashboard ----------------------------------------------------------------------


@pytest.fixture
def parcels(buyer, product):
    return {
        state: shipped(buyer, product, awb=f"CGK00000000{n}", tracking_state=state)
        for n, state in enumerate([ParcelState.IN_TRANSIT, ParcelState.DELIVERED, ParcelState.PROBLEM, ""])
    }


@pytest.mark.parametrize("state", [ParcelState.IN_TRANSIT, ParcelState.DELIVERED, ParcelState.PROBLEM])
def test_semua_pesanan_filters_by_parcel_state(parcels, admin_user, state):
    response = signed_in(admin_user).get(desk_url("all", "index", query=f"?tracking_state={state}"))

    assert list(response.context["object_list"]) == [parcels[state]]
    assert "Status paket" in response.content.decode()


def test_the_fulfilment_queue_filters_shipped_parcels_by_state(parcels, cs2_user):
    query = f"?stage={OrderStatus.SHIPPED}&tracking_state={ParcelState.PROBLEM}"

    response = signed_in(cs2_user).get(desk_url("fulfilment", "index", query=query))

    assert list(response.context["object_list"]) == [parcels[ParcelState.PROBLEM]]


def test_the_dashboard_counts_parcels_in_trouble_for_those_who_handle_them(parcels, admin_user, cs1_user, cs2_user):
    count, url = tiles(cs2_user)["Paket bermasalah"]
    assert count == 1 and f"tracking_state={ParcelState.PROBLEM}" in url
    assert list(signed_in(cs2_user).get(unescape(url)).context["object_list"]) == [parcels[ParcelState.PROBLEM]]
    assert tiles(admin_user)["Paket bermasalah"][0] == 1
    assert "Paket bermasalah" not in tiles(cs1_user)


# --- Shipping with a number BinderByte does not know -------------------------------------------


def test_cs_is_warned_before_shipping_with_a_number_binderbyte_does_not_know_and_may_ship_anyway(
    buyer, product, cs2_user, api
):
    order = processed_order(buyer, (product, 1))
    client = signed_in(cs2_user)
    url = desk_url("fulfilment", "ship", order.pk)
    binderbyte_api.answer(api, binderbyte_api.INVALID_AWB, status=404)

    warned = client.post(url, {"courier": "jne", "tracking_number": "cgk 0000 9999"})

    assert warned.status_code == 400
    html = warned.content.decode()
    assert "BinderByte belum mengenal resi CGK00009999 untuk JNE" in html and "data-form-warning" in html
    assert 'type="checkbox" name="ship_anyway"' in html and 'value="jne:CGK00009999"' in html
    assert 'name="tracking_number" value="CGK00009999"' in html
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PROCESSED

    shipped_anyway = client.post(
        url,
        {"courier": "jne", "tracking_number": "CGK00009999", "ship_anyway": "on", "warned_for": "jne:CGK00009999"},
    )

    assert shipped_anyway.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.tracking_number) == (OrderStatus.SHIPPED, "CGK00009999")
    assert len(api.calls) == 1  # the confirmation was not asked about again


def test_a_confirmation_holds_only_for_the_number_it_was_given_for(buyer, product, cs2_user, api):
    order = processed_order(buyer, (product, 1))
    binderbyte_api.answer(api, binderbyte_api.INVALID_AWB, status=404)

    response = signed_in(cs2_user).post(
        desk_url("fulfilment", "ship", order.pk),
        {"courier": "jne", "tracking_number": "CGK77777777", "ship_anyway": "on", "warned_for": "jne:CGK00009999"},
    )

    assert response.status_code == 400 and "CGK77777777" in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PROCESSED


def test_a_number_binderbyte_knows_ships_at_once_and_its_answer_serves_the_order_page(buyer, product, cs2_user, api):
    order = processed_order(buyer, (product, 1))
    binderbyte_api.answer(api, binderbyte_api.tracked(JNT_AWB, "jnt", status="ON PROCESS"))
    client = signed_in(cs2_user)

    response = client.post(desk_url("fulfilment", "ship", order.pk), {"courier": "jnt", "tracking_number": JNT_AWB})

    assert response.status_code == 302
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SHIPPED
    buyer_page = signed_in(buyer).get(f"/pesanan/{order.number}/").content.decode()
    assert "ON PROCESS" in buyer_page and len(api.calls) == 1


@pytest.mark.parametrize("make_answer", [binderbyte_api.answer_timeout, lambda api: binderbyte_api.answer_html(api)])
def test_binderbyte_out_of_reach_does_not_stop_shipping(buyer, product, cs2_user, api, make_answer):
    order = processed_order(buyer, (product, 1))
    make_answer(api)

    response = signed_in(cs2_user).post(
        desk_url("fulfilment", "ship", order.pk), {"courier": "jne", "tracking_number": JNE_AWB}
    )

    assert response.status_code == 302 and Order.objects.get(pk=order.pk).status == OrderStatus.SHIPPED


def test_without_a_key_shipping_asks_nobody(buyer, product, cs2_user, settings):
    binderbyte_api.configure(settings, key="")
    order = processed_order(buyer, (product, 1))

    with responses.RequestsMock():
        response = signed_in(cs2_user).post(
            desk_url("fulfilment", "ship", order.pk), {"courier": "jne", "tracking_number": JNE_AWB}
        )

    assert response.status_code == 302
