"""Delivery exactly once per channel, even when the worker is killed in the middle of a run.

A real worker process delivers through a recording email backend and a replayed WhatsApp Cloud
API (tests/notifications/recording_worker.py), blocks in the middle of a send, and is killed
with SIGKILL; a second worker then delivers the rest.
"""

import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from shop.models import Notification
from tests import factories
from tests.integrations import cloud_api as recorded
from tests.notifications.conftest import OWNER_EMAIL, OWNER_WHATSAPP

ROOT = Path(__file__).resolve().parents[2]
ORDER_NUMBER = re.compile(r"TK-\d{8}-\d{4}")


def database_url():
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(tmp_path, block_at=0):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "tokoku.settings",
        "TOKOKU_TESTING": "1",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url(),
        "EMAIL_BACKEND": "tests.notifications.recording_worker.RecordingEmailBackend",
        "WHATSAPP_TOKEN": "EAAG-test-token",
        "WHATSAPP_PHONE_NUMBER_ID": recorded.PHONE_NUMBER_ID,
        "WHATSAPP_OWNER_NUMBER": OWNER_WHATSAPP,
        "WHATSAPP_API_VERSION": "v23.0",
        "WHATSAPP_TEMPLATE": "",
        "RECORD_FILE": str(tmp_path / "handed.jsonl"),
        "BLOCKED_FILE": str(tmp_path / "blocked"),
        "BLOCK_AT": str(block_at),
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", "from tests.notifications.recording_worker import run; run()"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def handed_over(tmp_path):
    record = tmp_path / "handed.jsonl"
    lines = record.read_text(encoding="utf-8").splitlines() if record.exists() else []
    return [json.loads(line) for line in lines]


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


def other_open_transactions():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%%'"
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_in_the_middle_of_a_send_leaves_each_message_sent_once_per_channel(
    buyer, product, store_email, whatsapp_on, tmp_path
):
    orders = [factories.order(buyer, (product, 1)) for _ in range(4)]
    owed = Counter()
    for order in orders:  # the buyer's email, the owner's email and the owner's WhatsApp
        owed.update([("email", order.email, order.number), ("email", OWNER_EMAIL, order.number)])
        owed.update([("whatsapp", OWNER_WHATSAPP, order.number)])
    assert Notification.objects.count() == sum(owed.values()) == 12

    first = start_worker(tmp_path, block_at=6)
    try:
        wait_for(lambda: (tmp_path / "blocked").exists() or first.poll() is not None, 90, "the worker to block")
        assert first.poll() is None, first.communicate()[1]
        assert len(handed_over(tmp_path)) == 5
    finally:
        first.kill()  # SIGKILL: no handler, no rollback from the worker's side
        first.communicate(timeout=30)
    assert first.returncode == -9
    # PostgreSQL ends the dead worker's transaction, and with it the lock on the row it was sending.
    wait_for(lambda: other_open_transactions() == 0, 30, "the killed worker's transaction to end")

    second = start_worker(tmp_path)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert out.splitlines()[-1] == "sent 7"

    handed = Counter((m["channel"], m["to"], ORDER_NUMBER.search(m["text"]).group()) for m in handed_over(tmp_path))
    assert handed == owed, f"sent twice: {handed - owed}, never: {owed - handed}"
    rows = Notification.objects.values_list("sent_at", "attempts", "last_error")
    assert all(sent_at and attempts == 1 and not error for sent_at, attempts, error in rows)
