"""BinderByte's answers, shaped as documented (shared/design/INTEGRATIONS.md), for `responses` to replay.

    configure(settings)
    answer(api, tracked(JNE_AWB, status="DELIVERED"))
    answer(api, INVALID_AWB, status=404)

Answers are JSON bodies (dicts) as BinderByte words them: the body's `status` is its own verdict,
fields are often "", `weight` is sometimes a number, dates come as each courier writes them.
Error bodies are undocumented; INVALID_AWB is the one seen, the others follow its shape (unverified).
"""

import copy

import requests
import responses

from shop.integrations import binderbyte

API_KEY = "3f9c2b7d4e8a61f05c2d9b7e4a1f8c6d0b3e5a7c9d2f4b6e8a0c1d3e5f7a9b2c"
TRACK_URL = binderbyte.TRACK_URL

JNE_AWB = "CGK0112752100245"
SICEPAT_AWB = "004212345678"
JNT_AWB = "JP5307412596"

# A JNE parcel from Jakarta to Sleman, newest first, dated the way JNE's are.
JNE_HISTORY = [
    {
        "date": "2026-11-30 14:05",
        "desc": "DELIVERED TO [BUDI SANTOSO | 30-11-2026 14:05 | SLEMAN]",
        "location": "SLEMAN",
    },
    {"date": "2026-11-30 08:12", "desc": "WITH DELIVERY COURIER [SLEMAN]", "location": "SLEMAN"},
    {"date": "2026-11-29 21:40", "desc": "RECEIVED AT INBOUND STATION [YOGYAKARTA]", "location": "YOGYAKARTA"},
    {"date": "2026-11-28 23:58", "desc": "SHIPMENT FORWARDED TO DESTINATION [JAKARTA , HUB CKG]", "location": ""},
    {"date": "2026-11-28 19:30", "desc": "RECEIVED AT SORTING CENTER [JAKARTA]", "location": "JAKARTA"},
    {
        "date": "2026-11-28 16:02",
        "desc": "SHIPMENT RECEIVED BY JNE COUNTER OFFICER AT [JAKARTA]",
        "location": "JAKARTA",
    },
    {"date": "2026-11-28 15:47", "desc": "MANIFESTED", "location": "JAKARTA"},
]


def configure(settings, *, key=API_KEY):
    """The shop's BinderByte settings with this test key, and the tracking intervals at their defaults."""
    settings.BINDERBYTE_API_KEY = key
    settings.BINDERBYTE_TIMEOUT_SECONDS = 5
    settings.TRACKING_CACHE_MINUTES = 60
    settings.TRACKING_REFRESH_MINUTES = 10
    settings.TRACKING_CHECK_HOURS = 6
    settings.TRACKING_ORDERS_PER_RUN = 30
    settings.AUTO_COMPLETE_DAYS = 7
    return settings


def client(**overrides):
    return binderbyte.Client(**{"api_key": API_KEY, "timeout": 5} | overrides)


def tracked(awb=JNE_AWB, courier="jne", status="DELIVERED", *, history=None, receiver="BUDI SANTOSO", **summary):
    """GET v1/track for a parcel BinderByte knows. `history` defaults to JNE_HISTORY (cut to what `status` allows)."""
    if history is None:
        history = JNE_HISTORY if status == "DELIVERED" else JNE_HISTORY[1:]
    latest = history[0] if history else {"date": "", "desc": ""}
    return {
        "status": 200,
        "message": "Successfully tracked package",
        "data": {
            "summary": {
                "awb": awb,
                "courier": {"jne": "JNE Express", "sicepat": "SiCepat", "jnt": "J&T Express"}.get(courier, courier),
                "service": "REG",
                "status": status,
                "date": "2026-11-28 15:47:00",
                "desc": latest["desc"],
                "amount": "18000",
                "weight": "1",
                **summary,
            },
            "detail": {
                "origin": "JAKARTA",
                "destination": "SLEMAN",
                "shipper": "TOKOKU",
                "receiver": receiver,
            },
            "history": copy.deepcopy(history),
        },
    }


def sparse(awb=SICEPAT_AWB):
    """A SiCepat answer as it comes on a bad day: empty fields, a number for the weight, null detail parts,
    dates without a year and with Indonesian month names, one line with no date at all."""
    return {
        "status": 200,
        "message": "Successfully tracked package",
        "data": {
            "summary": {
                "awb": awb,
                "courier": "SiCepat",
                "service": "",
                "status": "ON PROCESS",
                "date": "",
                "desc": "",
                "amount": "",
                "weight": 2,
            },
            "detail": {"origin": "", "destination": None, "shipper": "", "receiver": ""},
            "history": [
                {"date": "17 Mei 12:20 WIB", "desc": "Paket keluar dari gudang transit SLEMAN", "location": ""},
                {"date": "16 Mei 2026 21:03 WITA", "desc": "Paket telah diterima di gudang sortir", "location": None},
                {"date": "", "desc": "Paket telah di input (manifested) di Jakarta", "location": "JAKARTA"},
                {"date": "kemarin sore", "desc": "Kurir menjemput paket", "location": ""},
            ],
        },
    }


def problem(status, awb=JNT_AWB, desc="Paket dinyatakan hilang dalam perjalanan"):
    """A J&T parcel the courier reports in trouble: HILANG, RETURN, ..."""
    history = [{"date": "2026-11-30 10:00", "desc": desc, "location": "SEMARANG"}, *JNE_HISTORY[3:]]
    return tracked(awb, "jnt", status, history=history, receiver="")


# The error seen from BinderByte (with HTTP 404); the others take its shape (unverified).
INVALID_AWB = {"status": 404, "message": "Invalid awb or courier"}
INVALID_KEY = {"status": 401, "message": "Invalid API Key"}
LIMIT_REACHED = {"status": 400, "message": "Limit request API Key telah habis"}
# A proxy in front of api.binderbyte.com that failed: HTML, not the API's JSON.
BAD_GATEWAY_HTML = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"


def answer(mock, *bodies, status=200):
    """Have `mock` (a responses.RequestsMock) answer the next track requests with `bodies`, in turn."""
    for body in bodies:
        mock.add(responses.GET, TRACK_URL, json=body, status=status)


def answer_html(mock, status=502):
    mock.add(responses.GET, TRACK_URL, body=BAD_GATEWAY_HTML, status=status, content_type="text/html")


def answer_timeout(mock):
    mock.add(responses.GET, TRACK_URL, body=requests.ReadTimeout("Read timed out. (read timeout=5)"))


def answer_connection_refused(mock):
    """requests' own error, whose text quotes the URL and so the key: the client must not pass it on."""
    error = requests.ConnectionError(
        f"HTTPSConnectionPool(host='api.binderbyte.com', port=443): Max retries exceeded with url: "
        f"/v1/track?api_key={API_KEY}&courier=jne&awb={JNE_AWB} (Caused by NewConnectionError('refused'))"
    )
    mock.add(responses.GET, TRACK_URL, body=error)


def asked(mock):
    """The query of each track request sent, as dicts (the key included)."""
    return [dict(call.request.params) for call in mock.calls]
