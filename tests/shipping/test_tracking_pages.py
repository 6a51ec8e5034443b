"""The parcel on the buyer's order page: its status and history from BinderByte, or without a key the number to
copy and the courier's site; the page renders whatever BinderByte answers, and "Perbarui" respects the cache."""

import re

import pytest
import responses
from django.test import Client

from shop.models import Order
from shop.services.orders import auto_complete_orders, complete_order, ship_order
from tests.helpers import messages_of, order_url, processed_order, signed_in
from tests.integrations import binderbyte_api
from tests.integrations.binderbyte_api import API_KEY, JNE_AWB, JNT_AWB, SICEPAT_AWB

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


@pytest.fixture
def api(settings):
    binderbyte_api.configure(settings)
    with responses.RequestsMock() as mock:
        yield mock


def shipped(buyer, product, courier="JNE", awb=JNE_AWB):
    order = processed_order(buyer, (product, 1))
    ship_order(order, None, courier, awb)
    return order


def page(buyer, order):
    response = signed_in(buyer).get(order_url("order_detail", order))
    assert response.status_code == 200
    return response.content.decode()


def parcel_part(html):
    return html[html.index('id="pelacakan"') : html.index("</section>", html.index('id="pelacakan"'))]


def test_the_buyer_follows_the_parcel_newest_first_in_indonesian_jakarta_time(buyer, product, api):
    order = shipped(buyer, product)
    binderbyte_api.answer(api, binderbyte_api.tracked(status="ON PROCESS"))

    part = parcel_part(page(buyer, order))

    assert 'data-parcel-state="in_transit"' in part and "Dalam perjalanan" in part and "ON PROCESS" in part
    times = re.findall(r"<time datetime=\"[^\"]+\">([^<]+)</time>", part)
    assert times[:3] == ["30 Nov 2026, 08:12 WIB", "29 Nov 2026, 21:40 WIB", "28 Nov 2026, 23:58 WIB"]
    assert part.index("WITH DELIVERY COURIER") < part.index("RECEIVED AT INBOUND STATION")
    # Five lines shown, the sixth folded away.
    assert "1 riwayat sebelumnya" in part and "<details" in part
    assert order_url("order_tracking_refresh", order) in part and "Perbarui" in part
    assert order_url("order_received", order) in part
    assert f'data-copy-awb="{JNE_AWB}"' in part and "https://www.jne.co.id/" in part
    assert binderbyte_api.asked(api) == [{"api_key": API_KEY, "courier": "jne", "awb": JNE_AWB}]
    assert API_KEY not in part


def test_a_delivered_parcel_shows_who_received_it(buyer, product, api):
    order = shipped(buyer, product)
    binderbyte_api.answer(api, binderbyte_api.tracked())

    part = parcel_part(page(buyer, order))

    assert "Terkirim" in part and "Diterima oleh BUDI SANTOSO" in part
    assert "30 Nov 2026, 14:05 WIB" in part


def test_odd_dates_show_as_the_courier_wrote_them(buyer, product, api):
    order = shipped(buyer, product, "SiCepat", SICEPAT_AWB)
    binderbyte_api.answer(api, binderbyte_api.sparse())

    part = parcel_part(page(buyer, order))

    assert "17 Mei 2026, 12:20 WIB" in part and "16 Mei 2026, 20:03 WIB" in part
    assert "kemarin sore" in part and "Kurir menjemput paket" in part


def test_refreshing_the_page_does_not_spend_the_quota(buyer, product, api):
    order = shipped(buyer, product)
    binderbyte_api.answer(api, binderbyte_api.tracked(status="ON PROCESS"))

    for _ in range(4):
        page(buyer, order)

    assert len(api.calls) == 1


def test_perbarui_too_soon_keeps_the_status_and_says_when_to_try_again(buyer, product, api):
    order = shipped(buyer, product)
    binderbyte_api.answer(api, binderbyte_api.tracked(status="ON PROCESS"))
    client = signed_in(buyer)
    client.get(order_url("order_detail", order))

    response = client.post(order_url("order_tracking_refresh", order), follow=True)

    assert response.redirect_chain[-1][0].endswith("#pelacakan")
    assert any(
        message.startswith("Status paket baru saja diperbarui. Coba lagi setelah pukul")
        for message in messages_of(response)
    )
    assert len(api.calls) == 1


def test_perbarui_is_for_the_buyers_own_order_by_post(buyer, other_buyer, product, api):
    order = shipped(buyer, product)
    url = order_url("order_tracking_refresh", order)

    assert signed_in(other_buyer).post(url).status_code == 404
    assert signed_in(buyer).get(url).status_code == 405
    assert signed_in(buyer, Client(enforce_csrf_checks=True)).post(url).status_code == 403
    assert len(api.calls) == 0


@pytest.mark.parametrize(
    "make_answer, shown",
    [
        (lambda api: binderbyte_api.answer(api, binderbyte_api.INVALID_AWB, status=404), "belum dikenali"),
        (lambda api: binderbyte_api.answer(api, binderbyte_api.INVALID_KEY, status=401), "tidak dapat dimuat"),
        (lambda api: binderbyte_api.answer(api, binderbyte_api.LIMIT_REACHED, status=400), "tidak dapat dimuat"),
        (binderbyte_api.answer_timeout, "tidak menjawab"),
        (binderbyte_api.answer_connection_refused, "tidak menjawab"),
        (lambda api: binderbyte_api.answer_html(api), "tidak menjawab"),
        (lambda api: binderbyte_api.answer(api, {"status": 200, "data": "?"}), "tidak dapat dibaca"),
        (lambda api: binderbyte_api.answer(api, {"status": 200, "data": {"summary": {}}}), "belum mencatat"),
    ],
    ids=["invalid-awb", "invalid-key", "limit", "timeout", "connection", "html", "unreadable", "empty"],
)
def test_every_failure_still_renders_the_page_with_the_number_and_the_couriers_site(
    buyer, product, api, make_answer, shown
):
    order = shipped(buyer, product)
    make_answer(api)

    html = page(buyer, order)

    part = parcel_part(html)
    assert shown in part
    assert JNE_AWB in html and "https://www.jne.co.id/" in part and "Pesanan diterima" in part
    assert API_KEY not in html


def test_without_a_key_the_page_shows_the_number_to_copy_and_the_couriers_site(buyer, product, settings):
    binderbyte_api.configure(settings, key="")
    order = shipped(buyer, product, "J&T Express", JNT_AWB)

    with responses.RequestsMock():  # nothing is asked
        part = parcel_part(page(buyer, order))

    assert f'data-copy-awb="{JNT_AWB}"' in part and "Salin nomor resi" in part
    assert 'href="https://jet.co.id/"' in part and "lacak paket di situs J&amp;T Express" in part
    assert "Perbarui" not in part and "data-parcel-history" not in part
    assert "Pesanan diterima" in part


def test_an_order_not_yet_shipped_has_no_parcel(buyer, product, api):
    order = processed_order(buyer, (product, 1))

    html = page(buyer, order)

    assert 'id="pelacakan"' not in html and len(api.calls) == 0


def test_a_completed_order_keeps_its_parcel_but_not_the_button(buyer, product, api):
    order = shipped(buyer, product)
    complete_order(order, buyer)
    binderbyte_api.answer(api, binderbyte_api.tracked())

    part = parcel_part(page(buyer, order))

    assert "Terkirim" in part and "Pesanan diterima</button>" not in part


def test_the_buyer_does_not_see_cs_notes_on_a_parcel_in_trouble(buyer, product, api):
    order = shipped(buyer, product, "J&T Express", JNT_AWB)
    binderbyte_api.answer(api, binderbyte_api.problem("HILANG"))

    auto_complete_orders()
    html = page(buyer, order)

    assert Order.objects.get(pk=order.pk).needs_attention
    assert "Hubungi kurir dan pembeli" not in html  # CS's note stays in the admin
    assert "Bermasalah" in parcel_part(html) and "HILANG" in parcel_part(html)
    assert "Kurir melaporkan masalah pada paket ini." in parcel_part(html)
    assert len(api.calls) == 1  # the page showed what the schedule asked
