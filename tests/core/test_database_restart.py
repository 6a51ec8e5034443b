"""PostgreSQL restarted under a running shop (issue 11, faults survived).

A private PostgreSQL cluster (initdb in a temporary folder, a spare port) serves a real gunicorn,
a real `manage.py qcluster` worker and a process placing orders. The cluster is restarted in
the middle. The web process answers again by itself within seconds (CONN_HEALTH_CHECKS drops the
dead connection), no order is left half-written, and every email the orders owe is sent exactly
once.
"""

import email
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from email.header import decode_header, make_header
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = (
    next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)
    if Path("/usr/lib/postgresql").exists()
    else None
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(BIN is None or not (BIN / "initdb").exists(), reason="needs PostgreSQL's server binaries"),
]

SETTINGS = """
from tokoku.settings import *
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = __import__("os").environ["EMAIL_FILE_PATH"]
ALLOWED_HOSTS = ["127.0.0.1"]
"""

SEED = """
import django
django.setup()
from django.contrib.auth import get_user_model
from shop.models import Product
from shop.services.stock import set_opening_stock
get_user_model().objects.create_user(username="pembeli@example.com", email="pembeli@example.com")
product = Product.objects.create(sku="KOPI-1", name="Kopi Gayo", slug="kopi-gayo", price=50_000, weight_grams=250)
set_opening_stock(product, 100_000)
"""

# A buyer checking out again and again, as long as the file `stop` does not exist.
CHECKOUTS = """
import os, time, django
django.setup()
from django.contrib.auth import get_user_model
from django.db import close_old_connections
from shop.models import Product
from shop.services.orders import place_order
buyer = get_user_model().objects.get(email="pembeli@example.com")
placed = failed = 0
while not os.path.exists(os.environ["STOP"]):
    close_old_connections()  # what Django does at the start of every request
    try:
        product = Product.objects.get(sku="KOPI-1")
        place_order(
            buyer,
            items=[{"product_id": product.pk, "quantity": 1 + placed % 3, "unit_price": product.price}],
            address={"recipient_name": "Siti", "phone": "081234567890", "email": "siti@example.com",
                     "province": "DIY", "city": "Sleman", "district": "Ngaglik", "postal_code": "55581",
                     "street": "Jl. Kaliurang"},
            shipping={"courier": "JNE", "service": "REG", "cost": 15_000},
        )
        placed += 1
    except Exception:
        failed += 1
        time.sleep(0.2)
print(placed, failed)
"""


def read_messages(log):
    """The subjects of the emails Django's file backend wrote to one file, decoded."""
    parts = log.read_text().split("-" * 79)
    return [
        str(make_header(decode_header(email.message_from_string(part.strip())["Subject"])))
        for part in parts
        if part.strip()
    ]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def as_postgres(*command):
    """Server commands refuse to run as root; run them as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *map(str, command)] if os.geteuid() == 0 else list(map(str, command))


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except Exception:
        return None


def until(check, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.25)
    return False


@pytest.fixture
def private_postgres():
    # Not under pytest's tmp_path: as root, the server runs as `postgres`, who cannot enter that.
    home = Path(tempfile.mkdtemp(prefix="tokoku-pg-"))
    data = home / "pgdata"
    data.mkdir()
    if os.geteuid() == 0:
        for path in (home, data):
            shutil.chown(path, "postgres")
    port = free_port()
    subprocess.run(
        as_postgres(BIN / "initdb", "-D", data, "-U", "postgres", "--auth=trust"), check=True, capture_output=True
    )
    control = as_postgres(
        BIN / "pg_ctl", "-D", data, "-l", home / "log", "-w", "-o", f"-p {port} -k {home} -c listen_addresses=127.0.0.1"
    )
    subprocess.run([*control, "start"], check=True, capture_output=True)
    try:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True) as admin:
            admin.execute("CREATE DATABASE shop")
        yield {"url": f"postgres://postgres@127.0.0.1:{port}/shop", "restart": [*control, "-m", "fast", "restart"]}
    finally:
        subprocess.run(as_postgres(BIN / "pg_ctl", "-D", data, "-m", "immediate", "stop"), capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


def test_the_shop_recovers_by_itself_when_postgresql_restarts(private_postgres, tmp_path):
    mail = tmp_path / "mail"
    mail.mkdir()
    (tmp_path / "restart_settings.py").write_text(SETTINGS)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))},
        "DATABASE_URL": private_postgres["url"],
        "DEBUG": "true",
        "TOKOKU_TESTING": "1",
        "EMAIL_FILE_PATH": str(mail),
        "Q_WORKERS": "1",
        # The task worker is a process of its own here (`manage.py qcluster`), as on several servers.
        "TASKS_IN_WEB": "false",
        "STOP": str(tmp_path / "stop"),
        "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}",
        "DJANGO_SETTINGS_MODULE": "restart_settings",
    }
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "-c", SEED], cwd=ROOT, env=env, check=True)
    port = free_port()
    page = f"http://127.0.0.1:{port}/keranjang/"
    gunicorn = Path(python).parent / "gunicorn"
    processes = [
        subprocess.Popen(
            [gunicorn, "tokoku.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "1", "--timeout", "30"],
            cwd=ROOT,
            env=env,
            stdout=(tmp_path / "web.log").open("w"),
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [python, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=(tmp_path / "worker.log").open("w"),
            stderr=subprocess.STDOUT,
        ),
    ]
    checkouts = subprocess.Popen([python, "-c", CHECKOUTS], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    processes.append(checkouts)
    db = psycopg.connect(private_postgres["url"].replace("postgres://", "postgresql://"), autocommit=True)
    try:
        assert until(lambda: answers(page) == 200, 60), "the shop never answered"
        assert until(lambda: db.execute("SELECT count(*) FROM shop_order").fetchone()[0] >= 20, 60)
        sent = "SELECT count(*) FROM shop_notification WHERE sent_at IS NOT NULL"
        assert until(lambda: db.execute(sent).fetchone()[0] > 0, 60), "the worker never started sending"

        subprocess.run(private_postgres["restart"], check=True, capture_output=True)
        restarted = time.monotonic()
        assert until(lambda: answers(page) == 200, 15), "the web process did not recover by itself"
        recovered_after = time.monotonic() - restarted

        db = psycopg.connect(private_postgres["url"].replace("postgres://", "postgresql://"), autocommit=True)
        before = db.execute("SELECT count(*) FROM shop_order").fetchone()[0]
        assert until(lambda: db.execute("SELECT count(*) FROM shop_order").fetchone()[0] > before + 10, 30), (
            "checkouts did not resume after the restart"
        )
        (tmp_path / "stop").touch()
        placed, _failed = map(int, checkouts.communicate(timeout=60)[0].split())

        owed = "SELECT count(*) FROM shop_notification WHERE sent_at IS NULL"
        assert until(lambda: db.execute(owed).fetchone()[0] == 0, 120), "the worker did not send what was owed"
    finally:
        (tmp_path / "stop").touch()
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)

    orders = db.execute("SELECT id, number FROM shop_order").fetchall()
    assert len(orders) == placed
    # No order half-written: each has its lines, its first history line and its emails owed.
    assert (
        db.execute(
            "SELECT count(*) FROM shop_order o WHERE NOT EXISTS (SELECT 1 FROM shop_orderline l WHERE l.order_id = o.id)"
            " OR NOT EXISTS (SELECT 1 FROM shop_orderevent e WHERE e.order_id = o.id)"
            " OR NOT EXISTS (SELECT 1 FROM shop_notification n WHERE n.order_id = o.id AND n.kind = 'placed')"
        ).fetchone()[0]
        == 0
    )
    # Every email owed went out exactly once.
    subjects = [subject for log in sorted(mail.glob("*.log")) for subject in read_messages(log)]
    numbers = [re.search(r"TK-\d{8}-\d{4}", subject).group() for subject in subjects if "diterima" in subject]
    assert sorted(numbers) == sorted(number for _pk, number in orders)
    assert recovered_after < 15
