"""The owner's view of the notification outbox in the Wagtail admin, and sending failed ones again."""

import pytest
from django.core import mail
from django.urls import reverse

from shop.models import Notification
from shop.notifications.outbox import MAX_ATTEMPTS, deliver_notifications
from tests import factories
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

INDEX = "shop_notifications:index"
RETRY = "shop_notifications:retry"


@pytest.fixture
def failed_order(buyer, product, settings):
    """An order whose emails were tried MAX_ATTEMPTS times while the mail server was down."""
    order = factories.order(buyer, (product, 1))
    settings.EMAIL_BACKEND = "tests.helpers.BrokenEmailBackend"
    for _run in range(MAX_ATTEMPTS):
        deliver_notifications()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return order


def test_the_owner_sees_what_failed_and_why(admin_user, failed_order):
    response = signed_in(admin_user).get(reverse(INDEX) + "?state=failed")
    assert response.status_code == 200
    html = response.content.decode()
    assert failed_order.number in html and "SMTP down" in html and "Gagal (berhenti dicoba)" in html
    assert reverse(RETRY) in html  # the button to send them again
    assert reverse("all_orders:inspect", args=[failed_order.pk]) in html


def test_cs_staff_cannot_see_or_retry_notifications(cs1_user, cs2_user, failed_order):
    for user in (cs1_user, cs2_user):
        client = signed_in(user)
        assert client.get(reverse(INDEX)).status_code in (302, 403)
        assert client.post(reverse(RETRY)).status_code in (302, 403)
    assert Notification.objects.get(kind="placed").attempts == MAX_ATTEMPTS


def test_sending_failed_ones_again_starts_them_over(admin_user, failed_order):
    client = signed_in(admin_user)
    assert "berhenti dicoba" in client.get(reverse(RETRY)).content.decode()
    response = client.post(reverse(RETRY))
    assert response.status_code == 302 and response["Location"] == reverse(INDEX)
    assert list(Notification.objects.filter(sent_at__isnull=True).values_list("kind", "attempts")) == [("placed", 0)]
    assert deliver_notifications() == 1
    assert [m.to for m in mail.outbox] == [[failed_order.email]]


def test_there_is_nothing_to_add_edit_or_delete_by_hand(admin_user, failed_order):
    client = signed_in(admin_user)
    notification = Notification.objects.first()
    for url in (
        "/admin/notifikasi/new/",
        f"/admin/notifikasi/edit/{notification.pk}/",
        f"/admin/notifikasi/delete/{notification.pk}/",
    ):
        assert client.get(url).status_code == 404


def test_each_channel_is_a_row_of_its_own_with_its_column_and_filter(
    admin_user, buyer, product, store_email, whatsapp_on
):
    order = factories.order(buyer, (product, 1))
    client = signed_in(admin_user)
    html = client.get(reverse(INDEX)).content.decode()
    assert "Saluran" in html and "WhatsApp" in html
    shown = client.get(reverse(INDEX) + "?channel=whatsapp").context["object_list"]
    assert [(n.kind, n.channel, n.order_id) for n in shown] == [("owner_new_order", "whatsapp", order.pk)]
    shown = client.get(reverse(INDEX) + "?channel=email").context["object_list"]
    assert sorted((n.kind, n.channel) for n in shown) == [("owner_new_order", "email"), ("placed", "email")]


def test_an_alert_with_nobody_to_send_to_shows_as_not_sent_and_is_not_sent_again(
    admin_user, buyer, product, whatsapp_on
):
    order = factories.order(buyer, (product, 1))
    whatsapp_on.WHATSAPP_TOKEN = ""  # switched off before delivery
    deliver_notifications()
    client = signed_in(admin_user)
    shown = client.get(reverse(INDEX) + "?state=skipped").context["object_list"]
    assert [(n.kind, n.channel, n.order_id) for n in shown] == [("owner_new_order", "whatsapp", order.pk)]
    html = client.get(reverse(INDEX)).content.decode()
    assert "Tidak dikirim (tanpa tujuan)" in html and "WhatsApp tidak diatur" in html
    assert reverse(RETRY) not in html  # nothing failed
