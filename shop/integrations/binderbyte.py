"""BinderByte client: where a parcel is, by courier code and tracking number (shared/design/INTEGRATIONS.md).

HTTP only: it knows BinderByte's request and answer, not orders. Every field comes back as text,
as BinderByte sent it (dates too: their format varies by courier); what a status or a date means
is the shipping domain's business (shop.shipping.tracking).

The API key travels in the query string, so no URL of a request is ever put in a message, a log
line or a chained exception: requests' own errors quote the URL, key and all.

Errors, each a BinderbyteError:
- InvalidWaybill: BinderByte does not know this number for this courier (yet);
- BinderbyteRefused: the key was refused or its quota is used up; asking again soon will not help;
- BinderbyteUnavailable: no answer, a timeout, or a failure on BinderByte's side; later may help;
- BinderbyteError itself: an answer that cannot be read.
"""

from dataclasses import dataclass

import requests
from django.conf import settings

BASE_URL = "https://api.binderbyte.com/v1/"
TRACK_URL = BASE_URL + "track"

# The error bodies are undocumented (unverified): {"status": 404, "message": "Invalid awb or courier"}
# has been seen. So an error is told apart by the status (the body's, else HTTP's) and then by words.
REFUSED_WORDS = ("api key", "api_key", "apikey", "limit", "quota", "kuota", "unauthori", "forbidden")
INVALID_WORDS = ("awb", "resi", "courier", "kurir", "not found", "tidak ditemukan", "invalid")
MESSAGE_LIMIT = 200


class BinderbyteError(Exception):
    """BinderByte's answer could not be used. `status` is the answer's status, when there was an answer."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class InvalidWaybill(BinderbyteError):
    """BinderByte knows no parcel with this number for this courier: a typo, or not scanned yet."""


class BinderbyteRefused(BinderbyteError):
    """The key was refused or its quota is used up: nothing will be answered until the owner acts."""


class BinderbyteUnavailable(BinderbyteError):
    """BinderByte could not be reached, took too long, or failed on its side."""


@dataclass(frozen=True)
class Summary:
    awb: str
    courier: str
    service: str
    status: str
    date: str
    desc: str
    amount: str
    weight: str


@dataclass(frozen=True)
class Detail:
    origin: str
    destination: str
    shipper: str
    receiver: str


@dataclass(frozen=True)
class Checkpoint:
    date: str
    desc: str
    location: str


@dataclass(frozen=True)
class Tracking:
    summary: Summary
    detail: Detail
    history: tuple[Checkpoint, ...]  # as BinderByte lists them (newest first, it says)


def _text(value):
    """Any scalar as trimmed text: fields are often "", sometimes null, and `weight` sometimes a number."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _texts(cls, data):
    data = data if isinstance(data, dict) else {}
    return cls(**{name: _text(data.get(name)) for name in cls.__dataclass_fields__})


def _short(message):
    return _text(message)[:MESSAGE_LIMIT]


def parse_tracking(data):
    """The `data` of a successful answer, read leniently: a missing part is empty, not an error."""
    if not isinstance(data, dict):
        raise BinderbyteError("BinderByte's tracking has no data object")
    history = data.get("history")
    history = history if isinstance(history, list) else []
    checkpoints = tuple(
        _texts(Checkpoint, entry)
        for entry in history
        if isinstance(entry, dict) and (entry.get("desc") or entry.get("date"))
    )
    return Tracking(
        summary=_texts(Summary, data.get("summary")), detail=_texts(Detail, data.get("detail")), history=checkpoints
    )


def _error_for(status, message):
    words = message.lower()
    if status in (401, 402, 403, 429) or any(word in words for word in REFUSED_WORDS):
        return BinderbyteRefused(f"BinderByte refused the request ({status}): {message}", status=status)
    if status >= 500:
        return BinderbyteUnavailable(f"BinderByte failed on its side ({status}): {message}", status=status)
    if status in (400, 404, 422) and (status == 404 or any(word in words for word in INVALID_WORDS)):
        return InvalidWaybill(f"BinderByte does not know this tracking number ({status}): {message}", status=status)
    return BinderbyteError(f"BinderByte answered {status}: {message}", status=status)


class Client:
    def __init__(self, *, api_key, timeout=5):
        self.api_key = api_key
        self.timeout = timeout

    @classmethod
    def from_settings(cls):
        """The shop's client, or None without a key (the shop then shows the number and the courier's own page)."""
        if not settings.BINDERBYTE_API_KEY:
            return None
        return cls(api_key=settings.BINDERBYTE_API_KEY, timeout=settings.BINDERBYTE_TIMEOUT_SECONDS)

    def __repr__(self):
        return "<binderbyte.Client>"  # the key stays out of logs and tracebacks

    def track(self, courier, awb):
        """Where parcel `awb` of `courier` (a code such as "jne", "sicepat") is now."""
        courier, awb = (courier or "").strip().lower(), (awb or "").strip()
        if not courier or not awb:
            raise ValueError("a courier code and a tracking number are required")
        body = self._get(TRACK_URL, {"api_key": self.api_key, "courier": courier, "awb": awb})
        if "data" not in body:
            raise BinderbyteError("BinderByte answered 200 without 'data'", status=200)
        return parse_tracking(body["data"])

    def _get(self, url, params):
        try:
            response = requests.get(url, params=params, headers={"Accept": "application/json"}, timeout=self.timeout)
        except requests.Timeout:
            error = BinderbyteUnavailable(f"BinderByte did not answer within {self.timeout} s")
        except requests.RequestException as failure:
            # Only the exception's class: its text holds the URL, and the URL holds the key.
            error = BinderbyteUnavailable(f"BinderByte could not be reached ({type(failure).__name__})")
        else:
            return self._read(response)
        raise error  # outside the except block, so the request's own error (and URL) is not chained on

    def _read(self, response):
        http_status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if http_status >= 500 or http_status == 200:
                # A proxy's HTML page, or a 200 that is not the API's JSON: asking again later may help.
                raise BinderbyteUnavailable(f"BinderByte answered {http_status} without JSON", status=http_status)
            raise _error_for(http_status, "")
        # BinderByte writes its own status in the body: it decides, and HTTP's only when there is none.
        status = body.get("status")
        status = status if type(status) is int else (int(status) if str(status).isdigit() else http_status)
        if status == 200 and http_status < 400:
            return body
        raise _error_for(status if status >= 400 else http_status, _short(body.get("message")))
