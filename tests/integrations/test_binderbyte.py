"""The BinderByte client against recorded answers: typed results, lenient fields, errors the shop can tell apart,
and a key that never leaves the request."""

import logging
import traceback

import pytest
import responses

from shop.integrations import binderbyte
from tests.integrations import binderbyte_api
from tests.integrations.binderbyte_api import API_KEY, JNE_AWB, SICEPAT_AWB


@pytest.fixture(autouse=True)
def configured(settings):
    return binderbyte_api.configure(settings)


@pytest.fixture
def api():
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def client():
    return binderbyte.Client.from_settings()


def test_from_settings_reads_the_key_and_timeout(settings):
    settings.BINDERBYTE_TIMEOUT_SECONDS = 3
    client = binderbyte.Client.from_settings()
    assert (client.api_key, client.timeout) == (API_KEY, 3)
    assert API_KEY not in repr(client)


def test_from_settings_is_none_without_a_key(settings):
    settings.BINDERBYTE_API_KEY = ""
    assert binderbyte.Client.from_settings() is None


def test_track_asks_with_the_key_courier_and_number_in_the_query(api, client):
    binderbyte_api.answer(api, binderbyte_api.tracked())

    client.track("JNE", f" {JNE_AWB} ")

    assert binderbyte_api.asked(api) == [{"api_key": API_KEY, "courier": "jne", "awb": JNE_AWB}]
    assert api.calls[0].request.url.startswith("https://api.binderbyte.com/v1/track?")
    assert api.calls[0].request.req_kwargs["timeout"] == 5


def test_a_delivered_parcel_reads_into_typed_results(api, client):
    binderbyte_api.answer(api, binderbyte_api.tracked())

    tracking = client.track("jne", JNE_AWB)

    assert tracking.summary == binderbyte.Summary(
        awb=JNE_AWB,
        courier="JNE Express",
        service="REG",
        status="DELIVERED",
        date="2026-11-28 15:47:00",
        desc="DELIVERED TO [BUDI SANTOSO | 30-11-2026 14:05 | SLEMAN]",
        amount="18000",
        weight="1",
    )
    assert tracking.detail.receiver == "BUDI SANTOSO" and tracking.detail.destination == "SLEMAN"
    assert len(tracking.history) == 7
    assert tracking.history[0] == binderbyte.Checkpoint(
        date="2026-11-30 14:05", desc="DELIVERED TO [BUDI SANTOSO | 30-11-2026 14:05 | SLEMAN]", location="SLEMAN"
    )
    assert tracking.history[-1].desc == "MANIFESTED"


def test_empty_null_and_numeric_fields_read_as_text(api, client):
    binderbyte_api.answer(api, binderbyte_api.sparse())

    tracking = client.track("sicepat", SICEPAT_AWB)

    assert tracking.summary.weight == "2" and tracking.summary.service == "" and tracking.summary.date == ""
    assert tracking.detail == binderbyte.Detail(origin="", destination="", shipper="", receiver="")
    assert [point.date for point in tracking.history] == [
        "17 Mei 12:20 WIB",
        "16 Mei 2026 21:03 WITA",
        "",
        "kemarin sore",
    ]
    assert tracking.history[1].location == ""


@pytest.mark.parametrize(
    "data",
    [
        {"summary": None, "detail": "?", "history": None},
        {"summary": {"status": "ON PROCESS"}},  # no detail, no history
        {"summary": {"status": "ON PROCESS"}, "history": ["not a checkpoint", {"date": "", "desc": ""}, 7]},
    ],
)
def test_missing_or_odd_parts_are_empty_not_errors(api, client, data):
    binderbyte_api.answer(api, {"status": 200, "message": "Successfully tracked package", "data": data})

    tracking = client.track("jne", JNE_AWB)

    assert tracking.history == () and tracking.detail.receiver == ""


@pytest.mark.parametrize(
    "body, http_status",
    [
        (binderbyte_api.INVALID_AWB, 404),  # as seen
        (binderbyte_api.INVALID_AWB, 200),  # the body's status decides
        ({"status": 400, "message": "Invalid awb or courier"}, 400),
        ({"message": "Not Found"}, 404),
    ],
)
def test_an_unknown_number_is_an_invalid_waybill(api, client, body, http_status):
    binderbyte_api.answer(api, body, status=http_status)

    with pytest.raises(binderbyte.InvalidWaybill):
        client.track("jne", "SALAHKETIK")


@pytest.mark.parametrize(
    "body, http_status",
    [
        (binderbyte_api.INVALID_KEY, 401),
        (binderbyte_api.INVALID_KEY, 200),
        (binderbyte_api.LIMIT_REACHED, 400),
        ({"status": 429, "message": "Too many requests"}, 429),
        (None, 403),  # no JSON at all
    ],
)
def test_a_refused_key_or_a_used_up_quota_is_refused(api, client, body, http_status):
    if body is None:
        api.add(responses.GET, binderbyte_api.TRACK_URL, body="Forbidden", status=http_status)
    else:
        binderbyte_api.answer(api, body, status=http_status)

    with pytest.raises(binderbyte.BinderbyteRefused):
        client.track("jne", JNE_AWB)


@pytest.mark.parametrize(
    "make_answer",
    [
        binderbyte_api.answer_timeout,
        binderbyte_api.answer_connection_refused,
        lambda api: binderbyte_api.answer_html(api, 502),
        lambda api: binderbyte_api.answer_html(api, 200),
        lambda api: binderbyte_api.answer(api, {"status": 500, "message": "Internal Server Error"}, status=500),
    ],
    ids=["timeout", "refused-connection", "html-502", "html-200", "500"],
)
def test_no_usable_answer_is_unavailable(api, client, make_answer):
    make_answer(api)

    with pytest.raises(binderbyte.BinderbyteUnavailable):
        client.track("jne", JNE_AWB)


@pytest.mark.parametrize(
    "body",
    [
        {"status": 200, "message": "Successfully tracked package"},
        {"status": 200, "message": "Successfully tracked package", "data": None},
        {"status": 200, "message": "ok", "data": ["summary"]},
        {"status": 302, "message": "Moved"},
    ],
)
def test_an_answer_that_cannot_be_read_is_an_error(api, client, body):
    binderbyte_api.answer(api, body)

    with pytest.raises(binderbyte.BinderbyteError) as raised:
        client.track("jne", JNE_AWB)
    assert type(raised.value) is binderbyte.BinderbyteError


@pytest.mark.parametrize(
    "make_answer",
    [
        binderbyte_api.answer_connection_refused,
        binderbyte_api.answer_timeout,
        lambda api: binderbyte_api.answer(api, binderbyte_api.INVALID_KEY, status=401),
        lambda api: binderbyte_api.answer(api, binderbyte_api.INVALID_AWB, status=404),
    ],
)
def test_the_key_never_appears_in_an_error_its_traceback_or_the_log(api, client, make_answer, caplog):
    make_answer(api)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(binderbyte.BinderbyteError) as raised:
        client.track("jne", JNE_AWB)

    error = raised.value
    # Nothing chained on: requests' own errors quote the URL, and the URL holds the key.
    assert error.__cause__ is None and error.__context__ is None
    printed = "".join(traceback.format_exception(error))
    assert API_KEY not in printed and API_KEY not in repr(error)
    assert API_KEY not in caplog.text


def test_a_request_needs_a_courier_and_a_number(client):
    with pytest.raises(ValueError):
        client.track("", JNE_AWB)
    with pytest.raises(ValueError):
        client.track("jne", "  ")
