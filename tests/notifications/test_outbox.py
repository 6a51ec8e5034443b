"""The notification outbox: every change owes its message in its own transaction; delivery sends
each once, retries failures, and loses nothing when the task queue is down."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, connections
from django_q.brokers import get_broker
from django_q.models import Schedule

from shop.models import Notification, Order
from shop.notifications import outbox as notifications
from shop.notifications.outbox import MAX_ATTEMPTS, deliver_notifications
from shop.services.orders import (
    cancel_order,
    confirm_payment,
    expire_unpaid_orders,
    reject_payment,
    ship_order,
    submit_payment_proof,
)
from tests import factories

Kind = Notification.Kind


def owed(order):
    return list(Notification.objects.filter(order=order).order_by("pk").values_list("kind", flat=True))


@pytest.mark.django_db
def test_each_change_owes_its_message_before_anything_is_sent(buyer, product, cs1_user, cs2_user, store_email):
    order = factories.order(buyer, (product, 1))
    assert owed(order) == [Kind.PLACED, Kind.OWNER_NEW_ORDER]
    submit_payment_proof(order, buyer, factories.proof_file())
    reject_payment(order, cs1_user, "Nominal tidak sesuai")
    submit_payment_proof(order, buyer, factories.proof_file())
    confirm_payment(order, cs1_user)
    confirm_payment(order, cs1_user)  # a repeat owes nothing more
    ship_order(order, cs2_user, "JNE", "JNE0001")
    assert owed(order) == [Kind.PLACED, Kind.OWNER_NEW_ORDER, Kind.REJECTED, Kind.PAID, Kind.SHIPPED]
    assert mail.outbox == [] and not Notification.objects.filter(sent_at__isnull=False).exists()


@pytest.mark.django_db
def test_delivery_sends_each_message_once(buyer, product):
    order = factories.order(buyer, (product, 1))
    cancel_order(order, buyer, "Salah pilih ukuran")
    assert deliver_notifications() == 2  # placed, cancelled: the owner has no channel set, so is owed nothing
    assert [m.subject for m in mail.outbox] == [
        f"Pesanan {order.number} diterima — selesaikan pembayaran",
        f"Pesanan {order.number} dibatalkan",
    ]
    assert "Salah pilih ukuran" in mail.outbox[1].body
    assert deliver_notifications() == 0 and len(mail.outbox) == 2
    assert set(Notification.objects.values_list("attempts", "last_error")) == {(1, "")}


@pytest.mark.django_db
def test_a_queue_that_is_down_loses_no_message(buyer, product, monkeypatch, django_capture_on_commit_callbacks):
    def queue_down(*args, **kwargs):
        raise ConnectionRefusedError("Redis down")

    monkeypatch.setattr(notifications, "async_task", queue_down)
    with django_capture_on_commit_callbacks(execute=True):
        order = factories.order(buyer, (product, 1))  # the buyer's checkout does not fail
    assert Order.objects.filter(pk=order.pk).exists()
    assert deliver_notifications() == 1  # the scheduled run finds what the kick could not queue
    assert [m.to for m in mail.outbox] == [[order.email]]


@pytest.mark.django_db
def test_a_failed_send_is_tried_again_by_later_runs_then_given_up(buyer, product, settings):
    order = factories.order(buyer, (product, 1))
    Notification.objects.filter(order=order, kind=Kind.OWNER_NEW_ORDER).delete()
    settings.EMAIL_BACKEND = "tests.helpers.BrokenEmailBackend"
    for _run in range(MAX_ATTEMPTS + 2):
        assert deliver_notifications() == 0
    notification = Notification.objects.get(order=order)
    assert notification.sent_at is None and notification.attempts == MAX_ATTEMPTS
    assert "SMTP down" in notification.last_error
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING_PAYMENT


@pytest.mark.django_db
def test_a_failed_send_does_not_hold_up_the_others(buyer, product, settings, monkeypatch):
    first = factories.order(buyer, (product, 1))
    second = factories.order(buyer, (product, 1))
    real_send = notifications.send_buyer_email

    def fails_for_the_first(order_id, kind):
        if order_id == first.pk:
            raise ConnectionRefusedError("SMTP down")
        return real_send(order_id, kind)

    monkeypatch.setattr(notifications, "send_buyer_email", fails_for_the_first)
    deliver_notifications()
    assert [m.subject for m in mail.outbox] == [f"Pesanan {second.number} diterima — selesaikan pembayaran"]
    assert Notification.objects.get(order=first, kind=Kind.PLACED).sent_at is None


@pytest.mark.django_db
def test_expiry_owes_each_buyer_one_email(buyer, product):
    orders = [factories.order(buyer, (product, 1)) for _ in range(3)]
    Notification.objects.all().delete()
    later = orders[-1].created_at + timedelta(hours=25)
    assert expire_unpaid_orders(now=later, batch_size=2) == 3
    assert sorted(Notification.objects.values_list("order_id", "kind")) == [(o.pk, Kind.CANCELLED) for o in orders]
    assert deliver_notifications() == 3 and len(mail.outbox) == 3


@pytest.mark.django_db
def test_many_changes_queue_one_delivery_until_it_runs(buyer, product, django_capture_on_commit_callbacks):
    broker = get_broker()
    before = broker.queue_size()
    with django_capture_on_commit_callbacks(execute=True):
        factories.order(buyer, (product, 1))
    with django_capture_on_commit_callbacks(execute=True):
        factories.order(buyer, (product, 1))
    assert broker.queue_size() == before + 1
    deliver_notifications()  # the worker starts the run: the next change queues a new one
    with django_capture_on_commit_callbacks(execute=True):
        factories.order(buyer, (product, 1))
    assert broker.queue_size() == before + 2


@pytest.mark.django_db
def test_the_delivery_schedule_exists_after_migrate():
    schedule = Schedule.objects.get(func="shop.notifications.outbox.deliver_notifications")
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 1 and schedule.repeats == -1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite has no row locks; run on PostgreSQL or MariaDB")
def test_two_delivery_runs_at_once_send_each_message_once(buyer, product, store_email):
    for _ in range(20):
        factories.order(buyer, (product, 1))
    barrier = threading.Barrier(2)
    sent = []

    def run():
        try:
            barrier.wait(10)
            sent.append(deliver_notifications())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(sent) == 40 and len(mail.outbox) == 40  # each order: the buyer's email and the owner's
    assert len({message.subject for message in mail.outbox}) == 40
    assert not Notification.objects.filter(sent_at__isnull=True).exists()
