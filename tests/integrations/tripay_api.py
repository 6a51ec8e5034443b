"""TriPay's answers, shaped as documented (shared/design/INTEGRATIONS.md), for `responses` to replay,
and the callbacks TriPay POSTs to the shop. Answers are JSON bodies (dicts); callbacks are raw bytes,
because their signature is over the bytes exactly as sent.

    configure(settings)
    answer(api, CREATE_URL, created_answer("TK-20261202-0001", 150000, method="BRIVA"))
    body = callback_body("TK-20261202-0001", REFERENCE, 150000)
    client.post(url, body, content_type="application/json", headers=signed_headers(body))
"""

import copy
import json
import math
from decimal import Decimal

import responses

from shop.integrations import tripay

MERCHANT_CODE = "T14302"
API_KEY = "DEV-Zp6cJ3nVt8QmR2wLx9KsB4yHf7aE1uGd5oNiT0rW"
PRIVATE_KEY = "Wq7Rn-Lk3Xe-Pd9Ya-Mv2Ct-Hs6Bf"

CHANNELS_URL = tripay.SANDBOX_URL + "merchant/payment-channel"
CREATE_URL = tripay.SANDBOX_URL + "transaction/create"
DETAIL_URL = tripay.SANDBOX_URL + "transaction/detail"
METHODS = {CHANNELS_URL: responses.GET, CREATE_URL: responses.POST, DETAIL_URL: responses.GET}

MERCHANT_REF = "TK-20261202-0001"
REFERENCE = "DEV-T14302284937ZQMWK"
AMOUNT = 150000
CALLBACK_URL = "https://tokoku.example/pembayaran/tripay/callback/"
RETURN_URL = "https://tokoku.example/akun/pesanan/TK-20261202-0001/"
CUSTOMER = {"customer_name": "Budi Santoso", "customer_email": "budi@example.com", "customer_phone": "081234567890"}
CREATED_TIME = 1796205900  # 2026-12-02 17:05:00 WIB
EXPIRED_TIME = 1796292300  # 24 hours later
PAID_AT = 1796206869  # 2026-12-02 17:21:09 WIB, as callbacks send it
PAID_AT_TEXT = "2026-12-02 17:21:09"  # the same moment, as the docs' example of detail writes it

ITEMS = (
    tripay.OrderItem(
        name="Kopi Gayo Arabika 250 g",
        price=85000,
        quantity=1,
        sku="KOPI-GAYO-250",
        product_url="https://tokoku.example/produk/kopi-gayo-arabika-250-g/",
        image_url="https://tokoku.example/media/images/kopi-gayo.2e16d0ba.fill-400x400.jpg",
    ),
    tripay.OrderItem(name="Keripik Tempe Pedas Malang", price=32500, quantity=2, sku="KRP-TMP-PDS"),
)


def _channel(group, code, name, merchant_fee, total_percent, minimum_amount, maximum_amount, icon, active=True):
    flat, percent = merchant_fee
    return {
        "group": group,
        "code": code,
        "name": name,
        "type": "direct",
        "fee_merchant": {"flat": flat, "percent": percent},
        "fee_customer": {"flat": 0, "percent": 0},
        "total_fee": {"flat": flat, "percent": total_percent},
        "minimum_fee": None,
        "maximum_fee": None,
        "minimum_amount": minimum_amount,
        "maximum_amount": maximum_amount,
        "icon_url": f"https://assets.tripay.co.id/upload/payment-icon/{icon}.png",
        "active": active,
    }


# As TriPay lists them: percent is sometimes a number, sometimes text; Indomaret is not activated yet.
CHANNELS = {
    channel["code"]: channel
    for channel in (
        _channel("Virtual Account", "BRIVA", "BRI Virtual Account", (4250, 0), "0.00", 10000, 10000000, "8WQ3APST5s"),
        _channel("Virtual Account", "MANDIRIVA", "Mandiri Virtual Account", (4250, 0), "0.00", 10000, 10000000, "T9Z0"),
        _channel("Virtual Account", "BCAVA", "BCA Virtual Account", (5500, "0.00"), "0.00", 10000, 10000000, "ytBK"),
        _channel("E-Wallet", "QRIS", "QRIS by ShopeePay", (750, 0.7), "0.70", 1000, 5000000, "BpE4BPVyIw"),
        _channel("Convenience Store", "ALFAMART", "Alfamart", (3500, 0), "0.00", 10000, 2500000, "jiGZMKp2RD"),
        _channel("Convenience Store", "INDOMARET", "Indomaret", (3500, 0), "0.00", 10000, 2500000, "zNzuO5AuLw", False),
    )
}
PAY_CODES = {
    "BRIVA": "262154081234567890",
    "MANDIRIVA": "8930281234567890",
    "BCAVA": "1223628123456789",
    "ALFAMART": "TRPY2284937ZQMWK",
    "INDOMARET": "TRPY2284937ZQMWK",
}
QR_STRING = (
    "00020101021226610016ID.CO.SHOPEE.WWW01189360091800216005230208216005230303UME51440014ID.CO.QRIS.WWW"
    "0215ID10200211817450303UME5204581253033605406150000.005802ID5911TOKOKU DEMO6007JAKARTA61051034062"
    "2605242DEV-T14302284937ZQMWK6304B2C1"
)
# The one error the docs show; TriPay's other messages are not documented.
INVALID_API_KEY = {"success": False, "message": "Invalid API Key"}
# A proxy in front of tripay.co.id that failed: HTML, not the API's JSON.
BAD_GATEWAY_HTML = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"


def configure(settings):
    """The shop's TriPay settings, pointed at the sandbox with these test keys."""
    settings.TRIPAY_MERCHANT_CODE = MERCHANT_CODE
    settings.TRIPAY_API_KEY = API_KEY
    settings.TRIPAY_PRIVATE_KEY = PRIVATE_KEY
    settings.TRIPAY_SANDBOX = True
    settings.TRIPAY_TIMEOUT_SECONDS = 10
    return settings


def client(**overrides):
    return tripay.Client(**{"merchant_code": MERCHANT_CODE, "api_key": API_KEY, "private_key": PRIVATE_KEY} | overrides)


def channels_answer(*codes):
    """GET merchant/payment-channel: the channels named (all six when none is), in that order."""
    return {"success": True, "message": "Success", "data": [copy.deepcopy(CHANNELS[c]) for c in codes or CHANNELS]}


def refused(message):
    """A refusal with `message`, as TriPay words its errors."""
    return {"success": False, "message": message}


def fees(method, amount):
    """(fee_merchant, fee_customer, total_fee, amount_received): the merchant pays the channel's fee."""
    fee = CHANNELS[method]["fee_merchant"]
    merchant = fee["flat"] + math.ceil(amount * Decimal(str(fee["percent"])) / 100)
    return merchant, 0, merchant, amount - merchant


def _instructions(method, pay_code):
    if method == "QRIS":
        return [
            {
                "title": "Pembayaran via QRIS",
                "steps": [
                    "Masuk ke aplikasi dompet digital Anda yang telah mendukung QRIS",
                    "Pindai/Scan QR Code yang tersedia",
                    "Akan muncul detail transaksi. Pastikan data transaksi sudah sesuai",
                    "Selesaikan proses pembayaran Anda",
                    "Transaksi selesai. Simpan bukti pembayaran Anda",
                ],
            }
        ]
    name = CHANNELS[method]["name"]
    if CHANNELS[method]["group"] == "Convenience Store":
        return [
            {
                "title": f"Pembayaran via {name}",
                "steps": [
                    f"Datang ke gerai {name} terdekat",
                    f"Sampaikan ke kasir ingin melakukan pembayaran TriPay dengan kode <b>{pay_code}</b>",
                    "Kasir akan menginformasikan total tagihan, lalu lakukan pembayaran",
                    "Simpan struk sebagai bukti pembayaran yang sah",
                ],
            }
        ]
    return [
        {
            "title": "Internet Banking",
            "steps": [
                "Login ke internet banking Anda",
                "Pilih menu <b>Pembayaran</b> lalu <b>Virtual Account</b>",
                f"Masukkan Nomor VA <b>{pay_code}</b>",
                "Pastikan detail pembayaran sudah sesuai, lalu masukkan PIN atau token",
                "Transaksi selesai, simpan bukti pembayaran Anda",
            ],
        },
        {
            "title": "ATM",
            "steps": [
                "Masukkan kartu ATM dan PIN Anda",
                "Pilih menu <b>Transaksi Lain</b> > <b>Pembayaran</b> > <b>Virtual Account</b>",
                f"Masukkan Nomor VA <b>{pay_code}</b>",
                "Ikuti petunjuk di layar hingga transaksi selesai",
            ],
        },
    ]


def created_answer(merchant_ref, amount, method="QRIS", *, reference=REFERENCE, items=None, expired_time=EXPIRED_TIME):
    """POST transaction/create for a closed payment, still UNPAID. `items` default to ITEMS when they add up
    to `amount`, else to one line of `amount`."""
    if items is None:
        items = (
            ITEMS
            if sum(i.price * i.quantity for i in ITEMS) == amount
            else (tripay.OrderItem(merchant_ref, amount, 1),)
        )
    fee_merchant, fee_customer, total_fee, amount_received = fees(method, amount)
    pay_code = PAY_CODES.get(method)
    data = {
        "reference": reference,
        "merchant_ref": merchant_ref,
        "payment_selection_type": "static",
        "payment_method": method,
        "payment_name": CHANNELS[method]["name"],
        **CUSTOMER,
        "callback_url": CALLBACK_URL,
        "return_url": RETURN_URL,
        "amount": amount,
        "fee_merchant": fee_merchant,
        "fee_customer": fee_customer,
        "total_fee": total_fee,
        "amount_received": amount_received,
        "pay_code": pay_code,
        "pay_url": None,
        "checkout_url": f"https://tripay.co.id/checkout/{reference}",
        "status": "UNPAID",
        "expired_time": expired_time,
        "order_items": [
            {
                "sku": item.sku or None,
                "name": item.name,
                "price": item.price,
                "quantity": item.quantity,
                "subtotal": item.price * item.quantity,
                "product_url": item.product_url or None,
                "image_url": item.image_url or None,
            }
            for item in items
        ],
        "instructions": _instructions(method, pay_code),
        "qr_string": QR_STRING if method == "QRIS" else None,
        "qr_url": f"https://tripay.co.id/qr/{reference}" if method == "QRIS" else None,
    }
    return {"success": True, "message": "", "data": data}


_DEFAULT = object()


def detail_answer(reference, status, *, merchant_ref=MERCHANT_REF, amount=AMOUNT, method="QRIS", paid_at=_DEFAULT):
    """GET transaction/detail: the created transaction as it stands now. `paid_at` defaults to PAID_AT_TEXT
    (a string, as in the docs' example) when PAID, else null."""
    body = created_answer(merchant_ref, amount, method, reference=reference)
    body["data"]["status"] = status
    body["data"]["paid_at"] = (PAID_AT_TEXT if status == tripay.PAID else None) if paid_at is _DEFAULT else paid_at
    return body


def callback_body(
    merchant_ref, reference, amount, status="PAID", *, method="QRIS", paid_at=_DEFAULT, note=None, changes=None
):
    """The raw body of TriPay's callback, compact as PHP's json_encode writes it. `paid_at` defaults to
    PAID_AT (an int, as callbacks send it) when PAID, else null. `changes` (a dict) replaces fields, or
    leaves out those it gives as ..., to make a malformed callback."""
    fee_merchant, fee_customer, total_fee, amount_received = fees(method, amount)
    body = {
        "reference": reference,
        "merchant_ref": merchant_ref,
        "payment_method": CHANNELS[method]["name"],
        "payment_method_code": method,
        "total_amount": amount,
        "fee_merchant": fee_merchant,
        "fee_customer": fee_customer,
        "total_fee": total_fee,
        "amount_received": amount_received,
        "is_closed_payment": 1,
        "status": status,
        "paid_at": (PAID_AT if status == tripay.PAID else None) if paid_at is _DEFAULT else paid_at,
        "note": note,
    }
    body = {name: value for name, value in (body | (changes or {})).items() if value is not ...}
    return json.dumps(body, separators=(",", ":")).encode()


def signed_headers(body, private_key=PRIVATE_KEY):
    """The headers TriPay sends with `body` (Django's test client takes them as `headers=`)."""
    return {"X-Callback-Event": "payment_status", "X-Callback-Signature": tripay.callback_signature(private_key, body)}


def create_transaction(client, method="QRIS", amount=AMOUNT, *, items=ITEMS, **changes):
    """client.create_transaction() with this module's order, customer and URLs; `changes` replace arguments."""
    arguments = {
        "method": method,
        "merchant_ref": MERCHANT_REF,
        "amount": amount,
        **CUSTOMER,
        "order_items": items,
        "callback_url": CALLBACK_URL,
        "return_url": RETURN_URL,
        "expired_time": EXPIRED_TIME,
    }
    return client.create_transaction(**arguments | changes)


def answer(mock, url, *bodies, status=200):
    """Have `mock` (a responses.RequestsMock) answer the next requests to `url` with `bodies`, in turn."""
    for body in bodies:
        mock.add(METHODS[url], url, json=body, status=status)


def answer_html(mock, url, status=502):
    mock.add(METHODS[url], url, body=BAD_GATEWAY_HTML, status=status, content_type="text/html")


def sent_json(mock):
    return [json.loads(call.request.body) for call in mock.calls if call.request.body]
