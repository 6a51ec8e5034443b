"""The TriPay client against recorded answers: signatures, typed results, and errors the shop can tell apart."""

import json
from decimal import Decimal

import pytest
import requests
import responses

from shop.integrations import tripay
from tests.integrations import tripay_api
from tests.integrations.tripay_api import CREATE_URL, DETAIL_URL, MERCHANT_REF, PRIVATE_KEY, REFERENCE, callback_body

CREATED = tripay_api.created_answer(MERCHANT_REF, 150000)["data"]
create = tripay_api.create_transaction


@pytest.fixture(autouse=True)
def configured(settings):
    return tripay_api.configure(settings)


@pytest.fixture
def api():
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def client():
    return tripay.Client.from_settings()


def test_the_request_signature_gives_the_documented_test_vector():
    assert (
        tripay.request_signature("ytf6ooi2gmlNPfpchd94jDOk8hRWOu", "T0001", "INV55567", 1500000)
        == "9f167eba844d1fcb369404e2bda53702e2f78f7aa12e91da6715414e65b8c86a"
    )


@pytest.mark.parametrize("amount", [Decimal("1500000.00"), 1500000.0, "1500000", True])
def test_the_request_signature_takes_whole_rupiah_only(amount):
    """Anything but an int would sign a text TriPay cannot match to the amount it was sent."""
    with pytest.raises(TypeError):
        tripay.request_signature("key", "T0001", "INV55567", amount)


def test_the_callback_signature_is_the_hex_hmac_sha256_of_the_raw_body():
    # Computed apart from the client: printf '%s' BODY | openssl dgst -sha256 -hmac KEY
    assert (
        tripay.callback_signature("ytf6ooi2gmlNPfpchd94jDOk8hRWOu", b'{"reference":"T0001"}')
        == "e2479410a864566cbb90160958c378603d3f87b0f5aeae9c0d065486a4a2b823"
    )


def test_a_callback_is_valid_when_signed_with_our_private_key_and_we_have_one():
    body = callback_body(MERCHANT_REF, REFERENCE, 150000)
    signature = tripay_api.signed_headers(body)["X-Callback-Signature"]
    assert tripay.is_valid_callback(PRIVATE_KEY, body, signature)
    assert tripay.is_valid_callback(PRIVATE_KEY, body, f" {signature.upper()}\n")
    assert not tripay.is_valid_callback("", body, tripay.callback_signature("", body))
    assert not tripay.is_valid_callback(None, body, signature)


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "0" * 64,
        tripay.callback_signature("another-private-key", b"{}"),
        "tanda-tangan-palsu-é",  # non-ASCII must be a plain no, not compare_digest's TypeError
    ],
)
def test_a_callback_without_our_signature_is_not_valid(signature):
    assert not tripay.is_valid_callback(PRIVATE_KEY, callback_body(MERCHANT_REF, REFERENCE, 150000), signature)


def test_a_callback_is_judged_on_its_raw_bytes_not_on_the_json_they_hold():
    body = callback_body(MERCHANT_REF, REFERENCE, 150000)
    signature = tripay_api.signed_headers(body)["X-Callback-Signature"]
    reserialised = json.dumps(json.loads(body)).encode()  # the same data, spaced differently
    assert not tripay.is_valid_callback(PRIVATE_KEY, reserialised, signature)
    tampered = body.replace(b'"total_amount":150000', b'"total_amount":1500000')
    assert not tripay.is_valid_callback(PRIVATE_KEY, tampered, signature)


def test_from_settings_builds_a_sandbox_client_by_default(client):
    assert (client.merchant_code, client.api_key, client.private_key) == ("T14302", tripay_api.API_KEY, PRIVATE_KEY)
    assert client.sandbox and client.timeout == 10
    assert client.base_url == tripay.SANDBOX_URL == "https://tripay.co.id/api-sandbox/"
    # The keys stay out of logs.
    assert tripay_api.API_KEY not in repr(client) and PRIVATE_KEY not in repr(client)


@pytest.mark.parametrize("name", ["TRIPAY_MERCHANT_CODE", "TRIPAY_API_KEY", "TRIPAY_PRIVATE_KEY"])
def test_from_settings_is_none_without_any_one_key(settings, name):
    setattr(settings, name, "")
    assert tripay.Client.from_settings() is None


def test_in_production_mode_requests_go_to_the_production_host(api, settings):
    settings.TRIPAY_SANDBOX = False
    settings.TRIPAY_TIMEOUT_SECONDS = 4
    client = tripay.Client.from_settings()
    assert client.base_url == tripay.PRODUCTION_URL == "https://tripay.co.id/api/"
    api.add(
        responses.GET, "https://tripay.co.id/api/merchant/payment-channel", json=tripay_api.channels_answer("BRIVA")
    )
    assert [channel.code for channel in client.payment_channels()] == ["BRIVA"]
    assert api.calls[0].request.req_kwargs["timeout"] == 4


def test_every_request_carries_the_api_key_as_a_bearer_token(api, client):
    tripay_api.answer(api, tripay_api.CHANNELS_URL, tripay_api.channels_answer())
    tripay_api.answer(api, CREATE_URL, tripay_api.created_answer(MERCHANT_REF, 150000))
    tripay_api.answer(api, DETAIL_URL, tripay_api.detail_answer(REFERENCE, "UNPAID"))
    client.payment_channels()
    create(client)
    client.transaction_detail(REFERENCE)
    assert [call.request.headers["Authorization"] for call in api.calls] == [f"Bearer {tripay_api.API_KEY}"] * 3


def test_payment_channels_are_typed_with_their_fees(api, client):
    tripay_api.answer(api, tripay_api.CHANNELS_URL, tripay_api.channels_answer())
    channels = {channel.code: channel for channel in client.payment_channels()}
    assert list(channels) == ["BRIVA", "MANDIRIVA", "BCAVA", "QRIS", "ALFAMART", "INDOMARET"]
    assert channels["BRIVA"] == tripay.Channel(
        group="Virtual Account",
        code="BRIVA",
        name="BRI Virtual Account",
        type="direct",
        fee_merchant=tripay.Fee(flat=4250, percent=Decimal("0")),
        fee_customer=tripay.Fee(flat=0, percent=Decimal("0")),
        total_fee=tripay.Fee(flat=4250, percent=Decimal("0.00")),
        minimum_fee=None,
        maximum_fee=None,
        minimum_amount=10000,
        maximum_amount=10000000,
        icon_url="https://assets.tripay.co.id/upload/payment-icon/8WQ3APST5s.png",
        active=True,
    )
    assert {channels[code].group for code in ("QRIS", "ALFAMART")} == {"E-Wallet", "Convenience Store"}


def test_a_fee_percent_is_read_from_a_number_or_from_text(api, client):
    tripay_api.answer(api, tripay_api.CHANNELS_URL, tripay_api.channels_answer("QRIS", "BCAVA"))
    qris, bca = client.payment_channels()
    assert qris.fee_merchant == tripay.Fee(flat=750, percent=Decimal("0.7"))  # the JSON number 0.7
    assert qris.total_fee == tripay.Fee(flat=750, percent=Decimal("0.70"))  # the text "0.70"
    assert bca.fee_merchant.percent == 0 and isinstance(bca.fee_merchant.percent, Decimal)


def test_inactive_channels_are_kept_with_active_false(api, client):
    tripay_api.answer(api, tripay_api.CHANNELS_URL, tripay_api.channels_answer())
    active = {channel.code: channel.active for channel in client.payment_channels()}
    assert active["INDOMARET"] is False and active["ALFAMART"] is True


@pytest.mark.parametrize(
    "change",
    [
        lambda channel: channel.pop("code"),
        lambda channel: channel.update(fee_merchant=None),
        lambda channel: channel["total_fee"].update(percent="nol"),
        lambda channel: channel["total_fee"].update(percent="NaN"),
        lambda channel: channel.update(minimum_amount="10000"),
        lambda channel: channel.update(active="yes"),
    ],
)
def test_a_channel_that_cannot_be_read_is_an_error(api, client, change):
    body = tripay_api.channels_answer("BRIVA")
    change(body["data"][0])
    tripay_api.answer(api, tripay_api.CHANNELS_URL, body)
    with pytest.raises(tripay.TripayError) as raised:
        client.payment_channels()
    assert type(raised.value) is tripay.TripayError


def test_create_sends_a_signed_closed_payment_with_its_items(api, client):
    tripay_api.answer(api, CREATE_URL, tripay_api.created_answer(MERCHANT_REF, 150000))
    create(client)
    assert api.calls[0].request.method == "POST" and api.calls[0].request.url == CREATE_URL
    assert tripay_api.sent_json(api) == [
        {
            "method": "QRIS",
            "merchant_ref": MERCHANT_REF,
            "amount": 150000,
            "customer_name": "Budi Santoso",
            "customer_email": "budi@example.com",
            "customer_phone": "081234567890",
            "order_items": [
                {
                    "name": "Kopi Gayo Arabika 250 g",
                    "price": 85000,
                    "quantity": 1,
                    "sku": "KOPI-GAYO-250",
                    "product_url": "https://tokoku.example/produk/kopi-gayo-arabika-250-g/",
                    "image_url": "https://tokoku.example/media/images/kopi-gayo.2e16d0ba.fill-400x400.jpg",
                },
                {"name": "Keripik Tempe Pedas Malang", "price": 32500, "quantity": 2, "sku": "KRP-TMP-PDS"},
            ],
            "callback_url": tripay_api.CALLBACK_URL,
            "return_url": tripay_api.RETURN_URL,
            "expired_time": tripay_api.EXPIRED_TIME,
            "signature": tripay.request_signature(PRIVATE_KEY, tripay_api.MERCHANT_CODE, MERCHANT_REF, 150000),
        }
    ]


def test_create_leaves_out_an_empty_phone_number(api, client):
    tripay_api.answer(api, CREATE_URL, tripay_api.created_answer(MERCHANT_REF, 150000))
    create(client, customer_phone="")
    assert "customer_phone" not in tripay_api.sent_json(api)[0]


def test_a_qris_transaction_has_its_qr_string_and_instructions(api, client):
    tripay_api.answer(api, CREATE_URL, tripay_api.created_answer(MERCHANT_REF, 150000))
    transaction = create(client)
    assert transaction == tripay.Transaction(
        reference=REFERENCE,
        merchant_ref=MERCHANT_REF,
        payment_method="QRIS",
        payment_name="QRIS by ShopeePay",
        amount=150000,
        fee_merchant=1800,
        fee_customer=0,
        total_fee=1800,
        amount_received=148200,
        pay_code="",
        pay_url="",
        checkout_url=f"https://tripay.co.id/checkout/{REFERENCE}",
        status="UNPAID",
        expired_time=tripay_api.EXPIRED_TIME,
        qr_string=tripay_api.QR_STRING,
        qr_url=f"https://tripay.co.id/qr/{REFERENCE}",
        instructions=transaction.instructions,
        paid_at=None,
    )
    (instruction,) = transaction.instructions
    assert instruction.title == "Pembayaran via QRIS" and instruction.steps[1] == "Pindai/Scan QR Code yang tersedia"


def test_a_virtual_account_transaction_has_its_pay_code(api, client):
    tripay_api.answer(api, CREATE_URL, tripay_api.created_answer(MERCHANT_REF, 150000, method="BRIVA"))
    transaction = create(client, method="BRIVA")
    assert transaction.pay_code == "262154081234567890" and transaction.qr_string == ""
    assert [instruction.title for instruction in transaction.instructions] == ["Internet Banking", "ATM"]


def test_a_pay_code_sent_as_a_number_is_read_as_text(api, client):
    body = tripay_api.created_answer(MERCHANT_REF, 150000, method="ALFAMART")
    body["data"]["pay_code"] = 45649878666155
    tripay_api.answer(api, CREATE_URL, body)
    assert create(client, method="ALFAMART").pay_code == "45649878666155"


@pytest.mark.parametrize("status", [200, 401, 500])
def test_a_refusal_is_judged_by_success_whatever_the_http_status(api, client, status):
    tripay_api.answer(api, tripay_api.CHANNELS_URL, tripay_api.INVALID_API_KEY, status=status)
    with pytest.raises(tripay.TripayRefused) as raised:
        client.payment_channels()
    assert raised.value.message == "Invalid API Key" and raised.value.status == status
    assert "Invalid API Key" in str(raised.value)


def test_a_refused_transaction_says_why(api, client):
    tripay_api.answer(api, CREATE_URL, tripay_api.refused("Channel pembayaran tidak aktif"), status=400)
    with pytest.raises(tripay.TripayRefused, match="tidak aktif"):
        create(client, method="INDOMARET")


def test_an_answer_without_json_or_a_server_error_without_success_is_unavailable(api, client):
    tripay_api.answer_html(api, CREATE_URL, status=502)
    tripay_api.answer(api, DETAIL_URL, {"error": "Service Unavailable"}, status=503)
    with pytest.raises(tripay.TripayUnavailable, match="HTTP 502 without JSON") as raised:
        create(client)
    assert raised.value.status == 502
    with pytest.raises(tripay.TripayUnavailable, match="HTTP 503 without 'success'"):
        client.transaction_detail(REFERENCE)


@pytest.mark.parametrize(
    "error", [requests.ReadTimeout("read timed out"), requests.ConnectionError("Name or service not known")]
)
def test_an_unreachable_tripay_is_unavailable(api, client, error):
    api.add(responses.POST, CREATE_URL, body=error)
    with pytest.raises(tripay.TripayUnavailable, match="could not be reached") as raised:
        create(client)
    assert raised.value.__cause__ is error


@pytest.mark.parametrize(
    "body",
    [
        {"success": True, "message": "Success"},
        {"success": True, "message": "Success", "data": None},
        {"message": "Success", "data": {}},
        ["not", "an", "object"],
        {"success": True, "data": {"reference": REFERENCE}},
        {"success": True, "data": {**CREATED, "amount": "150000"}},
        {"success": True, "data": {**CREATED, "instructions": "-"}},
        {"success": True, "data": {**CREATED, "instructions": [{"title": "ATM", "steps": "Masukkan kartu"}]}},
    ],
)
def test_a_successful_answer_without_what_it_should_hold_is_an_error(api, client, body):
    tripay_api.answer(api, CREATE_URL, body)
    with pytest.raises(tripay.TripayError) as raised:
        create(client)
    assert type(raised.value) is tripay.TripayError


def test_detail_asks_by_a_reference_and_reads_paid_at_as_jakarta_time(api, client):
    tripay_api.answer(api, DETAIL_URL, tripay_api.detail_answer(REFERENCE, "PAID"))
    transaction = client.transaction_detail(REFERENCE)
    assert api.calls[0].request.url == f"{DETAIL_URL}?reference={REFERENCE}"
    assert transaction.status == tripay.PAID and transaction.reference == REFERENCE
    # "2026-12-02 17:21:09" in Asia/Jakarta (UTC+7) is 10:21:09 UTC.
    assert transaction.paid_at == tripay_api.PAID_AT == 1796206869
    with pytest.raises(ValueError):
        client.transaction_detail("")


@pytest.mark.parametrize(
    "paid_at, expected",
    [
        (1796206869, 1796206869),
        ("1796206869", 1796206869),
        ("2026-12-02T10:21:09+00:00", 1796206869),
        ("2 Desember 2026 17:21", None),
        ("", None),
        (None, None),
    ],
)
def test_detail_accepts_paid_at_as_an_int_or_a_string(api, client, paid_at, expected):
    tripay_api.answer(api, DETAIL_URL, tripay_api.detail_answer(REFERENCE, "PAID", paid_at=paid_at))
    assert client.transaction_detail(REFERENCE).paid_at == expected


def with_field(**fields):
    return callback_body(MERCHANT_REF, REFERENCE, 150000, changes=fields)


def test_a_callback_is_read_into_its_fields():
    assert tripay.parse_callback(callback_body(MERCHANT_REF, REFERENCE, 150000)) == tripay.Callback(
        reference=REFERENCE,
        merchant_ref=MERCHANT_REF,
        payment_method="QRIS by ShopeePay",
        payment_method_code="QRIS",
        total_amount=150000,
        fee_merchant=1800,
        fee_customer=0,
        total_fee=1800,
        amount_received=148200,
        is_closed_payment=True,
        status="PAID",
        paid_at=tripay_api.PAID_AT,
        note="",
    )
    # JSON has one number type: a whole float is still whole rupiah.
    assert tripay.parse_callback(with_field(total_amount=150000.0)).total_amount == 150000


def test_an_expired_callback_has_no_paid_at_and_keeps_its_note():
    callback = tripay.parse_callback(
        callback_body(MERCHANT_REF, REFERENCE, 150000, "EXPIRED", method="BRIVA", note="Transaksi kedaluwarsa")
    )
    assert (callback.status, callback.paid_at, callback.note) == ("EXPIRED", None, "Transaksi kedaluwarsa")
    assert callback.payment_method_code == "BRIVA" and callback.fee_merchant == 4250


@pytest.mark.parametrize("flag, expected", [(1, True), (0, False), (True, True), (False, False)])
def test_is_closed_payment_is_read_from_1_0_or_true_false(flag, expected):
    assert tripay.parse_callback(with_field(is_closed_payment=flag)).is_closed_payment is expected


@pytest.mark.parametrize(
    "raw_body",
    [
        b"reference=DEV-T14302284937ZQMWK&status=PAID",
        b'{"reference": "DEV-T1',
        b"\xff\xfe not utf-8",
        b'["DEV-T14302284937ZQMWK", "PAID"]',
        with_field(reference=...),
        with_field(total_amount=...),
        with_field(status=None),
        with_field(merchant_ref=12345),
        with_field(total_amount="150000"),
        with_field(total_amount=150000.5),
        with_field(amount_received=True),
        with_field(is_closed_payment="1"),
        with_field(is_closed_payment=2),
        with_field(paid_at=[2026, 12, 2]),
    ],
)
def test_a_malformed_callback_is_an_error(raw_body):
    with pytest.raises(tripay.TripayError):
        tripay.parse_callback(raw_body)
