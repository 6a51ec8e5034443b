"""Completing shipped orders: the buyer's "Pesanan diterima", the courier's report of delivery, and the days
after which an order completes by itself; lost and returned parcels flagged for CS instead. Every step in
the order's history, and the buyer emailed once the order is completed."""

from datetime import timedelta

import pytest
import responses
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from shop.models import Notification, Order, OrderEvent
from shop.orders.services.completion import record_parcel
from shop.services.orders import ActionNotAllowed, InvalidTransition, auto_complete_orders, complete_order, ship_order
from shop.shipping import tracking
from shop.shipping.parcels import ParcelState
from tests import factories
from tests.helpers import messages_of, order_url, processed_order, signed_in, transitions
from tests.integrations import binderbyte_api
from tests.integrations.binderbyte_api import JNE_AWB, JNT_AWB, SICEPAT_AWB

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

Status = Order.Status


def shipped(buyer, product, courier="JNE", awb=JNE_AWB, *, days_ago=0):
    order = processed_order(buyer, (product, 1))
    ship_order(order, None, courier, awb)
    if days_ago:
        Order.objects.filter(pk=order.pk).update(shipped_at=timezone.now() - timedelta(days=days_ago, minutes=1))
    return Order.objects.get(pk=order.pk)


def owed(order, kind=Notification.Kind.COMPLETED):
    return Notification.objects.filter(order=order, kind=kind).count()


def completion_mails(order):
    """The completed-order emails sent for `order` (delivery also sends what earlier steps still owed)."""
    return [message for message in mail.outbox if message.subject.startswith(f"Pesanan {order.number} selesai")]


@pytest.fixture
def api(settings):
    binderbyte_api.configure(settings)
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def no_tracking(settings):
    binderbyte_api.configure(settings, key="")
    with responses.RequestsMock():  # any request to BinderByte would fail the test
        yield settings


# --- complete_order ------------------------------------------------------------------------------


def test_the_buyer_completes_their_shipped_order_and_is_emailed(
    buyer, product, sync_tasks, django_capture_on_commit_callbacks
):
    order = shipped(buyer, product)

    with django_capture_on_commit_callbacks(execute=True):
        complete_order(order, buyer, "Pembeli menandai pesanan sudah diterima.")

    assert order.status == Status.COMPLETED and order.completed_at is not None
    event = OrderEvent.objects.filter(order=order).last()
    assert (event.actor, event.from_status, event.to_status) == (buyer, Status.SHIPPED, Status.COMPLETED)
    [message] = completion_mails(order)
    assert message.to == [order.email or buyer.email]
    assert "Terima kasih sudah mengonfirmasi" in message.body and message.alternatives


def test_completing_twice_changes_nothing_and_emails_once(buyer, product):
    order = shipped(buyer, product)

    complete_order(order, buyer)
    complete_order(order, buyer)
    complete_order(order, None)

    assert transitions(order)[-1] == (Status.SHIPPED, Status.COMPLETED)
    assert transitions(order).count((Status.SHIPPED, Status.COMPLETED)) == 1 and owed(order) == 1


def test_only_the_buyer_staff_who_ship_or_the_system_may_complete(buyer, other_buyer, cs1_user, cs2_user, product):
    order = shipped(buyer, product)

    for stranger in (other_buyer, cs1_user):
        with pytest.raises(ActionNotAllowed):
            complete_order(order, stranger)
    assert Order.objects.get(pk=order.pk).status == Status.SHIPPED

    complete_order(order, cs2_user)
    assert Order.objects.get(pk=order.pk).status == Status.COMPLETED


def test_an_order_not_shipped_cannot_be_completed(buyer, product):
    order = processed_order(buyer, (product, 1))
    with pytest.raises(InvalidTransition):
        complete_order(order, buyer)


# --- "Pesanan diterima" ------------------------------------------------------------------------


def test_pesanan_diterima_completes_the_buyers_shipped_order(buyer, product, no_tracking):
    order = shipped(buyer, product)
    client = signed_in(buyer)

    page = client.get(order_url("order_detail", order)).content.decode()
    assert "Pesanan diterima" in page and order_url("order_received", order) in page

    response = client.post(order_url("order_received", order), follow=True)

    order.refresh_from_db()
    assert order.status == Status.COMPLETED
    assert f"Terima kasih! Pesanan {order.number} sudah selesai." in messages_of(response)
    assert "Pesanan diterima</button>" not in response.content.decode()  # no button on a completed order
    assert OrderEvent.objects.filter(order=order, to_status=Status.COMPLETED).get().actor == buyer


def test_pesanan_diterima_twice_says_so_and_changes_nothing(buyer, product, no_tracking):
    order = shipped(buyer, product)
    client = signed_in(buyer)

    client.post(order_url("order_received", order))
    response = client.post(order_url("order_received", order), follow=True)

    assert f"Pesanan {order.number} sudah selesai sebelumnya." in messages_of(response)
    assert OrderEvent.objects.filter(order=order, to_status=Status.COMPLETED).count() == 1 and owed(order) == 1


def test_pesanan_diterima_before_shipping_is_refused_with_a_clear_message(buyer, product, no_tracking):
    order = processed_order(buyer, (product, 1))

    response = signed_in(buyer).post(order_url("order_received", order), follow=True)

    assert Order.objects.get(pk=order.pk).status == Status.PROCESSED
    assert any("tidak dapat diselesaikan" in message for message in messages_of(response))


def test_pesanan_diterima_is_for_the_buyers_own_order_by_post_with_csrf(buyer, other_buyer, product, no_tracking):
    order = shipped(buyer, product)
    url = order_url("order_received", order)

    assert signed_in(other_buyer).post(url).status_code == 404
    assert signed_in(buyer).get(url).status_code == 405
    anonymous = Client().post(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("account_login"))
    assert signed_in(buyer, Client(enforce_csrf_checks=True)).post(url).status_code == 403
    assert Order.objects.get(pk=order.pk).status == Status.SHIPPED


# --- The schedule: days ---------------------------------------------------------------------------


def test_the_schedule_exists_after_migrate():
    schedule = Schedule.objects.get(name="Lacak paket & selesaikan pesanan")
    assert schedule.func == "shop.services.orders.auto_complete_orders"
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 60 and schedule.repeats == -1


def test_orders_shipped_more_than_auto_complete_days_ago_complete_by_themselves(
    buyer, product, no_tracking, settings, sync_tasks, django_capture_on_commit_callbacks
):
    settings.AUTO_COMPLETE_DAYS = 7
    old = shipped(buyer, product, days_ago=7)
    recent = shipped(buyer, product, days_ago=6)
    processed = processed_order(buyer, (product, 1))

    with django_capture_on_commit_callbacks(execute=True):
        assert auto_complete_orders() == 1
    assert auto_complete_orders() == 0  # a second run finds nothing more

    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {old.pk: Status.COMPLETED, recent.pk: Status.SHIPPED, processed.pk: Status.PROCESSED}
    event = OrderEvent.objects.filter(order=old, to_status=Status.COMPLETED).get()
    assert (event.actor, event.from_status) == (None, Status.SHIPPED)
    assert event.note == "Selesai otomatis: 7 hari sejak paket dikirim." and event.created_at is not None
    [message] = completion_mails(old)
    assert message.to == [old.email or buyer.email] and owed(old) == 1 and not completion_mails(recent)
    assert "Selesai otomatis: 7 hari sejak paket dikirim." in message.body and "hubungi kami" in message.body


def test_now_decides_what_is_overdue_and_batches_take_every_order(buyer, product, no_tracking):
    orders = [shipped(buyer, product) for _ in range(5)]

    assert auto_complete_orders(now=timezone.now() + timedelta(days=7, minutes=1), batch_size=2) == 5

    assert set(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("status", flat=True)) == {
        Status.COMPLETED
    }
    assert OrderEvent.objects.filter(to_status=Status.COMPLETED).count() == 5
    assert Notification.objects.filter(kind=Notification.Kind.COMPLETED).count() == 5


def test_a_parcel_in_trouble_never_completes_by_the_days(buyer, product, no_tracking):
    order = shipped(buyer, product, days_ago=30)
    Order.objects.filter(pk=order.pk).update(tracking_state=ParcelState.PROBLEM)

    assert auto_complete_orders() == 0
    assert Order.objects.get(pk=order.pk).status == Status.SHIPPED


# --- The schedule: the courier's word ----------------------------------------------------------


def test_a_parcel_reported_delivered_completes_its_order(buyer, product, api):
    order = shipped(buyer, product)
    binderbyte_api.answer(api, binderbyte_api.tracked())

    assert auto_complete_orders() == 1

    order.refresh_from_db()
    assert order.status == Status.COMPLETED
    assert (order.tracking_state, order.tracking_status) == (ParcelState.DELIVERED, "DELIVERED")
    assert order.tracking_checked_at is not None
    event = OrderEvent.objects.filter(order=order, to_status=Status.COMPLETED).get()
    assert event.actor is None
    assert event.note == "Selesai otomatis: paket diterima menurut JNE (DELIVERED). Penerima: BUDI SANTOSO."
    assert owed(order) == 1
    assert binderbyte_api.asked(api)[0] == {"api_key": binderbyte_api.API_KEY, "courier": "jne", "awb": JNE_AWB}


def test_a_parcel_on_its_way_is_recorded_and_its_order_stays_shipped(buyer, product, api):
    order = shipped(buyer, product, "SiCepat", SICEPAT_AWB)
    binderbyte_api.answer(api, binderbyte_api.sparse())

    assert auto_complete_orders() == 0

    order.refresh_from_db()
    assert (order.status, order.tracking_state, order.tracking_status) == (
        Status.SHIPPED,
        ParcelState.IN_TRANSIT,
        "ON PROCESS",
    )
    assert transitions(order)[-1] == (Status.PROCESSED, Status.SHIPPED)  # nothing written to the history


@pytest.mark.parametrize("status", ["HILANG", "RETURN", "RETURN TO SHIPPER"])
def test_a_lost_or_returned_parcel_is_flagged_for_cs_once(buyer, product, api, status):
    order = shipped(buyer, product, "J&T Express", JNT_AWB)
    binderbyte_api.answer(api, binderbyte_api.problem(status))
    now = timezone.now()

    assert auto_complete_orders(now=now) == 0
    auto_complete_orders(now=now + timedelta(hours=7))  # due again later: still lost, not flagged twice

    order.refresh_from_db()
    assert order.status == Status.SHIPPED and order.tracking_state == ParcelState.PROBLEM
    assert order.needs_attention
    assert order.attention_note.startswith(f"Paket bermasalah menurut J&T Express: {status} (")
    flags = OrderEvent.objects.filter(order=order, from_status=Status.SHIPPED, to_status=Status.SHIPPED)
    assert flags.count() == 1 and flags.get().actor is None and status in flags.get().note
    # Never completed by the days while in trouble.
    assert auto_complete_orders(now=now + timedelta(days=30)) == 0


def test_the_schedule_asks_a_bounded_number_per_run_longest_shipped_first(buyer, product, api, settings):
    settings.TRACKING_ORDERS_PER_RUN = 2
    newest = shipped(buyer, product, awb="CGK0000000003", days_ago=1)
    oldest = shipped(buyer, product, awb="CGK0000000001", days_ago=3)
    middle = shipped(buyer, product, awb="CGK0000000002", days_ago=2)
    for awb in ("CGK0000000001", "CGK0000000002", "CGK0000000003"):
        binderbyte_api.answer(api, binderbyte_api.tracked(awb, status="ON PROCESS"))
    now = timezone.now()

    auto_complete_orders(now=now)
    assert [asked["awb"] for asked in binderbyte_api.asked(api)] == ["CGK0000000001", "CGK0000000002"]

    auto_complete_orders(now=now + timedelta(minutes=60))  # the next hour: the one left waiting, not the same two
    assert [asked["awb"] for asked in binderbyte_api.asked(api)][2:] == ["CGK0000000003"]
    checked = dict(Order.objects.values_list("pk", "tracking_checked_at"))
    assert checked[oldest.pk] == checked[middle.pk] == now and checked[newest.pk] == now + timedelta(minutes=60)


def test_an_unknown_number_or_an_unreadable_answer_is_passed_over_and_the_run_goes_on(buyer, product, api):
    first = shipped(buyer, product, awb="CGK0000000001", days_ago=3)
    second = shipped(buyer, product, awb="CGK0000000002", days_ago=2)
    third = shipped(buyer, product, awb="CGK0000000003", days_ago=1)
    binderbyte_api.answer(api, binderbyte_api.INVALID_AWB, status=404)
    binderbyte_api.answer(api, {"status": 200, "message": "ok", "data": None})
    binderbyte_api.answer(api, binderbyte_api.tracked("CGK0000000003"))

    assert auto_complete_orders() == 1

    states = {o.pk: (o.status, o.tracking_state, o.tracking_checked_at is not None) for o in Order.objects.all()}
    assert states[first.pk] == (Status.SHIPPED, "", True)  # asked: waits its turn again
    assert states[second.pk] == (Status.SHIPPED, "", True)
    assert states[third.pk] == (Status.COMPLETED, ParcelState.DELIVERED, True)


def test_binderbyte_out_of_reach_ends_the_asking_but_not_the_days(buyer, product, api):
    overdue = shipped(buyer, product, awb="CGK0000000001", days_ago=8)
    waiting = [shipped(buyer, product, awb=f"CGK000000001{n}", days_ago=1) for n in range(4)]
    binderbyte_api.answer_timeout(api)
    binderbyte_api.answer_html(api)
    binderbyte_api.answer_timeout(api)

    assert auto_complete_orders() == 1

    assert len(api.calls) == 3  # three failures in a row, and the run stopped asking
    assert Order.objects.get(pk=overdue.pk).status == Status.COMPLETED
    # Not counted as asked: the next run asks after them first.
    assert not Order.objects.filter(pk__in=[o.pk for o in waiting], tracking_checked_at__isnull=False).exists()


def test_a_refused_key_ends_the_asking_at_once(buyer, product, api):
    for n in range(3):
        shipped(buyer, product, awb=f"CGK000000000{n}")
    binderbyte_api.answer(api, binderbyte_api.INVALID_KEY, status=401)

    assert auto_complete_orders() == 0

    assert len(api.calls) == 1
    assert not Order.objects.filter(tracking_checked_at__isnull=False).exists()


def test_a_courier_binderbyte_cannot_track_is_not_asked_about(buyer, product, api):
    order = shipped(buyer, product, "Kurir Toko", "KT-001")

    assert auto_complete_orders() == 0

    assert len(api.calls) == 0
    assert Order.objects.get(pk=order.pk).tracking_checked_at is not None


def test_a_report_for_an_order_that_moved_on_changes_nothing(buyer, product, api):
    order = shipped(buyer, product)
    binderbyte_api.answer(api, binderbyte_api.tracked())
    report = tracking.report_for("jne", JNE_AWB)
    complete_order(order, buyer)
    events = OrderEvent.objects.count()

    assert record_parcel(order, report) == 0
    assert OrderEvent.objects.count() == events and owed(order) == 1
    assert Order.objects.get(pk=order.pk).tracking_state == ""


def test_the_buyers_perbarui_records_a_delivery_and_completes_the_order(buyer, product, api, settings):
    settings.TRACKING_REFRESH_MINUTES = 0
    order = shipped(buyer, product)
    binderbyte_api.answer(api, binderbyte_api.tracked(status="ON PROCESS"), binderbyte_api.tracked())
    client = signed_in(buyer)
    assert "ON PROCESS" in client.get(order_url("order_detail", order)).content.decode()

    response = client.post(order_url("order_tracking_refresh", order), follow=True)

    assert "Status paket diperbarui." in messages_of(response)
    order.refresh_from_db()
    assert order.status == Status.COMPLETED and order.tracking_state == ParcelState.DELIVERED


def test_a_factory_order_can_still_be_placed(buyer, product):
    # The new columns have defaults: checkout writes none of them.
    order = factories.order(buyer, (product, 1))
    assert (order.tracking_state, order.tracking_status, order.tracking_checked_at) == ("", "", None)
