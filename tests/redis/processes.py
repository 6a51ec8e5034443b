"""The processes of tests/redis: a private redis-server, and the shop's web servers and task workers
started as a deployment starts them, against the test database and a Redis.

Each shop process reads tokoku/settings.py from its environment (TOKOKU_TESTING=1, DATABASE_URL of the
test database, REDIS_URL), runs in a session of its own so that stopping it reaches its children and
nothing else, and writes its log to a file in the test's tmp_path, which a failing test shows.
"""

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote

import redis
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or next(
    (path for path in ("/usr/bin/redis-server", "/usr/sbin/redis-server") if Path(path).exists()), ""
)
SETTINGS_READ = (
    "import json, tokoku.settings as s; print(json.dumps({'CACHES': s.CACHES, 'SESSION_ENGINE': "
    "getattr(s, 'SESSION_ENGINE', None), 'Q_CLUSTER': s.Q_CLUSTER, 'DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS': "
    "getattr(s, 'DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS', None)}))"
)
# Outside services stay off in every process a test starts: the test's network guard is not there.
SERVICES_OFF = dict.fromkeys(
    (
        "TRIPAY_MERCHANT_CODE",
        "TRIPAY_API_KEY",
        "TRIPAY_PRIVATE_KEY",
        "KOMERCE_API_KEY",
        "BINDERBYTE_API_KEY",
        "WHATSAPP_TOKEN",
        "MEILISEARCH_URL",
        "POSTHOG_KEY",
        "GOOGLE_CLIENT_ID",
    ),
    "",
)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, seconds, what, log=None):
    """Waits until condition() is true and returns its value; fails naming `what` (and showing the
    end of `log`, a process's log file) when it is not true within `seconds`."""
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise AssertionError(f"gave up waiting for {what}" + (f"\n--- {log.name} ---\n{tail}" if tail else ""))
        time.sleep(0.1)
    return result


def settings_with(**environment):
    """What tokoku/settings.py chooses, imported in a fresh process with `environment` and no other
    REDIS_URL or Q_USE_REDIS than given."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "Q_USE_REDIS")}
    env.update(TOKOKU_TESTING="1", **environment)
    out = subprocess.run(
        [sys.executable, "-c", SETTINGS_READ], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


class RedisServer:
    """A redis-server of the test's own on a free loopback port, nothing saved to disk; stop() and
    start() keep the port, so every process configured with `url` finds it again."""

    def __init__(self, workdir):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process = None

    def start(self):
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            [*command, "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        wait_for(self.answers, 20, f"redis-server on port {self.port} to answer")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None

    def answers(self):
        assert self.process.poll() is None, f"redis-server on port {self.port} exited with {self.process.returncode}"
        try:
            return self.client().ping()
        except redis.ConnectionError:
            return False

    def client(self):
        return redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=5)


ORDER_NUMBER = re.compile(r"TK-\d{8}-\d{4}")


def handed(worker):
    """(recipient, order number) of each message the workers handed to the mail server, in order
    (tests.notifications.recording_worker.RecordingEmailBackend writes them to `worker.record`)."""
    lines = worker.record.read_text(encoding="utf-8").splitlines() if worker.record.exists() else []
    return [(m["to"], ORDER_NUMBER.search(m["text"]).group()) for m in map(json.loads, lines)]


# --- The shop's own processes ------------------------------------------------------------------


def database_url():
    """The test database, for processes of their own (PostgreSQL: the tests that start them are marked so)."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def shop_environment(redis_url, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(SERVICES_OFF)
    env.update(
        DJANGO_SETTINGS_MODULE="tokoku.settings",
        TOKOKU_TESTING="1",
        PYTHONPATH=str(ROOT),
        DATABASE_URL=database_url(),
        REDIS_URL=redis_url,
        PAGE_CACHE_SECONDS="60",
        **extra,
    )
    return env


class ShopProcess:
    def __init__(self, name, command, env, workdir):
        self.name = name
        self.log = workdir / f"{name}.log"
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def logged(self, text):
        return self.log.read_text(errors="replace").count(text)

    def stop(self):
        """SIGKILL to the process and its children (its session): the test is over, nothing to finish."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def start_worker(name, redis_url, workdir, **extra):
    """`manage.py qcluster`, as README's deployment runs it, on the Redis broker."""
    env = shop_environment(redis_url, Q_WORKERS="2", **extra)
    return ShopProcess(name, [sys.executable, "manage.py", "qcluster"], env, workdir)


def start_web(name, redis_url, workdir):
    """gunicorn serving tokoku.wsgi on a free loopback port `.port` (one sync worker); wait_until_answering().
    Web only, as on a web server of several: the tests start the task workers they want themselves."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "gunicorn"), "tokoku.wsgi:application"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60", "--chdir", str(ROOT)]
    web = ShopProcess(name, command, shop_environment(redis_url, TASKS_IN_WEB="false"), workdir)
    web.port = port
    return web


def wait_until_answering(web):
    def answering():
        assert web.process.poll() is None, f"{web.name} exited:\n{web.log.read_text(errors='replace')[-3000:]}"
        try:
            with socket.create_connection(("127.0.0.1", web.port), timeout=1):
                return True
        except OSError:
            return False

    wait_for(answering, 90, f"{web.name} to answer on port {web.port}", web.log)


def request(web, method, path, body=None, cookies=None, headers=None):
    """One real HTTP request to `web`; (status, headers, text). Redirects are not followed. Every
    server is asked for the same host, as behind the proxy of a deployment: cached pages are kept by host."""
    client = http.client.HTTPConnection("127.0.0.1", web.port, timeout=60)
    sent = {"Host": "localhost", **(headers or {})}
    if cookies:
        sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    if body is not None:
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        client.request(method, path, body=body, headers=sent)
        response = client.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        client.close()


def cookies_set(headers):
    """The cookies a response sets: {name: value}."""
    jar = SimpleCookie()
    for header in headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}
