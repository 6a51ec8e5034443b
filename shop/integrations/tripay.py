"""TriPay client: bank virtual accounts, minimarkets and QRIS (see shared/design/INTEGRATIONS.md).

HTTP only: it knows TriPay's requests, answers and signatures, not orders. TripayRefused means
TriPay said no, TripayUnavailable that asking again later may help, TripayError an answer it cannot
read; what each means for an order is the payments domain's business.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import requests
from django.conf import settings

SANDBOX_URL = "https://tripay.co.id/api-sandbox/"
PRODUCTION_URL = "https://tripay.co.id/api/"

# Transaction and callback statuses named by the docs.
UNPAID, PAID, FAILED, EXPIRED, REFUND = "UNPAID", "PAID", "FAILED", "EXPIRED", "REFUND"

# TriPay is an Indonesian service: a date it writes without an offset is Western Indonesian Time.
JAKARTA = ZoneInfo("Asia/Jakarta")


class TripayError(Exception):
    """TriPay's answer could not be used. `status` is the HTTP status, when there was an answer."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class TripayRefused(TripayError):
    """TriPay answered `success: false`; `message` is TriPay's own reason (e.g. "Invalid API Key")."""

    def __init__(self, message, status=None):
        super().__init__(f"TriPay refused the request (HTTP {status}): {message}", status=status)
        self.message = message


class TripayUnavailable(TripayError):
    """TriPay could not be reached or failed on its side; the same request may succeed later."""


@dataclass(frozen=True)
class Fee:
    flat: int
    percent: Decimal


@dataclass(frozen=True)
class Channel:
    group: str
    code: str
    name: str
    type: str
    fee_merchant: Fee
    fee_customer: Fee
    total_fee: Fee
    minimum_fee: int | None
    maximum_fee: int | None
    minimum_amount: int | None
    maximum_amount: int | None
    icon_url: str
    active: bool


@dataclass(frozen=True)
class Instruction:
    title: str
    steps: tuple[str, ...]


@dataclass(frozen=True)
class Transaction:
    reference: str
    merchant_ref: str
    payment_method: str
    payment_name: str
    amount: int
    fee_merchant: int
    fee_customer: int
    total_fee: int
    amount_received: int
    pay_code: str
    pay_url: str
    checkout_url: str
    status: str
    expired_time: int | None
    qr_string: str
    qr_url: str
    instructions: tuple[Instruction, ...]
    paid_at: int | None


@dataclass(frozen=True)
class OrderItem:
    name: str
    price: int
    quantity: int
    sku: str = ""
    product_url: str = ""
    image_url: str = ""


@dataclass(frozen=True)
class Callback:
    reference: str
    merchant_ref: str
    payment_method: str
    payment_method_code: str
    total_amount: int
    fee_merchant: int
    fee_customer: int
    total_fee: int
    amount_received: int
    is_closed_payment: bool
    status: str
    paid_at: int | None
    note: str


def request_signature(private_key, merchant_code, merchant_ref, amount):
    """The `signature` of a closed payment: HMAC-SHA256 of merchant code, merchant ref and amount."""
    # str(Decimal("150000.00")) would sign "150000.00", which TriPay cannot match to amount 150000.
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"amount must be whole rupiah (int), not {type(amount).__name__}")
    return hmac.new(private_key.encode(), f"{merchant_code}{merchant_ref}{amount}".encode(), hashlib.sha256).hexdigest()


def callback_signature(private_key, raw_body):
    """What X-Callback-Signature must be for `raw_body`, the bytes exactly as received."""
    return hmac.new(private_key.encode(), raw_body, hashlib.sha256).hexdigest()


def is_valid_callback(private_key, raw_body, signature_header):
    """Whether the callback was signed with our private key. Never give it re-serialised JSON."""
    if not private_key or not signature_header:
        return False
    expected = callback_signature(private_key, raw_body).encode()
    # As bytes: compare_digest refuses str with non-ASCII characters, and the header is the sender's.
    # Hex case carries no secret, so an upper-case signature is accepted too.
    return hmac.compare_digest(expected, signature_header.strip().lower().encode())


def _wrong(where, name, value, expected):
    return TripayError(f"TriPay {where}: {name!r} should be {expected}, not {value!r}")


def _field(data, name, where):
    if name not in data:
        raise TripayError(f"TriPay {where} has no {name!r}")
    return data[name]


def _object(value, where):
    if not isinstance(value, dict):
        raise TripayError(f"TriPay {where} should be an object, not {type(value).__name__}")
    return value


def _text(data, name, where):
    value = _field(data, name, where)
    if not isinstance(value, str):
        raise _wrong(where, name, value, "text")
    return value


def _optional_text(data, name, where):
    """Text that is null for some channels (pay_url, qr_string…): "" then, and when left out."""
    value = data.get(name)
    # TriPay's own examples show a pay code as a JSON number (unverified for which channels).
    if value is None or type(value) is int:
        return "" if value is None else str(value)
    if not isinstance(value, str):
        raise _wrong(where, name, value, "text")
    return value


def _amount(data, name, where):
    value = _field(data, name, where)
    if type(value) is int:
        return value
    # JSON has one number type: 150000.0 is still whole rupiah, 1500.5 is not.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _wrong(where, name, value, "a whole number")


def _optional_amount(data, name, where):
    return None if data.get(name) is None else _amount(data, name, where)


def _flag(data, name, where):
    value = _field(data, name, where)
    # PHP services send booleans as true/false or as 1/0.
    if isinstance(value, bool):
        return value
    if type(value) is int and value in (0, 1):
        return value == 1
    raise _wrong(where, name, value, "1/0 or true/false")


def _timestamp(data, name, where):
    """A unix time from an int (callbacks) or a string (the docs' example of transaction detail)."""
    value = data.get(name)
    if not isinstance(value, str):
        return _optional_amount(data, name, where)
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        # The string's format is unverified. A time only informs (the status says whether the
        # order is paid), so a format we cannot read must not turn a payment into an error.
        return None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=JAKARTA)).timestamp())


def _fee(data, name, where):
    fee = _field(data, name, where)
    if not isinstance(fee, dict):
        raise _wrong(where, name, fee, "an object")
    where = f"{where} {name}"
    percent = _field(fee, "percent", where)
    try:
        # Through str, so that a JSON 0.7 becomes Decimal("0.7"), not the float's binary expansion.
        number = Decimal(str(percent).strip() if type(percent) in (str, int, float) else "NaN")
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise _wrong(where, "percent", percent, "a number")
    return Fee(flat=_amount(fee, "flat", where), percent=number)


def _instructions(data, name, where):
    instructions = data.get(name) or []
    if not isinstance(instructions, list):
        raise _wrong(where, name, instructions, "a list")
    where = f"{where} instruction"
    parsed = []
    for instruction in instructions:
        steps = _field(_object(instruction, where), "steps", where)
        if not isinstance(steps, list) or not all(isinstance(step, str) for step in steps):
            raise _wrong(where, "steps", steps, "a list of text")
        parsed.append(Instruction(title=_text(instruction, "title", where), steps=tuple(steps)))
    return tuple(parsed)


# How a field of each type is read, unless _read is given another reader for it.
READERS = {str: _text, int: _amount, int | None: _optional_amount, bool: _flag, Fee: _fee}


def _read(cls, data, where, **readers):
    return cls(**{f.name: (readers.get(f.name) or READERS[f.type])(data, f.name, where) for f in fields(cls)})


def _channel(data):
    data = _object(data, "payment channel")
    return _read(Channel, data, f"payment channel {data.get('code')!r}", icon_url=_optional_text)


def _transaction(data):
    data = _object(data, "transaction")
    return _read(
        Transaction,
        data,
        f"transaction {data.get('reference')!r}",
        **dict.fromkeys(("pay_code", "pay_url", "qr_string", "qr_url"), _optional_text),
        expired_time=_timestamp,
        paid_at=_timestamp,
        instructions=_instructions,
    )


def parse_callback(raw_body):
    """The callback TriPay POSTed, read from its raw body (check is_valid_callback first)."""
    try:
        data = json.loads(raw_body)
    except (ValueError, RecursionError) as error:  # nesting deeper than Python's stack is a RecursionError
        raise TripayError(f"TriPay callback is not JSON: {error!r}"[:300]) from None
    return _read(Callback, _object(data, "callback"), "callback", paid_at=_timestamp, note=_optional_text)


class Client:
    """One merchant's credentials for one of TriPay's two hosts (each has its own keys)."""

    def __init__(self, *, merchant_code, api_key, private_key, sandbox=True, timeout=10):
        self.merchant_code = merchant_code
        self.api_key = api_key
        self.private_key = private_key
        self.sandbox = sandbox
        self.timeout = timeout

    @classmethod
    def from_settings(cls):
        """The shop's client, or None when TriPay is not configured (the shop then offers bank transfer only)."""
        keys = {
            "merchant_code": settings.TRIPAY_MERCHANT_CODE,
            "api_key": settings.TRIPAY_API_KEY,
            "private_key": settings.TRIPAY_PRIVATE_KEY,
        }
        if not all(keys.values()):
            return None
        return cls(**keys, sandbox=bool(settings.TRIPAY_SANDBOX), timeout=settings.TRIPAY_TIMEOUT_SECONDS)

    def __repr__(self):
        # The keys stay out of logs and tracebacks.
        return f"<tripay.Client {self.merchant_code} {'sandbox' if self.sandbox else 'production'}>"

    @property
    def base_url(self):
        return SANDBOX_URL if self.sandbox else PRODUCTION_URL

    def _request(self, method, path, *, params=None, payload=None):
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"}
        try:
            response = requests.request(
                method, self.base_url + path, params=params, json=payload, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as error:
            raise TripayUnavailable(f"TriPay could not be reached: {error}") from error
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            raise TripayUnavailable(f"TriPay answered HTTP {status} without JSON", status=status) from None
        # TriPay's HTTP status codes are undocumented (unverified): `success` decides, and the status
        # only what an answer without it means.
        success = body.get("success") if isinstance(body, dict) else None
        if success is False:
            message = body.get("message")
            raise TripayRefused(message if isinstance(message, str) else "", status=status)
        if success is not True:
            error_class = TripayUnavailable if status >= 500 else TripayError
            raise error_class(f"TriPay answered HTTP {status} without 'success'", status=status)
        if "data" not in body:
            raise TripayError(f"TriPay answered HTTP {status} without 'data'", status=status)
        return body["data"]

    def payment_channels(self):
        """Every channel of the merchant in TriPay's order; inactive ones too, with `active` False."""
        data = self._request("GET", "merchant/payment-channel")
        if not isinstance(data, list):
            raise TripayError("TriPay's payment channels should be a list")
        return [_channel(channel) for channel in data]

    def create_transaction(
        self,
        *,
        method,
        merchant_ref,
        amount,
        customer_name,
        customer_email,
        customer_phone,
        order_items,
        callback_url,
        return_url,
        expired_time,
    ):
        """A closed payment of `amount` by channel `method`; `expired_time` is a unix time."""
        items = []
        for item in order_items:
            line = {"name": item.name, "price": item.price, "quantity": item.quantity}
            line.update({key: value for key in ("sku", "product_url", "image_url") if (value := getattr(item, key))})
            items.append(line)
        payload = {
            "method": method,
            "merchant_ref": merchant_ref,
            "amount": amount,
            "customer_name": customer_name,
            "customer_email": customer_email,
            "order_items": items,
            "callback_url": callback_url,
            "return_url": return_url,
            "expired_time": int(expired_time),
            "signature": request_signature(self.private_key, self.merchant_code, merchant_ref, amount),
        }
        # Only some channels require a phone number; how the others judge an empty one is
        # unverified, so it is left out rather than sent blank.
        if customer_phone:
            payload["customer_phone"] = customer_phone
        return _transaction(self._request("POST", "transaction/create", payload=payload))

    def transaction_detail(self, reference):
        """The transaction as TriPay knows it now, by TriPay's reference (not our merchant_ref)."""
        if not reference:
            raise ValueError("a TriPay reference is required")
        return _transaction(self._request("GET", "transaction/detail", params={"reference": reference}))
