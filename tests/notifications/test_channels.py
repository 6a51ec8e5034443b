"""One notification, one delivery per channel: the owner's new-order alert is an email row and a
WhatsApp row, each sent, retried and given up on its own; what each WhatsApp answer means for delivery."""

from datetime import timedelta

import pytest
import responses
from django.core import mail
from django.urls import reverse
from wagtail.models import Site

from home.models import StoreSettings
from shop.models import Notification, Order
from shop.notifications.admin import given_up, state_of
from shop.notifications.outbox import MAX_ATTEMPTS, deliver_notifications
from shop.services.orders import confirm_payment, expire_unpaid_orders, submit_payment_proof
from tests import factories, helpers
from tests.helpers import signed_in
from tests.integrations import cloud_api as recorded
from tests.integrations.cloud_api import answer, answer_html, sent_payloads

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
Channel = Notification.Channel
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def owner_alerts(order):
    return {n.channel: n for n in Notification.objects.filter(order=order, kind=Kind.OWNER_NEW_ORDER)}


def whatsapp_alert(order):
    return owner_alerts(order)[Channel.WHATSAPP]


@pytest.mark.parametrize(
    "has_email, has_whatsapp, channels",
    [
        (True, True, {Channel.EMAIL, Channel.WHATSAPP}),
        (True, False, {Channel.EMAIL}),
        (False, True, {Channel.WHATSAPP}),
        (False, False, set()),
    ],
)
def test_the_owner_is_owed_one_alert_per_channel_configured_when_the_order_is_placed(
    request, buyer, product, has_email, has_whatsapp, channels
):
    if has_email:
        request.getfixturevalue("store_email")
    if has_whatsapp:
        request.getfixturevalue("whatsapp_on")
    order = factories.order(buyer, (product, 1))
    assert set(owner_alerts(order)) == channels
    assert list(Notification.objects.filter(order=order, kind=Kind.PLACED).values_list("channel", flat=True)) == [
        Channel.EMAIL
    ]


def test_an_email_that_fails_after_whatsapp_went_out_does_not_send_whatsapp_again(
    buyer, product, store_email, whatsapp_on, cloud_api, settings
):
    answer(cloud_api, recorded.ACCEPTED)
    order = factories.order(buyer, (product, 1))
    settings.EMAIL_BACKEND = "tests.helpers.BrokenEmailBackend"
    assert deliver_notifications() == 1  # WhatsApp went out; both emails failed
    settings.EMAIL_BACKEND = LOCMEM
    assert deliver_notifications() == 2
    assert deliver_notifications() == 0
    assert len(cloud_api.calls) == 1 and order.number in sent_payloads(cloud_api)[0]["text"]["body"]
    alerts = owner_alerts(order)
    assert (alerts[Channel.WHATSAPP].attempts, alerts[Channel.WHATSAPP].last_error) == (1, "")
    assert alerts[Channel.EMAIL].attempts == 2 and "SMTP down" in alerts[Channel.EMAIL].last_error
    assert sorted(m.to[0] for m in mail.outbox) == sorted([order.email, store_email])


def test_whatsapp_answering_without_json_is_retried_alone_by_the_next_run(
    buyer, product, store_email, whatsapp_on, cloud_api
):
    answer_html(cloud_api, status=502)
    answer(cloud_api, recorded.ACCEPTED)
    order = factories.order(buyer, (product, 1))
    assert deliver_notifications() == 2  # the buyer's email and the owner's
    alert = whatsapp_alert(order)
    assert alert.sent_at is None and alert.attempts == 1
    assert alert.last_error == "WhatsAppError: WhatsApp answered HTTP 502 without JSON"
    assert state_of(alert) == "Menunggu dikirim"
    assert deliver_notifications() == 1
    assert len(cloud_api.calls) == 2 and len(mail.outbox) == 2  # the emails were not sent again
    assert whatsapp_alert(order).sent_at is not None


def test_an_expired_token_gives_up_at_once_and_the_owner_can_send_again_once_it_is_replaced(
    buyer, product, admin_user, whatsapp_on, cloud_api
):
    answer(cloud_api, recorded.TOKEN_EXPIRED)
    order = factories.order(buyer, (product, 1))
    assert deliver_notifications() == 1  # the buyer's email
    alert = whatsapp_alert(order)
    assert alert.sent_at is None and alert.attempts == MAX_ATTEMPTS
    assert alert.last_error.startswith("Token WhatsApp ditolak (kode 190: Error validating access token")
    assert "WHATSAPP_TOKEN" in alert.last_error and "Kirim ulang yang gagal" in alert.last_error
    assert state_of(alert) == "Gagal (berhenti dicoba)" and list(given_up()) == [alert]
    assert deliver_notifications() == 0 and len(cloud_api.calls) == 1  # not tried four more times

    status, body = recorded.ACCEPTED  # the owner put a new token in
    cloud_api.replace(responses.POST, recorded.MESSAGES_URL, json=body, status=status)
    response = signed_in(admin_user).post(reverse("shop_notifications:retry"), follow=True)
    assert "1 notifikasi akan dikirim ulang." in response.content.decode()
    assert deliver_notifications() == 1
    assert whatsapp_alert(order).sent_at is not None and len(mail.outbox) == 1


def test_free_text_outside_the_24_hour_window_without_a_template_gives_up_at_once_saying_what_to_do(
    buyer, product, whatsapp_on, cloud_api
):
    answer(cloud_api, recorded.OUTSIDE_WINDOW)
    order = factories.order(buyer, (product, 1))
    deliver_notifications()
    alert = whatsapp_alert(order)
    assert alert.attempts == MAX_ATTEMPTS and alert.sent_at is None
    assert "24 jam" in alert.last_error and "WHATSAPP_TEMPLATE" in alert.last_error and "131047" in alert.last_error
    assert deliver_notifications() == 0 and len(cloud_api.calls) == 1


def test_outside_the_window_with_a_template_set_is_an_ordinary_failure(buyer, product, whatsapp_on, cloud_api):
    whatsapp_on.WHATSAPP_TEMPLATE = "pesanan_baru"
    answer(cloud_api, recorded.OUTSIDE_WINDOW, recorded.ACCEPTED)
    order = factories.order(buyer, (product, 1))
    deliver_notifications()
    alert = whatsapp_alert(order)
    assert (alert.attempts, alert.sent_at) == (1, None) and "OutsideWindow" in alert.last_error
    assert deliver_notifications() == 1
    assert sent_payloads(cloud_api)[-1]["template"]["components"][0]["parameters"][0] == {
        "type": "text",
        "text": order.number,
    }


def test_a_rate_limit_holds_whatsapp_until_the_next_run_without_using_up_attempts(
    buyer, product, store_email, whatsapp_on, cloud_api
):
    answer(cloud_api, recorded.RATE_LIMITED, recorded.ACCEPTED)
    first = factories.order(buyer, (product, 1))
    second = factories.order(buyer, (product, 1))
    assert deliver_notifications() == 4  # every email went out
    assert len(cloud_api.calls) == 1  # after the refusal, the second alert was not tried in the same run
    alerts = [whatsapp_alert(first), whatsapp_alert(second)]
    assert [(a.sent_at, a.attempts) for a in alerts] == [(None, 0), (None, 0)]
    assert "membatasi" in alerts[0].last_error and "130429" in alerts[0].last_error
    assert {state_of(a) for a in alerts} == {"Menunggu dikirim"}
    assert deliver_notifications() == 2
    assert len(cloud_api.calls) == 3 and len(mail.outbox) == 4
    assert [whatsapp_alert(o).attempts for o in (first, second)] == [1, 1]


def test_a_channel_switched_off_before_its_alert_went_out_is_not_sent_and_not_a_failure(
    buyer, product, store_email, whatsapp_on, cloud_api
):
    order = factories.order(buyer, (product, 1))
    assert set(owner_alerts(order)) == {Channel.EMAIL, Channel.WHATSAPP}  # both were on when it was placed
    whatsapp_on.WHATSAPP_TOKEN = ""
    StoreSettings.objects.update(email="")
    assert deliver_notifications() == 1  # only the buyer's email
    assert len(cloud_api.calls) == 0 and [m.to for m in mail.outbox] == [[order.email]]
    for alert in owner_alerts(order).values():
        assert alert.skipped and alert.sent_at is None and alert.attempts == 0
        assert alert.last_error.startswith("Tidak dikirim:")
        assert state_of(alert) == "Tidak dikirim (tanpa tujuan)"
    assert not given_up().exists()
    assert deliver_notifications() == 0


def test_an_order_without_an_email_address_owes_the_buyer_nothing_it_can_fail_on(buyer, product):
    order = factories.order(buyer, (product, 1))
    Order.objects.filter(pk=order.pk).update(email="")
    type(buyer).objects.filter(pk=buyer.pk).update(email="")
    assert deliver_notifications() == 0 and mail.outbox == []
    placed = Notification.objects.get(order=order)
    assert placed.skipped and placed.attempts == 0 and "alamat email pembeli" in placed.last_error


def test_rows_written_by_sql_that_names_only_the_older_columns_are_emails_and_go_out(buyer, product):
    """On PostgreSQL, confirm_payment's function and the expiry statement; elsewhere, expiry's INSERT ... SELECT."""
    paid = factories.order(buyer, (product, 1))
    submit_payment_proof(paid, buyer, factories.proof_file())
    confirm_payment(paid, None)
    unpaid = factories.order(buyer, (product, 1))
    assert expire_unpaid_orders(now=unpaid.created_at + timedelta(hours=25)) == 1
    written = Notification.objects.filter(kind__in=[Kind.PAID, Kind.CANCELLED]).order_by("kind")
    assert list(written.values_list("kind", "order", "channel", "skipped")) == [
        (Kind.CANCELLED, unpaid.pk, Channel.EMAIL, False),
        (Kind.PAID, paid.pk, Channel.EMAIL, False),
    ]
    assert deliver_notifications() == 4  # with the two orders' "placed" emails
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


def test_a_recipient_name_saved_with_a_line_break_still_reaches_the_owner_by_email(
    buyer, product, store_email, settings
):
    """Names are cleaned at checkout now; one saved before that must not stop the alert for good."""
    settings.EMAIL_BACKEND = LOCMEM
    order = factories.order(buyer, (product, 1))
    Order.objects.filter(pk=order.pk).update(recipient_name="Siti\nRahayu")
    deliver_notifications()
    alert = owner_alerts(order)[Channel.EMAIL]
    alert.refresh_from_db()
    assert alert.sent_at is not None and alert.last_error == ""
    assert [m.subject for m in mail.outbox if m.to == [store_email]] == [
        f"Pesanan baru {order.number} dari Siti Rahayu: Rp {order.total:,}.".replace(",", ".")
    ]


def test_buyer_emails_come_from_the_store_and_link_to_its_real_address(buyer, product, settings):
    settings.BASE_URL = ""
    settings.DEFAULT_FROM_EMAIL = "TokoKu <pesanan@toko-nusantara.id>"
    site = Site.objects.get(is_default_site=True)
    Site.objects.filter(pk=site.pk).update(hostname="toko-nusantara.id", port=443)
    store = StoreSettings.for_site(site)
    store.name = "Toko Nusantara"
    store.save()
    order = helpers.pending_order(buyer, (product, 1))
    mail.outbox.clear()
    deliver_notifications()
    sent = [message for message in mail.outbox if (order.email or buyer.email) in message.to]
    assert sent, "the order-placed email was owed"
    assert sent[0].from_email == "Toko Nusantara <pesanan@toko-nusantara.id>"
    assert f"https://toko-nusantara.id/pesanan/{order.number}/" in sent[0].body
    assert "127.0.0.1" not in sent[0].body


def test_base_url_wins_when_the_owner_set_it(buyer, product, settings):
    settings.BASE_URL = "https://shop.example.id"
    order = helpers.pending_order(buyer, (product, 1))
    mail.outbox.clear()
    deliver_notifications()
    sent = [message for message in mail.outbox if (order.email or buyer.email) in message.to]
    assert f"https://shop.example.id/pesanan/{order.number}/" in sent[0].body
