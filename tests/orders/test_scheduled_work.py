"""Scheduled work and notifications: the expiry schedule, the cron command, emails sent after commit."""

import io
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django_q.models import Schedule, Task
from django_q.tasks import async_task

from shop.core.schedules import SCHEDULES, ensure_schedules
from shop.models import Notification, Order, OrderEvent
from shop.services.orders import (
    cancel_order,
    confirm_payment,
    expire_unpaid_orders,
    reject_payment,
    ship_order,
    submit_payment_proof,
)
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
Status = Order.Status


@pytest.mark.django_db
def test_the_expiry_schedule_exists_after_migrate():
    schedule = Schedule.objects.get(func="shop.services.orders.expire_unpaid_orders")
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 5 and schedule.repeats == -1


@pytest.mark.django_db
def test_setting_up_schedules_twice_makes_no_duplicate():
    call_command("setup_schedules", stdout=io.StringIO())
    ensure_schedules(Schedule)
    for spec in SCHEDULES:
        assert Schedule.objects.filter(name=spec["name"]).count() == 1


@pytest.mark.django_db
def test_the_cron_command_expires_overdue_orders(buyer, product):
    order = factories.order(buyer, (product, 1))
    Order.objects.filter(pk=order.pk).update(payment_deadline=order.created_at - timedelta(minutes=1))
    out = _Output()
    call_command("expire_orders", stdout=out)
    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert "1 pesanan dibatalkan" in out.text


@pytest.mark.django_db
@pytest.mark.parametrize("minutes, expired", [(24 * 60 - 1, False), (24 * 60 + 1, True)])
def test_the_window_edges(buyer, product, settings, minutes, expired):
    settings.PAYMENT_WINDOW_HOURS = 24
    order = factories.order(buyer, (product, 1))
    assert expire_unpaid_orders(now=order.created_at + timedelta(minutes=minutes)) == int(expired)
    order.refresh_from_db()
    assert (order.status == Status.CANCELLED) is expired


@pytest.mark.django_db
def test_expiry_touches_only_unpaid_and_unverified_orders_and_no_stock(buyer, product):
    unpaid = factories.order(buyer, (product, 1))
    waiting = factories.order(buyer, (product, 1))
    submit_payment_proof(waiting, buyer, factories.proof_file())
    processed = factories.order(buyer, (product, 1))
    submit_payment_proof(processed, buyer, factories.proof_file())
    confirm_payment(processed, None)
    shipped = factories.order(buyer, (product, 1))
    submit_payment_proof(shipped, buyer, factories.proof_file())
    confirm_payment(shipped, None)
    ship_order(shipped, None, "jne", "JNE123")
    product.refresh_from_db()
    stock_before = product.stock
    later = unpaid.created_at + timedelta(hours=25)
    assert expire_unpaid_orders(now=later) == 2
    assert expire_unpaid_orders(now=later) == 0  # a second run cancels nothing
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {
        unpaid.pk: Status.CANCELLED,
        waiting.pk: Status.CANCELLED,
        processed.pk: Status.PROCESSED,
        shipped.pk: Status.SHIPPED,
    }
    product.refresh_from_db()
    assert product.stock == stock_before
    event = OrderEvent.objects.filter(order=unpaid, to_status=Status.CANCELLED).get()
    assert event.actor is None and event.from_status == Status.PENDING_PAYMENT


@pytest.mark.django_db
def test_each_step_sends_its_email_to_the_buyer(buyer, product, sync_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = factories.order(buyer, (product, 1))
    assert [m.to for m in mail.outbox] == [[order.email or buyer.email]]
    assert order.number in mail.outbox[0].subject and "Rp" in mail.outbox[0].body
    assert mail.outbox[0].alternatives  # an HTML part as well as plain text

    steps = [
        (lambda: submit_payment_proof(order, buyer, factories.proof_file()), None),
        (lambda: reject_payment(order, None, "Nominal tidak sesuai"), "Nominal tidak sesuai"),
        (lambda: submit_payment_proof(order, buyer, factories.proof_file()), None),
        (lambda: confirm_payment(order, None), "kuitansi"),
        (lambda: ship_order(order, None, "jne", "JNE0001"), "JNE0001"),
    ]
    for step, expected in steps:
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            step()
        if expected is None:
            assert len(mail.outbox) == before
        else:
            assert len(mail.outbox) == before + 1
            message = mail.outbox[-1]
            assert expected.lower() in (message.subject + message.body).lower()


@pytest.mark.django_db
def test_a_cancelled_order_tells_the_buyer_why(buyer, product, sync_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = factories.order(buyer, (product, 1))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order, buyer, "Salah pilih ukuran")
    assert len(mail.outbox) == 1 and "Salah pilih ukuran" in mail.outbox[0].body


@pytest.mark.django_db
def test_the_owner_hears_of_a_new_order_by_email(buyer, product, sync_tasks, django_capture_on_commit_callbacks):
    from wagtail.models import Site

    from home.models import StoreSettings

    store = StoreSettings.for_site(Site.objects.get(is_default_site=True))
    store.email = "pemilik@toko.com"
    store.save()
    with django_capture_on_commit_callbacks(execute=True):
        order = factories.order(buyer, (product, 1))
    owner_mail = [m for m in mail.outbox if m.to == ["pemilik@toko.com"]]
    assert len(owner_mail) == 1 and order.number in owner_mail[0].subject


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rolled_back_change_sends_nothing(buyer, product, sync_tasks):
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.order(buyer, (product, 1))
        raise RuntimeError("checkout failed after the order was written")
    assert Order.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_failed_send_does_not_break_the_order(buyer, product, settings, django_capture_on_commit_callbacks):
    # Not in sync mode: the task is only queued; the order is placed whatever the mail server does.
    settings.EMAIL_BACKEND = "tests.helpers.BrokenEmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        order = factories.order(buyer, (product, 1))
    assert Order.objects.get(pk=order.pk).status == Status.PENDING_PAYMENT


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_qcluster_worker_runs_a_task_end_to_end(buyer, product, tmp_path):
    """A `manage.py qcluster` process takes a queued delivery run from the ORM broker and sends what the order owes."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a database it can share with the test: PostgreSQL")
    order = factories.order(buyer, (product, 1))
    Task.objects.all().delete()
    async_task("shop.notifications.outbox.deliver_notifications", task_name="e2e-email")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DATABASE_URL": url,
        "DEBUG": "true",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path),
        "Q_WORKERS": "1",
    }
    settings_code = "from tokoku.settings import *\nEMAIL_FILE_PATH = __import__('os').environ['EMAIL_FILE_PATH']\n"
    (tmp_path / "qsettings.py").write_text(settings_code)
    env["PYTHONPATH"] = f"{tmp_path}{os.pathsep}{ROOT}"
    env["DJANGO_SETTINGS_MODULE"] = "qsettings"
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not Task.objects.filter(name="e2e-email").exists():
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    task = Task.objects.get(name="e2e-email")
    assert task.success, task.result
    sent = [p.read_text() for p in tmp_path.glob("*.log")]
    assert sent and order.number in sent[0]
    assert not Notification.objects.filter(order=order, sent_at__isnull=True).exists()


class _Output:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass
