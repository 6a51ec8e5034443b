"""TriPay in the owner's admin (issue 12, items 1 and 5): the payment settings page, which channels
to offer, the callbacks TriPay sent, and a TriPay order's page at the desks.

TriPay is either the recorded sandbox (tests.integrations.tripay_api, replayed by `responses`) or
the development simulator (the `simulated_tripay` fixture), whose callbacks go through the real
endpoint signed with the development key.
"""

import json
import re

import pytest
import requests
import responses
from django.urls import NoReverseMatch, reverse

from shop.core.money import format_rupiah
from shop.models import GatewayCallback, Order, OrderStatus, PaymentChannel, PaymentSettings
from shop.payments.gateways import tripay
from shop.payments.gateways.tripay_simulator import DEVELOPMENT_PRIVATE_KEY
from tests import factories
from tests.helpers import desk_url, is_refused, messages_of, signed_in
from tests.integrations import tripay_api
from tests.integrations.tripay_api import CHANNELS_URL

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

CHANNELS = "shop_tripay_channels:index"
SAVE = "shop_tripay_channels:save"
REFRESH = "shop_tripay_channels:refresh"
CALLBACKS = "shop_tripay_callbacks:index"
CALLBACK_URL = "/pembayaran/tripay/callback/"


def settings_url():
    return reverse("wagtailsettings:edit", args=["shop", "paymentsettings", PaymentSettings.load().pk])


def channel_rows():
    """Everything about the channels, to tell whether a request changed any of it."""
    return list(PaymentChannel.objects.order_by("code").values())


@pytest.fixture
def sandbox(settings):
    """The shop set up with TriPay's sandbox keys and all six recorded channels."""
    tripay_api.configure(settings)
    settings.WAGTAILADMIN_BASE_URL = "https://tokoku.example"
    with responses.RequestsMock() as mock:
        tripay_api.answer(mock, CHANNELS_URL, tripay_api.channels_answer())
        tripay.refresh_channels()
    return settings


@pytest.fixture
def owner(admin_user):
    return signed_in(admin_user)


def simulated_callback(client, order, status="PAID", key=DEVELOPMENT_PRIVATE_KEY):
    body = tripay_api.callback_body(order.number, order.payment_reference, order.total, status)
    return client.post(
        CALLBACK_URL, body, content_type="application/json", headers=tripay_api.signed_headers(body, key)
    )


# --- Settings > Pengaturan pembayaran -----------------------------------------------------------


def test_the_settings_page_shows_how_tripay_is_connected_with_the_keys_masked(owner, sandbox):
    response = owner.get(settings_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "Sandbox (uji coba)" in html and tripay_api.MERCHANT_CODE in html
    assert "https://tokoku.example/pembayaran/tripay/callback/" in html
    assert "DEV-••••••••" in html and "Wq7R••••••••" in html
    for key in (tripay_api.API_KEY, tripay_api.PRIVATE_KEY):
        assert key[4:8] not in html and key[-4:] not in html
    # The keys are never a form field: only the owner's choices are.
    assert set(response.context["form"].fields) == {
        "bank_transfer_enabled",
        "tripay_enabled",
        "use_unique_code",
        "payment_instructions",
    }
    assert "6 cara bayar aktif" not in html and "5 cara bayar aktif" in html  # Indomaret is not active


def test_the_settings_page_names_production_mode_and_what_is_missing(owner, settings):
    settings.TRIPAY_SANDBOX = False
    settings.TRIPAY_MERCHANT_CODE = "T14302"
    settings.TRIPAY_API_KEY = settings.TRIPAY_PRIVATE_KEY = ""
    settings.DEBUG = False

    html = owner.get(settings_url()).content.decode()

    assert "Produksi" in html and "belum terpasang" in html
    assert "<code>TRIPAY_API_KEY</code>, <code>TRIPAY_PRIVATE_KEY</code>" in html


def test_the_settings_page_says_when_the_simulator_stands_in_for_tripay(owner, simulated_tripay):
    html = owner.get(settings_url()).content.decode()

    assert "Simulator pengembangan menyala" in html
    # A local address is expected while simulating: no warning about TriPay not reaching it.
    assert "TriPay tidak bisa menjangkaunya" not in html


def test_a_local_callback_url_is_called_out_when_tripay_is_real(owner, sandbox):
    sandbox.WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8000"

    html = owner.get(settings_url()).content.decode()

    assert "http://127.0.0.1:8000/pembayaran/tripay/callback/" in html and "TriPay tidak bisa menjangkaunya" in html


def save_settings(client, **choices):
    data = {"payment_instructions": "Transfer sebelum jam 3."}
    data.update({name: "on" for name, on in choices.items() if on})
    return client.post(settings_url(), data)


def stored_choices():
    stored = PaymentSettings.load()
    return stored.bank_transfer_enabled, stored.tripay_enabled


def test_both_ways_to_pay_cannot_be_switched_off(owner, sandbox):
    response = save_settings(owner, bank_transfer_enabled=False, tripay_enabled=False)

    assert response.status_code == 200
    assert "tidak boleh mati bersamaan" in response.content.decode()
    assert stored_choices() == (True, True)


@pytest.mark.parametrize(
    ("bank_transfer", "tripay_on"), [(True, False), (False, True), (True, True)], ids=["no tripay", "no bank", "both"]
)
def test_either_way_to_pay_can_be_switched_off(owner, sandbox, bank_transfer, tripay_on):
    response = save_settings(owner, bank_transfer_enabled=bank_transfer, tripay_enabled=tripay_on)

    assert response.status_code == 302
    assert stored_choices() == (bank_transfer, tripay_on)


def test_bank_transfer_stays_on_while_tripay_cannot_take_payments(owner, settings, sandbox):
    PaymentChannel.objects.update(offered=False)
    response = save_settings(owner, bank_transfer_enabled=False, tripay_enabled=True)
    assert "Belum ada cara bayar TriPay" in response.content.decode()

    settings.TRIPAY_API_KEY = ""
    settings.DEBUG = False
    response = save_settings(owner, bank_transfer_enabled=False, tripay_enabled=True)
    assert "TriPay belum terpasang" in response.content.decode()
    assert stored_choices() == (True, True)


# --- Settings > Cara bayar TriPay ---------------------------------------------------------------


def test_the_channels_screen_lists_what_tripay_says_of_each_channel(owner, sandbox):
    response = owner.get(reverse(CHANNELS))

    assert response.status_code == 200
    html = response.content.decode()
    for channel in tripay_api.CHANNELS.values():
        assert channel["name"] in html and channel["icon_url"] in html
    assert "Virtual Account" in html and "E-Wallet / QRIS" in html and "Gerai minimarket" in html
    assert "Rp\u00a010.000 – Rp\u00a02.500.000" in html  # Alfamart's limits, each amount on one line
    assert "Tidak aktif" in html  # Indomaret
    assert len(re.findall(r'name="offered"[^>]*checked', html)) == 6
    assert reverse(REFRESH) in html and reverse(SAVE) in html


def test_a_channel_shows_the_fee_the_buyer_pays(owner, sandbox):
    PaymentChannel.objects.filter(code="QRIS").update(fee_flat=750, fee_percent="0.70", maximum_fee=10_000)

    html = owner.get(reverse(CHANNELS)).content.decode()

    assert "Rp\u00a0750 + 0,7% (maks. Rp\u00a010.000)" in html
    assert "Tanpa biaya" in html  # TriPay's recorded channels charge the merchant, not the buyer


def test_the_owner_ticks_which_channels_to_offer_and_nothing_else_changes(owner, sandbox):
    before = {row["code"]: row for row in channel_rows()}
    listed = list(PaymentChannel.objects.values_list("pk", flat=True))
    ticked = list(PaymentChannel.objects.filter(code__in=["QRIS", "BRIVA"]).values_list("pk", flat=True))

    response = owner.post(reverse(SAVE), {"listed": listed, "offered": ticked, "name": "Hacked", "active": "on"})

    assert response.status_code == 302
    assert set(PaymentChannel.objects.filter(offered=True).values_list("code", flat=True)) == {"QRIS", "BRIVA"}
    for row in channel_rows():
        assert {**row, "offered": None} == {**before[row["code"]], "offered": None}
    assert "2 cara bayar aktif ditawarkan" in " ".join(messages_of(owner.get(response["Location"])))


def test_saving_leaves_alone_the_channels_that_were_not_on_the_screen(owner, sandbox):
    qris = PaymentChannel.objects.get(code="QRIS")

    owner.post(reverse(SAVE), {"listed": [qris.pk, "x"], "offered": []})

    assert set(PaymentChannel.objects.filter(offered=False).values_list("code", flat=True)) == {"QRIS"}


def test_with_bank_transfer_off_the_last_channel_cannot_be_unticked(owner, sandbox):
    stored = PaymentSettings.load()
    stored.bank_transfer_enabled = False
    stored.save()
    before = channel_rows()

    response = owner.post(reverse(SAVE), {"listed": list(PaymentChannel.objects.values_list("pk", flat=True))})

    assert channel_rows() == before
    assert "Tidak ada yang diubah" in " ".join(messages_of(owner.get(response["Location"])))


def test_the_channels_screen_adds_edits_and_deletes_nothing_by_hand(sandbox):
    for name in ("add", "edit", "delete", "copy", "inspect"):
        with pytest.raises(NoReverseMatch):
            reverse(f"shop_tripay_channels:{name}", args=[] if name == "add" else [1])


def test_refreshing_asks_tripay_first_and_keeps_the_owners_choice(owner, sandbox):
    PaymentChannel.objects.filter(code="BRIVA").update(offered=False)
    page = owner.get(reverse(REFRESH))  # the confirmation asks TriPay nothing (no answer is recorded)
    assert page.status_code == 200 and "Ya, perbarui sekarang" in page.content.decode()

    with responses.RequestsMock() as api:
        tripay_api.answer(api, CHANNELS_URL, tripay_api.channels_answer("BRIVA", "QRIS"))
        response = owner.post(reverse(REFRESH))

    said = " ".join(messages_of(owner.get(response["Location"])))
    assert "TriPay mengirim 2 cara bayar" in said
    assert set(PaymentChannel.objects.filter(active=True).values_list("code", flat=True)) == {"BRIVA", "QRIS"}
    assert PaymentChannel.objects.count() == 6  # the others are switched off, not deleted
    assert not PaymentChannel.objects.get(code="BRIVA").offered


@pytest.mark.parametrize(
    ("failure", "said"),
    [
        ("unreachable", "TriPay tidak bisa dihubungi"),
        ("bad gateway", "TriPay tidak bisa dihubungi"),
        ("refused", "Invalid API Key"),
        ("unreadable", "Jawaban TriPay tidak bisa dibaca"),
    ],
)
def test_when_tripay_cannot_be_asked_the_channels_stay_as_they_were(owner, sandbox, failure, said):
    before = channel_rows()
    with responses.RequestsMock() as api:
        if failure == "unreachable":
            api.add(responses.GET, CHANNELS_URL, body=requests.ConnectionError("no route to host"))
        elif failure == "bad gateway":
            tripay_api.answer_html(api, CHANNELS_URL)
        elif failure == "refused":
            tripay_api.answer(api, CHANNELS_URL, tripay_api.INVALID_API_KEY, status=401)
        else:
            tripay_api.answer(api, CHANNELS_URL, {"success": True, "message": "", "data": [{"code": "QRIS"}]})
        response = owner.post(reverse(REFRESH))

    assert response.status_code == 302
    assert channel_rows() == before
    messages = " ".join(messages_of(owner.get(response["Location"])))
    assert said in messages and "Daftar cara bayar tidak berubah" in messages


def test_refreshing_from_the_simulator(owner, simulated_tripay):
    response = owner.post(reverse(REFRESH))

    assert "TriPay mengirim 3 cara bayar" in " ".join(messages_of(owner.get(response["Location"])))


# --- Settings > Callback TriPay -----------------------------------------------------------------


@pytest.fixture
def reported(simulated_tripay, client, buyer, product):
    """A QRIS order paid by a genuine callback, after a forged one was refused; a reconcile answer for another."""
    paid = factories.order(buyer, (product, 1), payment_method="tripay")
    simulated_callback(client, paid, key="not-the-key")
    simulated_callback(client, paid)
    other = factories.order(buyer, (product, 1), payment_method="tripay")
    GatewayCallback.objects.create(
        source="reconcile",
        status="EXPIRED",
        signature_valid=True,
        reference=other.payment_reference,
        merchant_ref=other.number,
        order=other,
        outcome=GatewayCallback.Outcome.CANCELLED,
        message="Dibatalkan: batas pembayaran TriPay terlewati.",
    )
    paid.refresh_from_db()
    assert paid.status == OrderStatus.PROCESSED
    return paid, other


def listed_callbacks(client, query=""):
    return list(client.get(reverse(CALLBACKS) + query).context["object_list"])


def test_the_owner_sees_every_callback_and_what_came_of_it(owner, reported):
    paid, other = reported
    response = owner.get(reverse(CALLBACKS))

    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("all_orders:inspect", args=[paid.pk]) in html
    assert reverse("all_orders:inspect", args=[other.pk]) in html
    assert "Lunas: pesanan diproses" in html and "Ditolak" in html and "Pesanan dibatalkan" in html
    assert "Tidak sah" in html and "Invalid signature" in html
    assert "Ditanyakan ke TriPay (terjadwal)" in html and "Callback dari TriPay" in html
    for callback in GatewayCallback.objects.all():
        assert reverse("shop_tripay_callbacks:inspect", args=[callback.pk]) in html


def test_callbacks_are_filtered_by_outcome_signature_and_source_and_searched_by_order(owner, reported):
    paid, other = reported
    forged = GatewayCallback.objects.get(signature_valid=False)
    genuine = GatewayCallback.objects.get(outcome=GatewayCallback.Outcome.PAID)
    reconciled = GatewayCallback.objects.get(source="reconcile")

    assert listed_callbacks(owner, "?outcome=refused") == [forged]
    assert listed_callbacks(owner, "?signature_valid=false") == [forged]
    assert set(listed_callbacks(owner, "?signature_valid=true")) == {genuine, reconciled}
    assert listed_callbacks(owner, "?source=reconcile") == [reconciled]
    # A forged callback is not trusted with an order: only its body names one.
    assert listed_callbacks(owner, f"?q={paid.number}") == [genuine]
    assert listed_callbacks(owner, f"?q={other.payment_reference}") == [reconciled]


def test_a_callbacks_page_shows_the_body_it_carried(owner, reported):
    paid, _other = reported
    genuine = GatewayCallback.objects.get(outcome=GatewayCallback.Outcome.PAID)

    response = owner.get(reverse("shop_tripay_callbacks:inspect", args=[genuine.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("all_orders:inspect", args=[paid.pk]) in html
    assert "Lunas: pesanan diproses" in html and "Sah" in html
    body = json.loads(genuine.body)
    assert f"&quot;merchant_ref&quot;: &quot;{paid.number}&quot;" in html  # indented, escaped
    assert body["reference"] == paid.payment_reference


def test_the_callbacks_listing_is_read_only(reported):
    for name in ("add", "edit", "delete", "copy"):
        with pytest.raises(NoReverseMatch):
            reverse(f"shop_tripay_callbacks:{name}", args=[] if name == "add" else [1])


# --- Who may ------------------------------------------------------------------------------------

ROLES = ["anonymous", "buyer", "cs1", "cs2", "admin"]


@pytest.fixture
def clients(buyer, cs1_user, cs2_user, admin_user):
    return {
        "anonymous": signed_in(None),
        "buyer": signed_in(buyer),
        "cs1": signed_in(cs1_user),
        "cs2": signed_in(cs2_user),
        "admin": signed_in(admin_user),
    }


@pytest.mark.parametrize("role", ROLES)
def test_only_the_owner_reaches_the_payment_screens(role, clients, reported):
    client = clients[role]
    callback = GatewayCallback.objects.first()
    pages = {
        "settings": settings_url(),
        "channels": reverse(CHANNELS),
        "refresh page": reverse(REFRESH),
        "callbacks": reverse(CALLBACKS),
        "callback": reverse("shop_tripay_callbacks:inspect", args=[callback.pk]),
    }
    wrong = []
    for what, url in pages.items():
        response = client.get(url)
        if role == "admin" and response.status_code != 200:
            wrong.append(f"{what}: expected 200, got {response.status_code}")
        elif role != "admin" and not is_refused(response):
            wrong.append(f"{what}: expected a refusal, got {response.status_code}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", ["anonymous", "buyer", "cs1", "cs2"])
def test_nobody_but_the_owner_changes_payments(role, clients, simulated_tripay):
    client = clients[role]
    before = (channel_rows(), stored_choices())
    listed = list(PaymentChannel.objects.values_list("pk", flat=True))

    responses_ = [
        client.post(reverse(SAVE), {"listed": listed}),
        client.post(reverse(REFRESH)),
        client.post(settings_url(), {"use_unique_code": "on"}),
    ]

    assert all(is_refused(response) for response in responses_), [r.status_code for r in responses_]
    assert (channel_rows(), stored_choices()) == before


def sidebar(client):
    html = client.get("/admin/").content.decode()
    found = re.search(r'id="wagtail-sidebar-props"[^>]*>(.*?)</script>', html, re.S)
    return json.dumps(json.loads(found.group(1)), ensure_ascii=False)


def test_only_the_owner_sees_the_payment_menu_items(clients):
    labels = ("Pengaturan pembayaran", "Cara bayar TriPay", "Callback TriPay")
    owners_menu = sidebar(clients["admin"])
    assert all(label in owners_menu for label in labels)
    for role in ("cs1", "cs2"):
        menu = sidebar(clients[role])
        assert not any(label in menu for label in labels), role


# --- The order page at the desks ----------------------------------------------------------------


def test_a_tripay_orders_page_shows_the_channel_reference_fee_and_callbacks(owner, reported):
    paid, _other = reported
    genuine = GatewayCallback.objects.get(outcome=GatewayCallback.Outcome.PAID)

    response = owner.get(desk_url("all", "inspect", paid.pk))

    html = response.content.decode()
    assert "TriPay — QRIS" in html
    assert paid.payment_reference in html and paid.payment_fee > 0
    assert f"data-tripay-fee>{format_rupiah(paid.payment_fee)}" in html
    assert "Lunas: pesanan diproses" in html and "Invalid signature" not in html  # the forged one is not its
    assert reverse("shop_tripay_callbacks:inspect", args=[genuine.pk]) in html
    assert "CS tidak perlu memeriksa apa pun" in html


def test_cs_see_the_tripay_part_without_the_callbacks_bodies(cs2_user, reported):
    paid, _other = reported

    html = signed_in(cs2_user).get(desk_url("fulfilment", "inspect", paid.pk)).content.decode()

    assert paid.payment_reference in html and "Lunas: pesanan diproses" in html
    assert reverse("shop_tripay_callbacks:index") not in html
    assert "/admin/callback-tripay/" not in html


def test_a_flagged_tripay_order_does_not_tell_cs_to_leave_it(owner, reported):
    paid, _other = reported
    Order.objects.filter(pk=paid.pk).update(needs_attention=True, attention_note="Kembalikan dana pembeli.")

    html = owner.get(desk_url("all", "inspect", paid.pk)).content.decode()

    assert "Kembalikan dana pembeli." in html and "CS tidak perlu memeriksa apa pun" not in html


def test_a_bank_transfer_orders_page_has_no_tripay_part(owner, buyer, product):
    order = factories.order(buyer, (product, 1))

    html = owner.get(desk_url("all", "inspect", order.pk)).content.decode()

    assert "data-tripay-section" not in html and "Referensi TriPay" not in html
