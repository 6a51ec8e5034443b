"""TriPay's payment callback through the real endpoint (issue 12, items 5 and 6).

Callbacks shaped and signed as TriPay's (tests/integrations/tripay_api.py), posted with Django's test
client; orders placed through the real TriPay client against recorded answers. The helpers at the
top are shared with test_tripay_races.py and test_tripay_reconcile.py.
"""

import json

import pytest
import responses
from django.test import Client
from django.urls import reverse

from shop.models import GatewayCallback, Notification, Order, OrderEvent, PaymentProof, Product, StockMovement
from shop.payments.gateways import tripay, tripay_callbacks
from shop.services.orders import cancel_order, ship_order, submit_payment_proof
from tests import factories
from tests.helpers import assert_ledger_balances, stock_of, transitions
from tests.integrations import tripay_api
from tests.integrations.tripay_api import CHANNELS_URL, CREATE_URL, callback_body, signed_headers

pytestmark = pytest.mark.django_db

URL = reverse("shop:tripay_callback")
Status = Order.Status
Outcome = GatewayCallback.Outcome
ORDER_FIELDS = ("status", "paid_at", "cancelled_at", "cancel_reason", "needs_attention", "attention_note", "updated_at")


# --- Shared with the other TriPay test modules ---------------------------------------------------


def reference_for(number):
    """TriPay's reference for the order numbered `number`: one per order, shaped like TriPay's."""
    return f"DEV-{tripay_api.MERCHANT_CODE}{number.replace('-', '')[2:]}"


def _created(request):
    # Answers transaction/create for whatever order the shop sends, so merchant_ref, amount and
    # method in the answer are that order's own, as TriPay's would be.
    sent = json.loads(request.body)
    answer = tripay_api.created_answer(
        sent["merchant_ref"], sent["amount"], sent["method"], reference=reference_for(sent["merchant_ref"])
    )
    return 200, {}, json.dumps(answer)


@pytest.fixture
def gateway(settings):
    """TriPay configured with the test keys, its channels listed, and transaction/create answered
    for every order placed; the mock stays on for the test, so a stray request fails it."""
    tripay_api.configure(settings)
    settings.WAGTAILADMIN_BASE_URL = "https://tokoku.example"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        tripay_api.answer(mock, CHANNELS_URL, tripay_api.channels_answer())
        tripay.refresh_channels()
        mock.add_callback(responses.POST, CREATE_URL, callback=_created, content_type="application/json")
        yield mock


def place(buyer, *lines, channel="QRIS"):
    """A TriPay order placed as checkout places it (needs the `gateway` fixture)."""
    return factories.order(buyer, *lines, payment_method="tripay", payment_channel=channel)


def body_for(order, status="PAID", **changes):
    """The raw body TriPay would send about `order`; `changes` replace or (with ...) drop fields."""
    return callback_body(order.number, order.payment_reference, order.total, status, changes=changes or None)


def post(client, body, headers=None):
    """POST `body` to the callback as TriPay does; `headers` default to TriPay's, signed with our key."""
    return client.post(
        URL, body, content_type="application/json", headers=signed_headers(body) if headers is None else headers
    )


def books(order):
    """Everything a callback could change: the order, stock, ledger, history, proofs and the outbox."""
    return {
        "order": Order.objects.filter(pk=order.pk).values(*ORDER_FIELDS).get(),
        "stock": dict(Product.objects.values_list("pk", "stock")),
        "movements": list(StockMovement.objects.order_by("pk").values_list("pk", flat=True)),
        "events": list(OrderEvent.objects.order_by("pk").values_list("pk", flat=True)),
        "proofs": list(PaymentProof.objects.order_by("pk").values_list("pk", "status")),
        "outbox": list(Notification.objects.order_by("pk").values_list("pk", flat=True)),
    }


def owed(order, kind):
    return Notification.objects.filter(order=order, kind=kind).count()


def sales(order):
    return StockMovement.objects.filter(order=order, reason=StockMovement.Reason.SALE).count()


@pytest.fixture
def paying(gateway, buyer, product):
    """The buyer's QRIS order of 2 `product` (stock 10), waiting for TriPay."""
    return place(buyer, (product, 2))


def latest_callback():
    return GatewayCallback.objects.order_by("-pk").first()


# --- PAID ------------------------------------------------------------------------------------------


def test_paid_confirms_the_order_as_the_system_and_takes_stock_once(client, paying, product):
    body = body_for(paying)
    response = post(client, body)

    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json() == {"success": True}
    paying.refresh_from_db()
    assert paying.status == Status.PROCESSED and paying.paid_at is not None and not paying.needs_attention
    assert stock_of(product) == 8 and sales(paying) == 1
    assert transitions(paying)[-1] == (Status.PENDING_PAYMENT, Status.PROCESSED)
    event = OrderEvent.objects.filter(order=paying).last()
    assert event.actor is None and paying.payment_reference in event.note
    assert owed(paying, Notification.Kind.PAID) == 1
    kept = GatewayCallback.objects.get()
    assert (kept.outcome, kept.signature_valid, kept.status) == (Outcome.PAID, True, "PAID")
    assert kept.event == "payment_status"
    assert (kept.order, kept.merchant_ref, kept.reference) == (paying, paying.number, paying.payment_reference)
    assert kept.body == body.decode() and kept.source == "callback"
    assert_ledger_balances()


def test_a_replayed_paid_callback_changes_nothing_and_is_answered_success(client, paying, product):
    body = body_for(paying)
    post(client, body)
    before = books(paying)

    # TriPay retries a callback it thinks failed: the same bytes, the same signature (in any hex case).
    for signature in (
        signed_headers(body)["X-Callback-Signature"],
        signed_headers(body)["X-Callback-Signature"].upper(),
    ):
        response = post(client, body, signed_headers(body) | {"X-Callback-Signature": signature})
        assert response.status_code == 200 and response.json() == {"success": True}

    assert books(paying) == before
    assert stock_of(product) == 8 and sales(paying) == 1 and owed(paying, Notification.Kind.PAID) == 1
    outcomes = list(GatewayCallback.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == [Outcome.PAID, Outcome.UNCHANGED, Outcome.UNCHANGED]


def test_paid_for_an_order_already_shipped_changes_nothing(client, paying, product):
    post(client, body_for(paying))
    ship_order(paying, None, "JNE", "JP1234567890")
    before = books(paying)
    assert post(client, body_for(paying)).json() == {"success": True}
    assert books(paying) == before and latest_callback().outcome == Outcome.UNCHANGED


# --- Refused: answered success false, kept, nothing else changed --------------------------------


_KEEP = object()


def _sent(order, body=None, *, key=tripay_api.PRIVATE_KEY, signature=_KEEP, event=_KEEP):
    """A body about `order` (TriPay's, unless given) and its headers signed with `key`; `signature`
    and `event` replace a header (None: left out)."""
    body = body_for(order) if body is None else body
    headers = signed_headers(body, private_key=key)
    for name, value in (("X-Callback-Signature", signature), ("X-Callback-Event", event)):
        if value is not _KEEP:
            headers[name] = value
    return body, {name: value for name, value in headers.items() if value is not None}


def _forged(order):
    # The amount changed after TriPay signed the body.
    body, headers = _sent(order)
    return body.replace(f'"total_amount":{order.total}'.encode(), b'"total_amount":1'), headers


def _about(number, order):
    """A callback about `order`'s payment that names the order `number`."""
    return callback_body(number, order.payment_reference, order.total)


def _bank_transfer_order(order):
    # An order number that exists but is paid by manual transfer: not TriPay's to confirm.
    return _sent(order, _about(factories.order(order.user, (order.lines.get().product, 1)).number, order))


def _others_reference(order):
    other = Order.objects.exclude(pk=order.pk).get(payment_method=Order.PaymentMethod.TRIPAY)
    return _sent(order, body_for(order, reference=other.payment_reference))


# name: (body and headers about the order, status code, signature_valid kept, what the message mentions)
REFUSALS = {
    "forged": (_forged, 403, False, "signature"),
    "wrong signature": (lambda o: _sent(o, signature="0" * 64), 403, False, "signature"),
    "unsigned": (lambda o: _sent(o, signature=None), 403, False, "signature"),
    "signed with another key": (lambda o: _sent(o, key="kunci-toko-lain"), 403, False, "signature"),
    "non-ASCII signature": (lambda o: _sent(o, signature="tanda-tangan-é"), 403, False, "signature"),
    "wrong event": (lambda o: _sent(o, event="payout_status"), 400, True, "event"),
    "no event": (lambda o: _sent(o, event=None), 400, True, "event"),
    "unknown merchant_ref": (lambda o: _sent(o, _about("TK-20991231-9999", o)), 404, True, "merchant_ref"),
    "a bank transfer order": (_bank_transfer_order, 404, True, "merchant_ref"),
    "another order's reference": (_others_reference, 400, True, "Reference"),
    "wrong amount": (lambda o: _sent(o, body_for(o, total_amount=o.total - 1)), 400, True, "Amount"),
    "amount as text": (lambda o: _sent(o, body_for(o, total_amount=str(o.total))), 400, True, "Malformed"),
    "malformed JSON": (lambda o: _sent(o, body_for(o)[:-5]), 400, True, "Malformed"),
    "non-object JSON": (lambda o: _sent(o, b"[" + body_for(o) + b"]"), 400, True, "Malformed"),
    "missing reference": (lambda o: _sent(o, body_for(o, reference=...)), 400, True, "Malformed"),
    "unknown status": (lambda o: _sent(o, body_for(o, "SETTLED")), 400, True, "status"),
    # Well-formed and signed, but far larger than anything TriPay sends. The size is judged before
    # the signature, so it is kept as not found genuine.
    "huge body": (lambda o: _sent(o, body_for(o, note="x" * 70_000)), 413, False, "too large"),
    "a megabyte": (lambda o: _sent(o, b"{" + b" " * 2**20 + b"}"), 413, False, "too large"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_a_callback_that_is_not_genuine_or_not_ours_changes_nothing_and_is_kept(client, gateway, buyer, product, case):
    build, status_code, signature_valid, said = REFUSALS[case]
    order = place(buyer, (product, 2))
    place(buyer, (product, 1))  # another TriPay order, whose reference one case borrows
    body, headers = build(order)
    before = books(order)

    response = post(client, body, headers)

    assert response.status_code == status_code and response["Content-Type"] == "application/json"
    answer = response.json()
    assert answer["success"] is False and said.lower() in answer["message"].lower()
    assert books(order) == before
    assert not StockMovement.objects.filter(reason=StockMovement.Reason.SALE).exists()
    kept = GatewayCallback.objects.get()
    assert (kept.outcome, kept.signature_valid, kept.message) == (Outcome.REFUSED, signature_valid, answer["message"])
    assert kept.body == body[: tripay_callbacks.KEPT_BODY_CHARACTERS].decode(errors="replace")
    assert_ledger_balances()


def test_a_callback_is_refused_while_tripay_is_not_configured(client, paying, settings):
    body = body_for(paying)
    settings.TRIPAY_PRIVATE_KEY = ""
    before = books(paying)
    response = post(client, body)
    assert response.status_code == 503 and response.json()["success"] is False
    assert books(paying) == before and latest_callback().outcome == Outcome.REFUSED


def test_a_get_is_not_a_callback(client, paying):
    before = books(paying)
    assert client.get(URL, {"merchant_ref": paying.number}).status_code == 405
    assert books(paying) == before and not GatewayCallback.objects.exists()


# name: (body and headers about the order, status code due)
HOSTILE = {
    "NUL byte, unsigned": (lambda o: _sent(o, b'{"a":"\x00"}', signature="0" * 64), 403),
    "long status": (lambda o: _sent(o, body_for(o, "PAID" + "X" * 20)), 400),
    "long merchant_ref": (lambda o: _sent(o, _about("TK-" + "9" * 70, o)), 404),
    "NUL in a signed merchant_ref": (lambda o: _sent(o, _about(o.number + "\x00", o)), 400),
    "JSON 30000 deep": (lambda o: _sent(o, b"[" * 30_000 + b"]" * 30_000), 400),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_body_is_refused_and_kept_not_answered_500(paying, case):
    build, status_code = HOSTILE[case]
    body, headers = build(paying)
    response = post(Client(raise_request_exception=False), body, headers)
    assert response.status_code == status_code and response.json()["success"] is False
    assert latest_callback().outcome == Outcome.REFUSED


# --- EXPIRED, FAILED, REFUND -----------------------------------------------------------------------


@pytest.mark.parametrize("status", ["EXPIRED", "FAILED"])
def test_expired_or_failed_cancels_an_unpaid_order_and_gives_nothing_back(client, paying, product, status):
    response = post(client, body_for(paying, status))

    assert response.status_code == 200 and response.json() == {"success": True}
    paying.refresh_from_db()
    assert paying.status == Status.CANCELLED and paying.cancelled_at is not None and "TriPay" in paying.cancel_reason
    assert stock_of(product) == 10 and not StockMovement.objects.filter(order=paying).exists()
    assert transitions(paying)[-1] == (Status.PENDING_PAYMENT, Status.CANCELLED)
    assert owed(paying, Notification.Kind.CANCELLED) == 1
    assert latest_callback().outcome == Outcome.CANCELLED
    assert_ledger_balances()

    before = books(paying)
    assert post(client, body_for(paying, status)).json() == {"success": True}
    assert books(paying) == before and latest_callback().outcome == Outcome.UNCHANGED


@pytest.mark.parametrize("status", ["EXPIRED", "FAILED"])
def test_expired_or_failed_never_cancels_a_paid_order(client, paying, product, status):
    post(client, body_for(paying))
    before = books(paying)
    response = post(client, body_for(paying, status))
    assert response.status_code == 200 and response.json() == {"success": True}
    assert books(paying) == before
    assert Order.objects.get(pk=paying.pk).status == Status.PROCESSED and stock_of(product) == 8
    assert latest_callback().outcome == Outcome.UNCHANGED


def test_refund_flags_the_order_for_the_owner_and_changes_nothing_else(client, paying, product):
    post(client, body_for(paying))
    response = post(client, body_for(paying, "REFUND"))
    assert response.status_code == 200 and response.json() == {"success": True}
    paying.refresh_from_db()
    assert paying.status == Status.PROCESSED and stock_of(product) == 8 and sales(paying) == 1
    assert paying.needs_attention and "refund" in paying.attention_note
    assert paying.payment_reference in paying.attention_note
    assert latest_callback().outcome == Outcome.REFUND


@pytest.mark.parametrize("cancelled_first", [False, True], ids=["refund", "paid after cancellation"])
def test_a_replayed_flagging_callback_changes_nothing(client, paying, buyer, cancelled_first):
    if cancelled_first:
        cancel_order(paying, buyer, "berubah pikiran")
        body = body_for(paying)
    else:
        post(client, body_for(paying))
        body = body_for(paying, "REFUND")
    post(client, body)
    before = books(paying)
    post(client, body)
    assert books(paying) == before


# --- Money in for an order that cannot take it -------------------------------------------------------


def test_paid_for_an_order_whose_stock_ran_out_flags_it_for_a_refund_and_loses_nothing(
    client, gateway, buyer, other_buyer
):
    product = factories.product(stock=2)
    first, second = place(buyer, (product, 2)), place(other_buyer, (product, 2))
    post(client, body_for(first))
    before = books(second)
    response = post(client, body_for(second))
    # Answered success: TriPay has the money and must stop retrying; the shop keeps the record.
    assert response.status_code == 200 and response.json() == {"success": True}
    second.refresh_from_db()
    assert second.status == Status.PENDING_PAYMENT and second.paid_at is None and second.needs_attention
    assert "LUNAS" in second.attention_note and "Kembalikan dana" in second.attention_note
    assert product.name in second.attention_note
    assert stock_of(product) == 0 and sales(second) == 0 and owed(second, Notification.Kind.PAID) == 0
    assert books(second)["events"] == before["events"] and books(second)["outbox"] == before["outbox"]
    kept = latest_callback()
    assert (kept.outcome, kept.order, kept.signature_valid) == (Outcome.PAID_SHORT, second, True)
    assert product.name in kept.message
    assert_ledger_balances()


def test_paid_after_the_buyer_cancelled_flags_the_order_and_takes_no_stock(client, paying, buyer, product):
    cancel_order(paying, buyer, "berubah pikiran")
    response = post(client, body_for(paying))
    assert response.status_code == 200 and response.json() == {"success": True}
    paying.refresh_from_db()
    assert paying.status == Status.CANCELLED and paying.needs_attention
    assert "LUNAS" in paying.attention_note and "Kembalikan dana" in paying.attention_note
    assert stock_of(product) == 10 and sales(paying) == 0 and owed(paying, Notification.Kind.PAID) == 0
    assert latest_callback().outcome == Outcome.PAID_SHORT


def test_paid_after_tripay_said_expired_flags_the_order_for_a_refund(client, paying, product):
    post(client, body_for(paying, "EXPIRED"))
    assert post(client, body_for(paying)).json() == {"success": True}
    paying.refresh_from_db()
    assert paying.status == Status.CANCELLED and paying.needs_attention and "Kembalikan dana" in paying.attention_note
    assert stock_of(product) == 10 and latest_callback().outcome == Outcome.PAID_SHORT


# --- CS's verification queue -------------------------------------------------------------------------


def test_cs_never_sees_a_tripay_order_in_the_verification_queue(client, paying, cs1_user, buyer, product):
    transfer = factories.order(buyer, (product, 1))
    submit_payment_proof(transfer, buyer, factories.proof_file())
    client.force_login(cs1_user)
    queue = reverse("payment_verification:index")

    waiting = client.get(queue).content.decode()
    assert transfer.number in waiting and paying.number not in waiting

    assert post(Client(), body_for(paying)).json() == {"success": True}
    assert paying.number not in client.get(queue).content.decode()
