"""Memory of the production stack under a mixed load: can one small VPS hold the shop?

    .venv/bin/python bench/memory/run.py [--duration 60] [--workers 2] [--connections 4] [--orders 3]
                                         [--variants shipped,separate,separate+q2,w1+threads4,...]
                                         [--client auto|wrk|python] [--reuse] [--keep]

Starts the stack as README's deployment runs it on one server: gunicorn serving tokoku.wsgi with sync
workers (--workers, default 2) and the project's gunicorn.conf.py (the application loaded once in the
master and shared by the workers it forks, gc.freeze() before each fork; TASKS_IN_WEB at its default,
so the master also forks the django-q2 task cluster, with its default Q_WORKERS, from the application
it loaded: tokoku/web_tasks.py). Variant `separate` runs the two trees of a deployment on several
servers instead: TASKS_IN_WEB=false and `manage.py qcluster` beside gunicorn. DEBUG off, the
production settings a fresh install has (local-memory cache, the ORM as task broker; no Redis unless
a variant asks for it), on a PostgreSQL database of its own (BENCH_MEMORY_DATABASE_URL, default
.../tokoku_h_mem_bench), created, migrated, filled by `seed_demo`, warmed up (warm_up: the pictures'
renditions exist before any variant is measured) and dropped at the end. Emails go over SMTP to a
sink in this process, so the task worker really delivers them.

For --duration seconds it serves what a shop's day looks like, over loopback: anonymous visitors
reading the home page, the catalog and its categories, product pages, search, the content pages and
the static files (wrk when installed, else a threaded Python client, from a second process); a
signed-in buyer browsing, adding to and removing from the cart, reading their orders and account, and
placing --orders orders through the real checkout; a staff member (the demo Admin) reading the Wagtail
dashboard and the order desks. The notifications of those orders are then awaited until the worker
has sent every one.

What is measured is the proportional set size (PSS, /proc/<pid>/smaps_rollup) of every process of
the stack, found as the process trees under the gunicorn master and the task cluster (the master's
child that leads a process group of its own, or the qcluster command): a page shared by n processes
counts 1/n in each, so the total counts each page once. RSS counts shared pages in every process that
maps them (gunicorn workers and the cluster's forked children share their interpreter and code), so
its sum overstates what the stack takes from the machine; it is printed
for comparison, with USS (the pages only that process has). PSS is taken after start-up, sampled
every half second during the load (its peak), and at the end. PSS also splits file pages with other
programs that map the same files (other Python processes of this venv), so the report adds the
stack's memory as if alone: anonymous PSS plus each mapped file once. Goal: at most 300 MB in total,
so that a 1 GB VPS holds the shop, PostgreSQL and Redis. The figures go to bench/results/memory.txt.

--variants measures other ways to run the same code one after another, on the same database, without
changing the project's configuration (see VARIANT_HELP); by default the shipped one tree and the two
trees of `separate` side by side. The others: gunicorn --preload, or a config of its own with the URLs
loaded and gc.freeze() in the master before it forks (both already in gunicorn.conf.py; the collector
would otherwise write to every shared object's header in each worker and so copy its page), the same
freeze in a separate qcluster, more or fewer task workers, Redis as cache and broker, worker recycling,
one threaded gunicorn worker.
"""

import argparse
import contextlib
import datetime
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.common import ROOT, write_result  # noqa: E402
from bench.memory import (  # noqa: E402
    Failed,
    MailSink,
    Sampler,
    Stack,
    alone_kb,
    children,
    parents,
    report,
    rollup,
    snapshot,
    total,
)
from bench.memory.load import Browser, rotating_client, run_load, wait_for_delivery  # noqa: E402
from bench.pages.run import (  # noqa: E402
    bench_environment,
    database_name,
    free_port,
    manage,
    recreate_database,
    server_connection,
    stop,
)

PYTHON = sys.executable
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tokoku_h_mem_bench"
WORKDIR = Path(tempfile.gettempdir()) / "tokoku_h_mem_bench"
# Every step has a ceiling (manage.py steps: bench/pages' SETUP_TIMEOUT; the load: its duration plus
# a margin; the notifications: bench/memory/load.py), so nothing stuck can hold the run.
READY_TIMEOUT = 90
WARM_UP_SECONDS = 10
VARIANT_HELP = (
    "comma-separated; each 'shipped' (gunicorn.conf.py as shipped: gunicorn's master forks the task cluster) or "
    "options joined by '+': separate (TASKS_IN_WEB=false and manage.py qcluster beside gunicorn: two process trees, "
    "as on several servers); preload (gunicorn --preload); freeze (a config of its own instead of gunicorn.conf.py: "
    "preload, the URLs loaded and gc.freeze() before forking; implies separate); qfreeze (gc.freeze() in qcluster "
    "before it forks; implies separate); qN (Q_WORKERS=N); redis (REDIS_URL to a private redis-server); recycleN "
    "(gunicorn --max-requests N); wN (N gunicorn workers); threadsN (gthread workers of N threads)"
)
# The freeze and qfreeze variants: what the parent of each fork could do before forking, measured here
# without touching the project. gc.freeze() moves every object made so far out of the collector's
# reach, so that collections in the children do not write to (and so copy) the pages they share.
GUNICORN_FREEZE = """
import gc


def pre_fork(server, worker):
    from django.urls import get_resolver

    get_resolver().url_patterns  # the views and everything they import, once, before the workers fork
    gc.freeze()
"""
QCLUSTER_FREEZE = """
import gc, os, sys
import django
from django.core.management import call_command

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tokoku.settings")
sys.argv = ["manage.py", "qcluster"]
django.setup()
gc.freeze()
call_command("qcluster")
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--connections", type=int, default=4, help="anonymous visitors' concurrent connections")
    parser.add_argument("--orders", type=int, default=3, help="orders the buyer places during the load")
    parser.add_argument("--variants", default="shipped,separate", help=VARIANT_HELP)
    parser.add_argument(
        "--client", choices=["auto", "wrk", "python"], default="auto", help="anonymous load: wrk when installed"
    )
    parser.add_argument("--reuse", action="store_true", help="use the database and files an earlier --keep left")
    parser.add_argument("--keep", action="store_true", help="keep the database and files for a later --reuse")
    parser.add_argument("--anonymous-client", nargs=4, metavar=("BASE", "SECONDS", "CONNECTIONS", "PATHS"))
    args = parser.parse_args()
    if args.anonymous_client:
        base, seconds, connections, paths = args.anonymous_client
        return rotating_client(base, json.loads(Path(paths).read_text()), int(seconds), int(connections))
    variants = [variant_options(name.strip(), parser) for name in args.variants.split(",") if name.strip()]

    load_before = os.getloadavg()
    url = os.environ.get("BENCH_MEMORY_DATABASE_URL", DEFAULT_URL)
    env = environment(url)
    try:
        prepare(url, env, args)
        measured = [measure_or_say_why(variant, env, args, url) for variant in variants]
    finally:
        if not args.keep:
            drop(url)
    text = report(measured, args, url, load_before, os.getloadavg(), machine(), now())
    print("\n" + text)
    write_result("memory", text)
    print("written to bench/results/memory.txt")
    return 1 if any(m["problems"] for m in measured) else 0


def variant_options(name, parser):
    options = {"name": name, "preload": False, "freeze": False, "qfreeze": False, "q_workers": None, "redis": False}
    options.update({"max_requests": None, "workers": None, "threads": None, "separate": False})
    for token in [] if name == "shipped" else name.split("+"):
        if token in ("preload", "freeze"):
            options["preload"] = True
            options["freeze"] = options["freeze"] or token == "freeze"
        elif token == "qfreeze":
            options["qfreeze"] = True
        elif token == "redis":
            options["redis"] = True
        elif token == "separate":
            options["separate"] = True
        elif re.fullmatch(r"q\d+", token):
            options["q_workers"] = int(token[1:])
        elif re.fullmatch(r"recycle\d+", token):
            options["max_requests"] = int(token[7:])
        elif re.fullmatch(r"w\d+", token):
            options["workers"] = int(token[1:])
        elif re.fullmatch(r"threads\d+", token):
            options["threads"] = int(token[7:])
        else:
            parser.error(f"unknown variant option {token!r} in {name!r}")
    # freeze replaces gunicorn.conf.py, which forks the cluster; qfreeze is about the qcluster command.
    options["separate"] = options["separate"] or options["freeze"] or options["qfreeze"]
    return options


# --- Setting up -----------------------------------------------------------------------------------


def environment(url):
    env = bench_environment(url)
    env.pop("Q_WORKERS", None)  # the default, unless a variant sets it
    env.pop("TASKS_IN_WEB", None)  # the default (bench/pages measures web only), unless a variant sets it
    env.update(
        {
            "MEDIA_ROOT": str(WORKDIR / "media"),
            "STATIC_ROOT": str(WORKDIR / "static"),
            "PRIVATE_MEDIA_ROOT": str(WORKDIR / "private_media"),
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_USE_TLS": "false",
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
        }
    )
    return env


def prepare(url, env, args):
    if args.reuse and (WORKDIR / "static").exists() and product_count(url):
        print(f"Reusing database {database_name(url)} and {WORKDIR}.", flush=True)
        return
    print(f"Creating database {database_name(url)} (migrate, seed_demo, collectstatic)...", flush=True)
    shutil.rmtree(WORKDIR, ignore_errors=True)
    recreate_database(url)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo", "--force")
    manage(env, "collectstatic", "--noinput")
    warm_up(env, url, args)


def warm_up(env, url, args):
    """What a shop's first visitors make once and every later visitor reuses (the pictures' renditions,
    above all): made here, by a web-only gunicorn and WARM_UP_SECONDS of the same load, so that every
    variant is measured on a shop that has been open a while. Otherwise the first variant of a run
    renders them all, in its web workers, about 10 MB more than the next variant on the same database."""
    print(f"Warming up the new shop ({WARM_UP_SECONDS} s of the load, not measured)...", flush=True)
    options = {"workers": None, "threads": None, "preload": False, "max_requests": None, "freeze": False}
    port = free_port()
    server = start_gunicorn({**env, "TASKS_IN_WEB": "false"}, port, 1, options)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", server)
        load = argparse.Namespace(duration=WARM_UP_SECONDS, orders=0, connections=2, client=args.client)
        run_load(f"http://127.0.0.1:{port}", url, load)
    finally:
        stop(server)


def product_count(url):
    try:
        with server_connection(url) as connection:
            return connection.execute("SELECT count(*) FROM shop_product").fetchone()[0]
    except Exception:
        return 0


def drop(url):
    from psycopg import sql

    with server_connection(url, "postgres") as connection:
        name = sql.Identifier(database_name(url))
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
    shutil.rmtree(WORKDIR, ignore_errors=True)


# --- The stack ------------------------------------------------------------------------------------


def start(command, env, log_name):
    WORKDIR.mkdir(parents=True, exist_ok=True)
    log = open(WORKDIR / log_name, "w")  # noqa: SIM115  (the process writes to it until stopped)
    # A session of its own, so that stopping it reaches its children and nothing else.
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def start_gunicorn(env, port, workers, options):
    command = [
        str(Path(PYTHON).parent / "gunicorn"), "tokoku.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(options["workers"] or workers),
        "--chdir", str(ROOT), "--timeout", "60", "--log-level", "warning",
    ]  # fmt: skip
    command += ["--worker-class", "gthread", "--threads", str(options["threads"])] if options["threads"] else []
    command += ["--worker-class", "sync"] if not options["threads"] else []
    if options["preload"]:
        command.append("--preload")
    if options["max_requests"]:
        command += ["--max-requests", str(options["max_requests"])]
    if options["freeze"]:
        (WORKDIR / "gunicorn_freeze.py").write_text(GUNICORN_FREEZE)
        command += ["--config", str(WORKDIR / "gunicorn_freeze.py")]
    return start(command, env, "gunicorn.log")


def start_qcluster(env, options):
    command = [PYTHON, "-c", QCLUSTER_FREEZE] if options["qfreeze"] else [PYTHON, "manage.py", "qcluster"]
    return start(command, env, "qcluster.log")


def start_redis():
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    return server, f"redis://127.0.0.1:{port}/0"


def wait_for_http(url, server):
    deadline = time.monotonic() + READY_TIMEOUT
    probe = Browser("", Counter())
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise Failed("gunicorn exited")
        if probe.get(url)[0] == 200:
            return
        time.sleep(0.5)
    raise Failed(f"gunicorn did not answer {url} within {READY_TIMEOUT} s")


def measure_or_say_why(options, env, args, url):
    try:
        return measure(options, env, args, url)
    except Failed as error:
        logs = {name: log_tail(name) for name in ("gunicorn.log", "qcluster.log")}
        print(f"[{options['name']}] not measured: {error}\n" + "\n".join(f"{n}:\n{t}" for n, t in logs.items()))
        return {
            "options": options,
            "failed": f"{error} (gunicorn.log: {logs['gunicorn.log'][-600:]!r})",
            "problems": [error],
        }


def log_tail(name, lines=15):
    try:
        return "\n".join((WORKDIR / name).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def measure(options, env, args, url):
    print(f"[{options['name']}] starting gunicorn" + (" and qcluster..." if options["separate"] else "..."), flush=True)
    sink = MailSink()
    env = {**env, "EMAIL_PORT": str(sink.port)}
    if options["separate"]:
        env["TASKS_IN_WEB"] = "false"
    if options["q_workers"]:
        env["Q_WORKERS"] = str(options["q_workers"])
    redis = None
    if options["redis"]:
        if not shutil.which("redis-server"):
            raise Failed("the redis variant needs redis-server")
        redis, env["REDIS_URL"] = start_redis()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = start_gunicorn(env, port, args.workers, options)
    qcluster = start_qcluster(env, options) if options["separate"] else None
    cluster = None
    try:
        wait_for_http(base + "/", gunicorn)
        if qcluster is None:
            cluster = forked_cluster(gunicorn.pid)
            stack = Stack(gunicorn.pid, cluster, cluster_name="qcluster (forked by master)")
        else:
            stack = Stack(gunicorn.pid, qcluster.pid)
        if not stack.settle(READY_TIMEOUT):
            raise Failed(f"qcluster did not start its workers within {READY_TIMEOUT} s")
        started = snapshot(stack)
        sampler = Sampler(stack)
        sampler.start()
        print(f"[{options['name']}] mixed load for {args.duration} s...", flush=True)
        traffic = run_load(base, url, args)
        delivery = wait_for_delivery(url, sink, traffic["orders"])
        sampler.stop()
        end = snapshot(stack)
        result = {
            "options": options,
            "started": started,
            "end": end,
            "end_total": total(end),
            "peak": max(sampler.peak, total(end)),
            "peak_rss": max(sampler.peak_rss, total(end, "Rss")),
            "peaks": sampler.peaks,
            "samples": sampler.samples,
            "alone": alone_kb(end),
            "postgres": postgres_backends(url),
            "traffic": traffic,
            "delivery": delivery,
        }
    finally:
        for process in (gunicorn, qcluster, redis):
            if process is not None:
                stop(process)
        if cluster is not None:
            # The master stops the cluster it forked; should it not have, the cluster's own process group goes.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(cluster, signal.SIGKILL)
        sink.shutdown()
    result["problems"] = traffic["problems"] + delivery["problems"]
    if traffic["orders"] and not delivery["problems"] and delivery["received"] < delivery["sent"]:
        result["problems"].append(f"the sink got {delivery['received']} emails for {delivery['sent']} sent")
    return result


def forked_cluster(master):
    """The pid of the task cluster gunicorn's master forked: the child that leads a process group of its
    own (tokoku/web_tasks.py), where the workers stay in the master's."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        for pid in children(master, parents()):
            with contextlib.suppress(ProcessLookupError):
                if os.getpgid(pid) == pid:
                    return pid
        time.sleep(0.2)
    raise Failed(f"gunicorn's master did not fork the task cluster (TASKS_IN_WEB) within {READY_TIMEOUT} s")


def postgres_backends(url):
    """PSS of the PostgreSQL backends serving the benchmark's database, to show beside the stack's."""
    with server_connection(url, "postgres") as connection:
        pids = [
            row[0]
            for row in connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [database_name(url)],
            )
        ]
    figures = [f for f in (rollup(pid) for pid in pids) if f]
    return {"count": len(figures), "pss": sum(f["Pss"] for f in figures)}


def machine():
    memory = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    gigabytes = int(memory.split()[1]) / 1024 / 1024
    return (
        f"{platform.node()}, Linux {platform.release()}, {os.cpu_count()} CPUs, {gigabytes:.1f} GB RAM, "
        f"Python {platform.python_version()}"
    )


def now():
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


if __name__ == "__main__":
    sys.exit(main())
