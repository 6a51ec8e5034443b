"""Storefront pages benchmark: requests per second of the catalog page and a product page under
gunicorn, side by side with a trivial Django view served by the same gunicorn, settings and
middleware (bench/pages/urls.py), printed as ratios.

    .venv/bin/python bench/pages/run.py [--duration 10] [--connections 8] [--workers 2] [--reuse]
                                        [--variants shipped,signed-in,no-page-cache]

Runs on PostgreSQL in its own database (BENCH_PAGES_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/tokoku_bench_pages), which it drops, creates, migrates and fills
with `seed_demo` (about 40 products with pictures); --reuse keeps a database filled by an earlier
run. DEBUG is off, the cache is the default local-memory one. The load comes from wrk when it is
installed (otherwise a threaded Python client), in a second process, over loopback only. The same
concurrency and duration apply to every URL. The latest figures go to bench/results/pages.txt.

The anonymous variants send no cookie: every request is a first visit, served a CSRF cookie and
token of its own, the costliest of anonymous hits (home/page_cache.py serves them before the
session, CSRF and authentication middleware, which the trivial view goes through).
The signed-in variant sends the demo buyer's session cookie with every request, the trivial view's
too, with two products in their cart: the pages must show their name links and cart count, which
the warm-up checks. Goals: anonymous pages (shipped) at 1.0 of the trivial view or better, a
signed-in buyer's at 0.25 or better; no-page-cache is there to show what the cache saves.
"""

import argparse
import datetime
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tokoku_bench_pages"
WORKDIR = Path(tempfile.gettempdir()) / "tokoku_bench_pages"
RESULTS = ROOT / "bench" / "results" / "pages.txt"
TRIVIAL_PATH = "/bench/ok/"
CATALOG_PATH = "/produk/"
BUYER_EMAIL = "pembeli@toko.com"  # seed_demo's buyer
CATALOG_PAGE_NOTE = "24 products a catalog page"
# Every step has a ceiling, so a stuck server or database cannot hold the run.
SETUP_TIMEOUT = 900
READY_TIMEOUT = 60


VARIANTS = {
    "shipped": "the project as configured, anonymous visitors",
    "signed-in": "the project as configured, a signed-in buyer with two products in the cart",
    "no-page-cache": "anonymous visitors, with the page cache turned off (PAGE_CACHE_SECONDS=0)",
}
GOALS = {"shipped": 1.0, "signed-in": 0.25}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per URL")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="load generator threads (wrk)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument(
        "--variants", default="shipped,signed-in,no-page-cache", help=f"comma-separated, of: {', '.join(VARIANTS)}"
    )
    parser.add_argument("--reuse", action="store_true", help="keep the database and media of an earlier run")
    parser.add_argument(
        "--client", nargs=4, metavar=("URL", "SECONDS", "CONNECTIONS", "COOKIE"), help=argparse.SUPPRESS
    )
    parser.add_argument("--profile", nargs="+", metavar="PATH", help=argparse.SUPPRESS)
    parser.add_argument("--as-buyer", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--buyer-session", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        return python_client(args.client[0], int(args.client[1]), int(args.client[2]), args.client[3])
    if args.profile:
        return profile_pages(args.profile, as_buyer=args.as_buyer)
    if args.buyer_session:
        return print(buyer_session())
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variant(s): {', '.join(sorted(unknown))}")

    load_before = os.getloadavg()[0]
    url = os.environ.get("BENCH_PAGES_DATABASE_URL", DEFAULT_URL)
    env = bench_environment(url)
    prepare(url, env, reuse=args.reuse)
    product_path = f"{CATALOG_PATH}{pick_product_slug(url)}/"
    pages = [("trivial view", TRIVIAL_PATH), ("catalog", CATALOG_PATH), ("product", product_path)]
    measured = [(variant, *measure(variant, env, pages, args)) for variant in variants]
    report(pages, measured, args, url, load_before)


def measure(variant, env, pages, args):
    env = {**env, "BENCH_PAGE_CACHE": "0" if variant == "no-page-cache" else "1"}
    signed_in = variant == "signed-in"
    cookie = f"sessionid={manage_output(env, '--buyer-session')}" if signed_in else ""
    port = free_port()
    server = start_gunicorn(env, port, args.workers)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_ready(base + TRIVIAL_PATH, server)
        for _name, path in pages:
            warm_up(base + path, rounds=3 * args.workers, cookie=cookie)
        loads = {path: load(base + path, args, variant, cookie) for _name, path in pages}
    finally:
        stop(server)
    return loads, run_profile(env, [path for _name, path in pages], signed_in)


# --- Setting up -----------------------------------------------------------------------------------


def bench_environment(url):
    env = {key: value for key, value in os.environ.items() if not key.startswith("DB_")}
    # Reproducible figures: the defaults a fresh install runs with, minus debugging.
    for name in ("REDIS_URL", "MEILISEARCH_URL", "POSTHOG_KEY"):
        env.pop(name, None)
    env.update(
        {
            "DATABASE_URL": url,
            "DEBUG": "false",
            "TOKOKU_TESTING": "0",
            "SECRET_KEY": "bench-pages-not-a-secret-" + "x" * 32,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            "MEDIA_ROOT": str(WORKDIR / "media"),
            "STATIC_ROOT": str(WORKDIR / "static"),
            "PRIVATE_MEDIA_ROOT": str(WORKDIR / "private_media"),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
            "TASKS_IN_WEB": "false",  # web only: gunicorn.conf.py would otherwise fork the task cluster too
        }
    )
    return env


def prepare(url, env, reuse):
    if reuse and database_has_products(url) and (WORKDIR / "media").exists():
        print("Reusing database and media of an earlier run.", flush=True)
    else:
        print(f"Creating database {database_name(url)} and demo data (migrate, seed_demo)...", flush=True)
        shutil.rmtree(WORKDIR, ignore_errors=True)
        recreate_database(url)
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo", "--force")
    manage(env, "collectstatic", "--noinput")


def manage_output(env, *args):
    """The last line printed by this script run with `args` in the benchmark's environment."""
    command = [PYTHON, __file__, *args]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=SETUP_TIMEOUT)
    if result.returncode:
        sys.exit(f"{' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout.strip().splitlines()[-1]


def buyer_session():
    """A session of seed_demo's buyer, signed in as the sign-in form signs in, with two products in the cart."""
    setup_bench_django()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model

    from shop.cart.services import add_to_cart, clear_cart
    from shop.models import Cart, Product

    buyer = get_user_model().objects.get(email=BUYER_EMAIL)
    cart, _created = Cart.objects.get_or_create(user=buyer)
    clear_cart(cart)
    for product in Product.objects.active().filter(stock__gt=2).order_by("pk")[:2]:
        add_to_cart(cart, product.pk, 1)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session.update(
        {
            SESSION_KEY: str(buyer.pk),
            BACKEND_SESSION_KEY: "allauth.account.auth_backends.AuthenticationBackend",
            HASH_SESSION_KEY: buyer.get_session_auth_hash(),
        }
    )
    session.create()
    return session.session_key


def setup_bench_django():
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.pages.settings"
    import django

    django.setup()


def manage(env, *args):
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=SETUP_TIMEOUT
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def database_name(url):
    return url.rsplit("/", 1)[-1]


def server_connection(url, dbname=None):
    import psycopg

    conninfo = url.rsplit("/", 1)[0] + "/" + (dbname or database_name(url))
    return psycopg.connect(conninfo.replace("postgres://", "postgresql://", 1), autocommit=True, connect_timeout=10)


def recreate_database(url):
    from psycopg import sql

    name = database_name(url)
    with server_connection(url, "postgres") as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def database_has_products(url):
    try:
        with server_connection(url) as connection:
            return connection.execute("SELECT count(*) FROM shop_product").fetchone()[0] > 0
    except Exception:
        return False


def pick_product_slug(url):
    """A typical product: active, in stock, with a picture and a struck-through price when there is one."""
    with server_connection(url) as connection:
        row = connection.execute(
            """
            SELECT p.slug FROM shop_product p
            WHERE p.is_active AND p.stock > 0 AND EXISTS (SELECT 1 FROM shop_productimage i WHERE i.product_id = p.id)
            ORDER BY (p.compare_at_price IS NULL), p.id LIMIT 1
            """
        ).fetchone()
    if row is None:
        sys.exit("No active product with a picture in the benchmark database.")
    return row[0]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- The server -----------------------------------------------------------------------------------


def start_gunicorn(env, port, workers):
    WORKDIR.mkdir(parents=True, exist_ok=True)
    log = open(WORKDIR / "gunicorn.log", "w")  # noqa: SIM115  (gunicorn writes to it until stopped)
    command = [
        str(Path(PYTHON).parent / "gunicorn"),
        "bench.pages.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--worker-class", "sync",
        "--chdir", str(ROOT),
        "--timeout", "30",
        "--log-level", "warning",
    ]  # fmt: skip
    # A session of its own, so that stopping it reaches its workers and nothing else.
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop(server):
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)


def wait_until_ready(url, server):
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited; see {WORKDIR / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    stop(server)
    sys.exit(f"gunicorn did not answer {url} within {READY_TIMEOUT} s; see {WORKDIR / 'gunicorn.log'}")


def warm_up(url, rounds, cookie=""):
    """Fill the caches and make the image renditions before anything is measured."""
    for _ in range(rounds):
        try:
            request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
            with urllib.request.urlopen(request, timeout=30) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            sys.exit(f"{url} answered {error.code} during warm-up; see {WORKDIR / 'gunicorn.log'}")
    if url.endswith(CATALOG_PATH) and b"product-card" not in body:
        sys.exit(f"{url} shows no product cards: the benchmark would measure an empty catalog.")
    if cookie and b"<html" in body:
        # The buyer's own header must be on the page, or the signed-in figures would measure someone else's.
        for expected in (b"Keluar", b'class="mini-cart-count">2<'):
            if expected not in body:
                sys.exit(f"{url} does not show the signed-in buyer's {expected.decode()!r}.")


# --- The load ---------------------------------------------------------------------------------------


def load(url, args, variant, cookie):
    print(f"[{variant}] load on {url} for {args.duration} s...", flush=True)
    if shutil.which("wrk"):
        return wrk(url, args, cookie)
    command = [PYTHON, __file__, "--client", url, str(args.duration), str(args.connections), cookie]
    result = subprocess.run(command, capture_output=True, text=True, timeout=args.duration + 60)
    if result.returncode:
        sys.exit(f"load client failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout)


def wrk(url, args, cookie):
    command = [
        "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency", "--timeout", "10s", url,
        *(["-H", f"Cookie: {cookie}"] if cookie else []),
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, timeout=args.duration + 60, check=True).stdout

    def number(pattern, default=0.0):
        match = re.search(pattern, output)
        return float(match.group(1)) if match else default

    def milliseconds(label):
        match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\b", output, re.MULTILINE)
        if not match:
            return None
        return float(match.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[match.group(2)]

    errors = int(number(r"Non-2xx or 3xx responses: (\d+)"))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return {
        "rps": number(r"Requests/sec:\s+([\d.]+)"),
        "p50_ms": milliseconds("50%"),
        "p99_ms": milliseconds("99%"),
        "requests": int(number(r"(\d+) requests in")),
        "errors": errors,
        "tool": "wrk",
    }


def python_client(url, seconds, connections, cookie):
    """The fallback load generator: one persistent connection per thread, reopened when the server closes it."""
    parts = urllib.parse.urlsplit(url)
    deadline = time.monotonic() + seconds
    latencies, errors, lock = [], [0], threading.Lock()

    def worker():
        connection = None
        mine, failed = [], 0
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                target = f"{parts.path}?{parts.query}" if parts.query else parts.path
                connection.request("GET", target, headers={"Cookie": cookie} if cookie else {})
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = None
            except OSError:
                failed += 1
                connection = None
                continue
            mine.append(time.monotonic() - started)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 30)
    elapsed = time.monotonic() - started
    latencies.sort()

    def percentile(p):
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else None

    print(
        json.dumps(
            {
                "rps": len(latencies) / elapsed,
                "p50_ms": percentile(0.50),
                "p99_ms": percentile(0.99),
                "requests": len(latencies),
                "errors": errors[0],
                "tool": "python threads",
            }
        )
    )


# --- Why a page costs what it costs -------------------------------------------------------------


def run_profile(env, paths, signed_in):
    command = [PYTHON, __file__, "--profile", *paths, *(["--as-buyer"] if signed_in else [])]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=SETUP_TIMEOUT)
    if result.returncode:
        print(f"(query profile failed: {result.stderr[-1500:]})")
        return {}
    return json.loads(result.stdout.strip().splitlines()[-1])


def profile_pages(paths, as_buyer):
    """Queries and in-process time of each page after warm-up, through Django's test client."""
    setup_bench_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    if as_buyer:
        client.force_login(get_user_model().objects.get(email=BUYER_EMAIL))
    profiles = {}
    for path in paths:
        for _ in range(3):
            client.get(path)
        # Django clears connection.queries when a request starts, so afterwards it holds that request's.
        connection.force_debug_cursor = True
        status = client.get(path).status_code
        queries = len(connection.queries)
        connection.force_debug_cursor = False
        rounds = 30
        started = time.perf_counter()
        for _ in range(rounds):
            client.get(path)
        profiles[path] = {
            "status": status,
            "queries": queries,
            "ms": (time.perf_counter() - started) * 1000 / rounds,
        }
    print(json.dumps(profiles))


# --- The report -----------------------------------------------------------------------------------


def report(pages, measured, args, url, load_before):
    tool = measured[0][1][TRIVIAL_PATH]["tool"]
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Storefront pages under gunicorn (bench/pages/run.py), {now}",
        f"PostgreSQL database {database_name(url)}, demo catalog (seed_demo, {CATALOG_PAGE_NOTE}); DEBUG off; "
        f"local-memory cache; {os.cpu_count()} CPUs shared by server and load generator",
        f"gunicorn {args.workers} sync workers; {tool}: {args.connections} connections"
        + (f", {args.threads} threads" if tool == "wrk" else "")
        + f", {args.duration} s per URL, 127.0.0.1 only",
        # Other work on the machine moves every figure; the ratios, measured minutes apart, move less.
        f"load average before the run: {load_before:.1f}",
    ]
    for variant, loads, profiles in measured:
        trivial = loads[TRIVIAL_PATH]["rps"] or float("nan")
        lines += ["", f"{variant}: {VARIANTS[variant]}", *page_table(pages, loads, profiles, trivial)]
        for name, path in pages[1:]:
            ratio, goal = loads[path]["rps"] / trivial, GOALS.get(variant)
            verdict = "no goal: for comparison" if goal is None else "meets" if ratio >= goal else "BELOW"
            lines.append(
                f"  {name + ' / trivial':<19} = {ratio:.2f}  ({verdict}"
                + ("" if goal is None else f" the goal of {goal} or better")
                + ")"
            )
    lines += [
        "",
        "* queries and milliseconds of one request in-process (Django test client, after warm-up), without HTTP.",
    ]
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(f"written to {RESULTS.relative_to(ROOT)}")


def page_table(pages, loads, profiles, trivial, name_width=13, path_width=44):
    """The header and one row per (name, path) of a load: rate, latency, errors, in-process cost, ratio."""
    lines = [
        f"  {'page':<{name_width}} {'path':<{path_width}} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
        f"{'queries':>7} {'ms/req*':>7} {'vs trivial':>10}"
    ]
    for name, path in pages:
        result, profile = loads[path], profiles.get(path, {})
        lines.append(
            f"  {name:<{name_width}} {path:<{path_width}} {result['rps']:>8.1f} {fmt(result['p50_ms']):>7} "
            f"{fmt(result['p99_ms']):>7} {result['errors']:>6} {profile.get('queries', '?'):>7} "
            f"{fmt(profile.get('ms')):>7} {result['rps'] / trivial:>10.2f}"
        )
    return lines


def fmt(value):
    return "?" if value is None else f"{value:.1f}"


if __name__ == "__main__":
    sys.exit(main())
