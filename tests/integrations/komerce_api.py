"""Komerce's answers, shaped as documented (shared/design/INTEGRATIONS.md), for `responses` to replay.

The places are the demo shop's: it sends from Ngaglik, Kabupaten Sleman (district 34.04.12), and the
buyer of the examples lives in Sekayu, Semarang Tengah, Kota Semarang (village 33.74.01.1007).
Komerce writes names in capitals and cities without "Kabupaten"/"Kota", as in its documented
example "SINDUHARJO, NGAGLIK, SLEMAN, DI YOGYAKARTA, 55581"; the ids other than 31555 are made up.

    configure(settings)
    answer(api, SEARCH_URL, search_answer(SEKAYU))
    answer(api, COST_URL, cost_answer(*COSTS))
    sent_form(api.calls[-1])  # {"origin": "31553", "destination": "17489", "weight": "1000", ...}
"""

import copy
from urllib.parse import parse_qsl, urlsplit

import responses

from shop.integrations import komerce

API_KEY = "kmc-7Qe2Lr9Wt4Xa1Zp6Nd3Hs8Vb5Jf0Ug"

SEARCH_URL = komerce.BASE_URL + komerce.SEARCH_PATH
COST_URL = komerce.BASE_URL + komerce.COST_PATH
METHODS = {SEARCH_URL: responses.GET, COST_URL: responses.POST}

ORIGIN_DISTRICT = "34.04.12"  # Ngaglik, Kabupaten Sleman
SEKAYU_CODE = "33.74.01.1007"  # Sekayu, Semarang Tengah, Kota Semarang, 50132
SARIHARJO_CODE = "34.04.12.2001"  # Sariharjo, Ngaglik, Kabupaten Sleman, 55581


def place(id, village, district, city, province, zip_code):
    """One row of the destination search."""
    return {
        "id": id,
        "label": f"{village}, {district}, {city}, {province}, {zip_code}",
        "province_name": province,
        "city_name": city,
        "district_name": district,
        "subdistrict_name": village,
        "zip_code": zip_code,
    }


# Searching "Ngaglik" (the origin): a village of that name in another district comes first, to be passed over.
NGAGLIK_IN_BLITAR = place(66903, "NGAGLIK", "SRENGAT", "BLITAR", "JAWA TIMUR", "66152")
SARIHARJO = place(31553, "SARIHARJO", "NGAGLIK", "SLEMAN", "DI YOGYAKARTA", "55581")
SINDUHARJO = place(31555, "SINDUHARJO", "NGAGLIK", "SLEMAN", "DI YOGYAKARTA", "55581")
MINOMARTANI = place(31554, "MINOMARTANI", "NGAGLIK", "SLEMAN", "DI YOGYAKARTA", "55581")
ORIGIN_ID = 31553

SEKAYU = place(17489, "SEKAYU", "SEMARANG TENGAH", "SEMARANG", "JAWA TENGAH", "50132")
# Its neighbour in the same district, with another postal code.
MIROTO = place(17486, "MIROTO", "SEMARANG TENGAH", "SEMARANG", "JAWA TENGAH", "50134")
# A namesake elsewhere: same village name, another district.
SEKAYU_IN_PALEMBANG = place(2761, "SEKAYU", "MUSI BANYUASIN", "MUSI BANYUASIN", "SUMATERA SELATAN", "30711")
SEKAYU_ID = 17489

COURIER_NAMES = {
    "jne": "Jalur Nugraha Ekakurir (JNE)",
    "sicepat": "SiCepat Express",
    "jnt": "J&T Express",
    "pos": "POS Indonesia (POS)",
    "anteraja": "AnterAja",
    "ncs": "Nusantara Card Semesta",
}


def cost(code, service, amount, etd="", description=""):
    """One row of a cost answer; `etd` as Komerce writes it ("1-2 day", or "")."""
    return {
        "name": COURIER_NAMES[code],
        "code": code,
        "service": service,
        "description": description or service,
        "cost": amount,
        "etd": etd,
    }


# Sleman to Semarang, 1 kg, for the shop's couriers (jne:sicepat:jnt:pos:anteraja), in Komerce's order.
COSTS = (
    cost("jne", "REG", 18000, "1-2 day", "Layanan Reguler"),
    cost("jne", "YES", 28000, "1 day", "Yakin Esok Sampai"),
    cost("sicepat", "REG", 16000, "1-2 day", "Reguler"),
    cost("sicepat", "BEST", 24000, "1 day", "Besok Sampai Tujuan"),
    cost("jnt", "EZ", 17000, "2-3 day", "Regular"),
    cost("pos", "Pos Reguler", 15000, "", "Pos Reguler"),
)


def _meta(code, message, status):
    return {"message": message, "code": code, "status": status}


def search_answer(*rows):
    """GET destination/domestic-destination that found `rows`."""
    return {"meta": _meta(200, "Success Get Domestic Destinations", "success"), "data": copy.deepcopy(list(rows))}


def cost_answer(*rows):
    """POST calculate/domestic-cost: `rows` (COSTS when none is given)."""
    rows = rows or COSTS
    return {
        "meta": _meta(200, "Success Calculate Domestic Shipping cost", "success"),
        "data": copy.deepcopy(list(rows)),
    }


# Errors share the success shape, with data null.
NOT_FOUND = {"meta": _meta(404, "Data not found", "error"), "data": None}
INVALID_KEY = {"meta": _meta(401, "Invalid Api key, key not found", "error"), "data": None}
# The wording of a 422 is not documented (unverified); its shape is.
MISSING_PARAMETER = {"meta": _meta(422, "The destination field is required.", "error"), "data": None}
SERVER_ERROR = {"meta": _meta(500, "Internal Server Error", "error"), "data": None}
# A proxy in front of Komerce that failed: HTML, not the API's JSON.
BAD_GATEWAY_HTML = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"


def configure(settings):
    """The shop's Komerce settings, with this module's key."""
    settings.KOMERCE_API_KEY = API_KEY
    settings.KOMERCE_TIMEOUT_SECONDS = 5
    return settings


def client(**overrides):
    return komerce.Client(**{"api_key": API_KEY, "timeout": 5} | overrides)


def answer(mock, url, *bodies, status=200):
    """Have `mock` (a responses.RequestsMock) answer the next requests to `url` with `bodies`, in turn."""
    for body in bodies:
        mock.add(METHODS[url], url, json=body, status=status)


def answer_raw(mock, url, body, status=200, content_type="text/html"):
    """An answer that is not the API's JSON: a proxy's page, a body cut short."""
    mock.add(METHODS[url], url, body=body, status=status, content_type=content_type)


def fail(mock, url, error):
    """The request to `url` raises `error` (a requests exception: a timeout, a refused connection)."""
    mock.add(METHODS[url], url, body=error)


def sent_form(call):
    """The form a cost request sent, as a dict of strings."""
    return dict(parse_qsl(call.request.body))


def searched(mock):
    """The `search` texts of the destination searches made, in order."""
    return [
        dict(parse_qsl(urlsplit(call.request.url).query))["search"]
        for call in mock.calls
        if call.request.url.startswith(SEARCH_URL)
    ]


def cost_calls(mock):
    return [call for call in mock.calls if call.request.url == COST_URL]
