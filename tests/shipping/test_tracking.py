"""Tracking a parcel: couriers' dates and statuses read leniently, answers cached per courier and number so that
the owner's BinderByte quota is spent once per while, and every failure kept as a report, never raised."""

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import responses

from shop.shipping import tracking
from shop.shipping.parcels import ParcelState, state_for
from shop.shipping.tracking_dates import parse_courier_date
from tests.integrations import binderbyte_api
from tests.integrations.binderbyte_api import API_KEY, JNE_AWB, JNT_AWB, SICEPAT_AWB

JAKARTA = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=JAKARTA)


def wib(*parts):
    return datetime(*parts, tzinfo=JAKARTA)


@pytest.fixture
def api(settings):
    binderbyte_api.configure(settings)
    with responses.RequestsMock() as mock:
        yield mock


# --- Dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2020-09-21 22:53", wib(2020, 9, 21, 22, 53)),
        ("2020-09-21 22:53:10", wib(2020, 9, 21, 22, 53, 10)),
        ("2020-09-21T22:53:10+07:00", wib(2020, 9, 21, 22, 53, 10)),
        ("2020-09-21T15:53:10Z", wib(2020, 9, 21, 22, 53, 10)),
        ("21-09-2020 22:53", wib(2020, 9, 21, 22, 53)),
        ("21/09/2020 22:53:10", wib(2020, 9, 21, 22, 53, 10)),
        ("2020-09-21", wib(2020, 9, 21)),
        ("17 Mei 2026 12:20 WIB", wib(2026, 5, 17, 12, 20)),
        ("17 Mei 12:20 WIB", wib(2026, 5, 17, 12, 20)),  # no year: this year's
        ("30 Des 23:10 WIB", wib(2025, 12, 30, 23, 10)),  # ... unless that is still ahead: last year's
        ("1 Desember 08.15", wib(2026, 12, 1, 8, 15)),
        ("Senin, 17 Agustus 2026 pukul 09.05 WITA", wib(2026, 8, 17, 8, 5)),
        ("17-Aug-2026 09:05 WIT", wib(2026, 8, 17, 7, 5)),
        ("  17   May 2026,  12:20  ", wib(2026, 5, 17, 12, 20)),
    ],
)
def test_couriers_dates_are_read_into_aware_times(text, expected):
    assert parse_courier_date(text, NOW) == expected


@pytest.mark.parametrize(
    "text", ["", None, "kemarin sore", "31 Juni 2026 10:00", "2026-13-40 10:00", "29 Feb 2026", "Mei"]
)
def test_a_date_that_cannot_be_read_is_none(text):
    assert parse_courier_date(text, NOW) is None


# --- Statuses ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, state",
    [
        ("DELIVERED", ParcelState.DELIVERED),
        ("delivered", ParcelState.DELIVERED),
        ("POD", ParcelState.DELIVERED),
        ("ON PROCESS", ParcelState.IN_TRANSIT),
        ("ON TRANSIT", ParcelState.IN_TRANSIT),
        ("MANIFESTED", ParcelState.IN_TRANSIT),
        ("UNDELIVERED", ParcelState.IN_TRANSIT),  # an attempt that failed: the courier tries again
        ("NOT DELIVERED", ParcelState.IN_TRANSIT),
        ("Paket diterima di gudang sortir", ParcelState.IN_TRANSIT),  # "diterima" is not the buyer's
        ("HILANG", ParcelState.PROBLEM),
        ("LOST", ParcelState.PROBLEM),
        ("RETURN", ParcelState.PROBLEM),
        ("RETURN TO SHIPPER", ParcelState.PROBLEM),
        ("RETURNED", ParcelState.PROBLEM),
        ("DELIVERED (RETURN TO SENDER)", ParcelState.PROBLEM),
        ("RUSAK", ParcelState.PROBLEM),
        ("CANCELED", ParcelState.PROBLEM),
        ("", ""),
        ("   ", ""),
        (None, ""),
    ],
)
def test_a_courier_status_maps_to_a_parcel_state(status, state):
    assert state_for(status) == state


# --- Reports and the cache -----------------------------------------------------------------------


def test_without_a_key_nothing_is_asked(settings):
    settings.BINDERBYTE_API_KEY = ""
    with responses.RequestsMock():  # any request would fail the test
        assert tracking.report_for("jne", JNE_AWB) is None
        assert tracking.refresh("jne", JNE_AWB) == (None, False)


def test_a_report_holds_the_state_and_the_history_newest_first_in_jakarta_time(api):
    shuffled = binderbyte_api.tracked()
    shuffled["data"]["history"].reverse()  # oldest first: the dates put it right
    binderbyte_api.answer(api, shuffled)

    report = tracking.report_for("jne", JNE_AWB, now=NOW)

    assert (report.failure, report.status, report.state) == ("", "DELIVERED", ParcelState.DELIVERED)
    assert report.receiver == "BUDI SANTOSO" and report.fetched_at == NOW
    assert report.latest.when == wib(2026, 11, 30, 14, 5)
    assert report.latest.description.startswith("DELIVERED TO [BUDI SANTOSO")
    assert [point.when for point in report.history] == sorted((point.when for point in report.history), reverse=True)


def test_dates_that_cannot_be_read_keep_their_text_and_the_couriers_order(api):
    binderbyte_api.answer(api, binderbyte_api.sparse())

    report = tracking.report_for("sicepat", SICEPAT_AWB, now=NOW)

    assert report.state == ParcelState.IN_TRANSIT
    assert [(point.when, point.date_text) for point in report.history] == [
        (wib(2026, 5, 17, 12, 20), "17 Mei 12:20 WIB"),
        (wib(2026, 5, 16, 20, 3), "16 Mei 2026 21:03 WITA"),
        (None, ""),
        (None, "kemarin sore"),
    ]


def test_one_request_serves_every_page_until_the_report_is_old(api, settings):
    binderbyte_api.answer(api, binderbyte_api.tracked(status="ON PROCESS"))

    first = tracking.report_for("jne", JNE_AWB)
    again = [tracking.report_for("jne", JNE_AWB) for _ in range(5)]

    assert len(api.calls) == 1
    assert all(report == first for report in again)


def test_the_cache_is_per_courier_and_number(api):
    binderbyte_api.answer(api, binderbyte_api.tracked(status="ON PROCESS"), binderbyte_api.tracked(JNT_AWB, "jnt"))

    tracking.report_for("jne", JNE_AWB)
    tracking.report_for("jnt", JNT_AWB)

    assert [asked["awb"] for asked in binderbyte_api.asked(api)] == [JNE_AWB, JNT_AWB]


def test_perbarui_asks_again_only_once_the_report_is_old_enough(api):
    binderbyte_api.answer(api, binderbyte_api.tracked(status="ON PROCESS"), binderbyte_api.tracked())
    first = tracking.report_for("jne", JNE_AWB, now=NOW)

    kept, asked = tracking.refresh("jne", JNE_AWB, now=NOW + timedelta(minutes=9))
    assert (kept, asked) == (first, False) and len(api.calls) == 1
    assert first.refreshable_at == NOW + timedelta(minutes=10)

    fresh, asked = tracking.refresh("jne", JNE_AWB, now=NOW + timedelta(minutes=10))
    assert asked and fresh.state == ParcelState.DELIVERED and len(api.calls) == 2
    assert tracking.report_for("jne", JNE_AWB) == fresh  # and pages see the new answer


@pytest.mark.parametrize(
    "make_answer, failure",
    [
        (lambda api: binderbyte_api.answer(api, binderbyte_api.INVALID_AWB, status=404), tracking.INVALID),
        (binderbyte_api.answer_timeout, tracking.UNAVAILABLE),
        (lambda api: binderbyte_api.answer_html(api), tracking.UNAVAILABLE),
        (lambda api: binderbyte_api.answer(api, {"status": 200, "data": None}), tracking.UNREADABLE),
    ],
)
def test_a_failure_is_a_report_kept_for_a_while_so_pages_do_not_wait_on_every_load(api, make_answer, failure):
    make_answer(api)

    report = tracking.report_for("jne", JNE_AWB, now=NOW)

    assert report.failure == failure and report.failure_message and report.history == ()
    assert tracking.report_for("jne", JNE_AWB) == report and len(api.calls) == 1
    # "Perbarui" may try again once the refresh interval has passed.
    assert tracking.refresh("jne", JNE_AWB, now=NOW + timedelta(minutes=5)) == (report, False)


@pytest.mark.parametrize("body", [binderbyte_api.INVALID_KEY, binderbyte_api.LIMIT_REACHED])
def test_a_refused_key_pauses_all_tracking_instead_of_spending_more_requests(api, body, caplog):
    binderbyte_api.answer(api, body, status=401 if body is binderbyte_api.INVALID_KEY else 400)
    caplog.set_level(logging.INFO)

    first = tracking.report_for("jne", JNE_AWB)
    other = tracking.report_for("jnt", JNT_AWB)

    assert first.failure == other.failure == tracking.REFUSED
    assert len(api.calls) == 1  # the second parcel was not asked after
    assert "BINDERBYTE_API_KEY" in first.failure_message_for_staff
    assert "refused" in caplog.text and API_KEY not in caplog.text


def test_check_number_is_the_cached_report_and_none_without_a_key(api, settings):
    binderbyte_api.answer(api, binderbyte_api.INVALID_AWB, status=404)

    assert tracking.check_number("jne", "SALAH123").failure == tracking.INVALID
    settings.BINDERBYTE_API_KEY = ""
    assert tracking.check_number("jne", "SALAH123") is None


def test_the_courier_is_the_one_cs_shipped_with():
    class Shipped:
        courier = "SiCepat"
        shipping_courier = "JNE"

    assert tracking.courier_of(Shipped) == "sicepat"
    Shipped.courier = "J&T Express"
    assert tracking.courier_of(Shipped) == "jnt"
    # Not the buyer's pick: a parcel CS sent another way is not that courier's to track.
    Shipped.courier = "Kurir Toko Sebelah"
    assert tracking.courier_of(Shipped) == ""
