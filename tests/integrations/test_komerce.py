"""The Komerce client against recorded answers: typed destinations and costs, and errors the shop can tell apart."""

import pytest
import requests
import responses

from shop.integrations import komerce
from tests.integrations import komerce_api
from tests.integrations.komerce_api import COST_URL, SEARCH_URL, answer, sent_form


@pytest.fixture
def api():
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def client():
    return komerce_api.client()


def cost(client, **changes):
    arguments = {"origin": 31553, "destination": 17489, "weight_grams": 1000, "couriers": ["jne", "sicepat", "jnt"]}
    return client.domestic_cost(**arguments | changes)


# --- Configuration ----------------------------------------------------------------------------


def test_from_settings_is_none_without_a_key(settings):
    settings.KOMERCE_API_KEY = ""
    assert komerce.Client.from_settings() is None


def test_from_settings_takes_the_key_and_the_timeout(settings):
    komerce_api.configure(settings)
    settings.KOMERCE_TIMEOUT_SECONDS = 3
    client = komerce.Client.from_settings()
    assert (client.api_key, client.timeout) == (komerce_api.API_KEY, 3)
    assert client.base_url == "https://rajaongkir.komerce.id/api/v1/"
    # The key stays out of logs.
    assert komerce_api.API_KEY not in repr(client)


def test_every_request_carries_the_key_header_and_the_timeout(api, client):
    answer(api, SEARCH_URL, komerce_api.search_answer(komerce_api.SEKAYU))
    answer(api, COST_URL, komerce_api.cost_answer())
    client.search_destinations("50132")
    cost(client)
    assert [call.request.headers["key"] for call in api.calls] == [komerce_api.API_KEY] * 2
    assert [call.request.req_kwargs["timeout"] for call in api.calls] == [5, 5]


# --- Destination search -------------------------------------------------------------------------


def test_a_search_sends_search_limit_and_offset_and_types_the_rows(api, client):
    answer(api, SEARCH_URL, komerce_api.search_answer(komerce_api.SARIHARJO, komerce_api.SINDUHARJO))

    found = client.search_destinations(" Ngaglik ", limit=20, offset=40)

    assert api.calls[0].request.params == {"search": "Ngaglik", "limit": "20", "offset": "40"}
    assert found[1] == komerce.Destination(
        id=31555,
        label="SINDUHARJO, NGAGLIK, SLEMAN, DI YOGYAKARTA, 55581",
        province_name="DI YOGYAKARTA",
        city_name="SLEMAN",
        district_name="NGAGLIK",
        subdistrict_name="SINDUHARJO",
        zip_code="55581",
    )
    assert [row.id for row in found] == [31553, 31555]


@pytest.mark.parametrize("status", [404, 200])
def test_a_search_that_finds_nothing_is_an_empty_list_not_an_error(api, client, status):
    """Komerce says "not found" with meta code 404 and data null; whether the HTTP status is 404 too is unverified."""
    answer(api, SEARCH_URL, komerce_api.NOT_FOUND, status=status)
    assert client.search_destinations("Atlantis") == []


def test_a_postal_code_given_as_a_number_is_read_as_text(api, client):
    row = komerce_api.SEKAYU | {"zip_code": 50132}
    answer(api, SEARCH_URL, komerce_api.search_answer(row))
    assert client.search_destinations("Sekayu")[0].zip_code == "50132"


def test_a_search_needs_a_text(client):
    with pytest.raises(ValueError):
        client.search_destinations("  ")


# --- Costs --------------------------------------------------------------------------------------


def test_a_cost_request_is_form_encoded_with_the_couriers_joined_by_colons(api, client):
    answer(api, COST_URL, komerce_api.cost_answer())

    cost(client)

    request = api.calls[0].request
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent_form(api.calls[0]) == {
        "origin": "31553",
        "destination": "17489",
        "weight": "1000",
        "courier": "jne:sicepat:jnt",
    }


def test_costs_of_several_couriers_are_typed(api, client):
    answer(api, COST_URL, komerce_api.cost_answer())

    costs = cost(client)

    assert costs[0] == komerce.Cost(
        name="Jalur Nugraha Ekakurir (JNE)",
        code="jne",
        service="REG",
        description="Layanan Reguler",
        cost=18000,
        etd="1-2 day",
    )
    assert [(c.code, c.service, c.cost, c.etd) for c in costs[1:]] == [
        ("jne", "YES", 28000, "1 day"),
        ("sicepat", "REG", 16000, "1-2 day"),
        ("sicepat", "BEST", 24000, "1 day"),
        ("jnt", "EZ", 17000, "2-3 day"),
        ("pos", "Pos Reguler", 15000, ""),
    ]


def test_a_cost_as_a_json_float_or_an_etd_left_null_is_still_read(api, client):
    answer(api, COST_URL, komerce_api.cost_answer(komerce_api.cost("jne", "REG", 18000.0) | {"etd": None}))
    assert [(c.cost, c.etd) for c in cost(client)] == [(18000, "")]


def test_no_service_to_the_destination_is_an_empty_list(api, client):
    answer(api, COST_URL, komerce_api.NOT_FOUND, status=404)
    assert cost(client) == []


@pytest.mark.parametrize(
    "changes", [{"weight_grams": 0}, {"weight_grams": 1.5}, {"weight_grams": True}, {"couriers": []}]
)
def test_a_cost_request_needs_a_positive_weight_in_grams_and_a_courier(client, changes):
    with pytest.raises(ValueError):
        cost(client, **changes)


# --- Errors -------------------------------------------------------------------------------------


def test_a_bad_key_is_refused_with_komerce_s_message(api, client):
    answer(api, COST_URL, komerce_api.INVALID_KEY, status=401)
    with pytest.raises(komerce.KomerceRefused) as refused:
        cost(client)
    assert refused.value.status == 401 and refused.value.message == "Invalid Api key, key not found"


def test_a_missing_parameter_is_refused(api, client):
    answer(api, COST_URL, komerce_api.MISSING_PARAMETER, status=422)
    with pytest.raises(komerce.KomerceRefused) as refused:
        cost(client)
    assert refused.value.status == 422 and "destination" in refused.value.message


@pytest.mark.parametrize(
    "error", [requests.ReadTimeout("read timed out"), requests.ConnectTimeout(), requests.ConnectionError()]
)
def test_a_silent_or_unreachable_komerce_is_unavailable(api, client, error):
    komerce_api.fail(api, COST_URL, error)
    with pytest.raises(komerce.KomerceUnavailable):
        cost(client)


@pytest.mark.parametrize("status", [500, 200])
def test_an_error_body_from_komerce_s_side_is_unavailable_whatever_the_http_status(api, client, status):
    answer(api, COST_URL, komerce_api.SERVER_ERROR, status=status)
    with pytest.raises(komerce.KomerceUnavailable) as unavailable:
        cost(client)
    assert unavailable.value.status == 500


def test_a_proxy_s_html_page_is_unavailable(api, client):
    komerce_api.answer_raw(api, SEARCH_URL, komerce_api.BAD_GATEWAY_HTML, status=502)
    with pytest.raises(komerce.KomerceUnavailable):
        client.search_destinations("50132")


def test_too_many_requests_is_unavailable(api, client):
    answer(api, SEARCH_URL, {"meta": {"message": "Too Many Requests", "code": 429, "status": "error"}}, status=429)
    with pytest.raises(komerce.KomerceUnavailable):
        client.search_destinations("50132")


@pytest.mark.parametrize(
    "body",
    ['{"meta": {"code": 200, "status": "success"}, "data": [', "", '["not", "the", "shape"]'],
    ids=["cut-short", "empty", "no-meta"],
)
def test_malformed_json_is_an_error_not_an_answer(api, client, body):
    komerce_api.answer_raw(api, COST_URL, body, content_type="application/json")
    with pytest.raises(komerce.KomerceError) as error:
        cost(client)
    assert not isinstance(error.value, komerce.KomerceUnavailable | komerce.KomerceRefused)


@pytest.mark.parametrize(
    "row",
    [
        komerce_api.cost("jne", "REG", "gratis"),
        komerce_api.cost("jne", "REG", None),
        komerce_api.cost("jne", "REG", 18000.5),
        komerce_api.cost("jne", "REG", 18000) | {"service": ["REG"]},
        "JNE REG 18000",
    ],
    ids=["text-cost", "null-cost", "fraction", "service-list", "row-not-object"],
)
def test_a_cost_row_of_the_wrong_shape_is_an_error(api, client, row):
    answer(api, COST_URL, komerce_api.cost_answer(row))
    with pytest.raises(komerce.KomerceError):
        cost(client)


@pytest.mark.parametrize("id", [0, -5, 2**31, "31555x", None])
def test_a_destination_id_the_shop_cannot_keep_is_an_error(api, client, id):
    answer(api, SEARCH_URL, komerce_api.search_answer(komerce_api.SEKAYU | {"id": id}))
    with pytest.raises(komerce.KomerceError):
        client.search_destinations("50132")


def test_json_nested_past_python_s_stack_is_an_error(api, client):
    komerce_api.answer_raw(api, COST_URL, "[" * 100_000 + "]" * 100_000, content_type="application/json")
    with pytest.raises(komerce.KomerceError):
        cost(client)


def test_data_that_is_not_a_list_is_an_error(api, client):
    answer(api, SEARCH_URL, {"meta": {"code": 200, "status": "success", "message": ""}, "data": {"id": 1}})
    with pytest.raises(komerce.KomerceError):
        client.search_destinations("50132")
