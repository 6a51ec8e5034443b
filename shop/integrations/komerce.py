"""Komerce client: RajaOngkir's successor for destination ids and courier costs (see shared/design/INTEGRATIONS.md).

HTTP only: it knows Komerce's requests and answers, not the shop's regions, rates or rules.
KomerceRefused means Komerce said no (a bad key, a request it cannot take), KomerceUnavailable that
asking again later may help, KomerceError an answer it cannot read; what each means for a buyer's
shipping options is the shipping domain's business (shop.shipping.live).
"""

from dataclasses import dataclass

import requests
from django.conf import settings

BASE_URL = "https://rajaongkir.komerce.id/api/v1/"
SEARCH_PATH = "destination/domestic-destination"
COST_PATH = "calculate/domestic-cost"

# Komerce puts its own status in `meta.code`; "not found" is one of them, not a failure.
NOT_FOUND = 404


class KomerceError(Exception):
    """Komerce's answer could not be used. `status` is the HTTP status, when there was an answer."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class KomerceRefused(KomerceError):
    """Komerce answered with an error of its own (401 a bad key, 422 a missing parameter); `message` is its reason."""

    def __init__(self, message, status=None):
        super().__init__(f"Komerce refused the request (code {status}): {message}", status=status)
        self.message = message


class KomerceUnavailable(KomerceError):
    """Komerce could not be reached, was too slow, or failed on its side; the same request may succeed later."""


@dataclass(frozen=True)
class Destination:
    """One row of the destination search: a village (Komerce's "subdistrict") with Komerce's id for it."""

    id: int
    label: str  # "SINDUHARJO, NGAGLIK, SLEMAN, DI YOGYAKARTA, 55581"
    province_name: str
    city_name: str
    district_name: str
    subdistrict_name: str
    zip_code: str


@dataclass(frozen=True)
class Cost:
    """One courier service's price for the parcel, as Komerce quotes it."""

    name: str  # "Jalur Nugraha Ekakurir (JNE)"
    code: str  # "jne"
    service: str  # "REG"
    description: str
    cost: int  # whole rupiah
    etd: str  # "1-2 day", or "" when the courier gives none


def _wrong(where, name, value, expected):
    return KomerceError(f"Komerce {where}: {name!r} should be {expected}, not {value!r}")


def _object(value, where):
    if not isinstance(value, dict):
        raise KomerceError(f"Komerce {where} should be an object, not {type(value).__name__}")
    return value


def _text(data, name, where):
    # Komerce leaves some fields null or out (etd, zip_code, description): "" then.
    value = data.get(name)
    if value is None:
        return ""
    # Ids and postal codes are sometimes numbers in RajaOngkir's answers (unverified for Komerce).
    if type(value) is int:
        return str(value)
    if not isinstance(value, str):
        raise _wrong(where, name, value, "text")
    return value.strip()


def _whole_number(data, name, where):
    value = data.get(name)
    if type(value) is int:
        return value
    # JSON has one number type: 18000.0 is still whole rupiah; a numeric string is read too.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise _wrong(where, name, value, "a whole number")


def _destination(data):
    data = _object(data, "destination")
    where = f"destination {data.get('id')!r}"
    # The shop keeps the id in a 32-bit positive column: anything else is not an id it can use.
    id = _whole_number(data, "id", where)
    if not 0 < id < 2**31:
        raise _wrong(where, "id", id, "a positive id")
    return Destination(
        id=id,
        label=_text(data, "label", where),
        province_name=_text(data, "province_name", where),
        city_name=_text(data, "city_name", where),
        district_name=_text(data, "district_name", where),
        subdistrict_name=_text(data, "subdistrict_name", where),
        zip_code=_text(data, "zip_code", where),
    )


def _cost(data):
    data = _object(data, "cost")
    where = f"cost {data.get('code')!r} {data.get('service')!r}"
    return Cost(
        name=_text(data, "name", where),
        code=_text(data, "code", where).lower(),
        service=_text(data, "service", where),
        description=_text(data, "description", where),
        cost=_whole_number(data, "cost", where),
        etd=_text(data, "etd", where),
    )


class Client:
    """The shop's Komerce account. `timeout` bounds each request, so a silent Komerce cannot hold a checkout."""

    def __init__(self, *, api_key, timeout=5, base_url=BASE_URL):
        self.api_key = api_key
        self.timeout = timeout
        self.base_url = base_url

    @classmethod
    def from_settings(cls):
        """The shop's client, or None when KOMERCE_API_KEY is not set (the shop then uses its flat rates)."""
        if not settings.KOMERCE_API_KEY:
            return None
        return cls(api_key=settings.KOMERCE_API_KEY, timeout=settings.KOMERCE_TIMEOUT_SECONDS)

    def __repr__(self):
        # The key stays out of logs and tracebacks.
        return f"<komerce.Client {self.base_url}>"

    def _request(self, method, path, *, params=None, form=None):
        """`data` of a successful answer; None when Komerce says it found nothing (meta code 404)."""
        headers = {"key": self.api_key, "Accept": "application/json"}
        try:
            response = requests.request(
                method, self.base_url + path, params=params, data=form, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as error:  # timeouts included
            raise KomerceUnavailable(f"Komerce could not be reached: {error}") from error
        status = response.status_code
        try:
            body = response.json()
        except (ValueError, RecursionError):  # JSON nested past Python's stack is a RecursionError
            # A proxy's HTML page, or a body cut short.
            error_class = KomerceUnavailable if status >= 500 else KomerceError
            raise error_class(f"Komerce answered HTTP {status} without JSON", status=status) from None
        meta = body.get("meta") if isinstance(body, dict) else None
        if not isinstance(meta, dict):
            error_class = KomerceUnavailable if status >= 500 else KomerceError
            raise error_class(f"Komerce answered HTTP {status} without 'meta'", status=status)
        # The meta code decides; whether Komerce also sets the HTTP status to it is unverified, so
        # an answer whose codes disagree is judged by the worse of the two.
        code = meta.get("code") if type(meta.get("code")) is int else status
        code = max(code, status)
        if code == NOT_FOUND and body.get("data") is None:
            return None
        if code >= 500 or code == 429:
            raise KomerceUnavailable(f"Komerce failed on its side (code {code})", status=code)
        if code >= 400 or meta.get("status") == "error":
            message = meta.get("message")
            raise KomerceRefused(message if isinstance(message, str) else "", status=code)
        return body.get("data")

    def search_destinations(self, search, *, limit=50, offset=0):
        """Villages whose names or postal code match `search`, in Komerce's order; [] when none does."""
        if not search or not search.strip():
            raise ValueError("a search text is required")
        params = {"search": search.strip(), "limit": limit, "offset": offset}
        data = self._request("GET", SEARCH_PATH, params=params)
        if data is None:
            return []
        if not isinstance(data, list):
            raise KomerceError("Komerce's destinations should be a list")
        return [_destination(row) for row in data]

    def domestic_cost(self, *, origin, destination, weight_grams, couriers):
        """Every service of `couriers` (codes) from `origin` to `destination` (Komerce ids) for a parcel of `weight_grams`."""
        if isinstance(weight_grams, bool) or not isinstance(weight_grams, int) or weight_grams < 1:
            raise ValueError(f"weight_grams must be a positive whole number, not {weight_grams!r}")
        couriers = ":".join(couriers)
        if not couriers:
            raise ValueError("at least one courier code is required")
        form = {"origin": origin, "destination": destination, "weight": weight_grams, "courier": couriers}
        data = self._request("POST", COST_PATH, form=form)
        if data is None:
            return []
        if not isinstance(data, list):
            raise KomerceError("Komerce's costs should be a list")
        return [_cost(row) for row in data]
