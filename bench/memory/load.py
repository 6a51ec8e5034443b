"""The load of bench/memory: anonymous visitors, a signed-in buyer who orders, a staff member; and the
wait for the worker to deliver the orders' notifications."""

import argparse
import http.client
import http.cookiejar
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

from bench.memory import Failed
from bench.pages.run import server_connection
from bench.regions.run import load as wrk_load

PYTHON = sys.executable
RUN = str(Path(__file__).with_name("run.py"))
DELIVERY_TIMEOUT = 150

BUYER = ("pembeli@toko.com", "pembeli123")  # seed_demo's accounts
STAFF = ("admin@toko.com", "admin12345")
SARIHARJO = "34.04.12.2001"  # Ngaglik, Sleman: a village of the regions the migrations load
NEW_ADDRESS = {
    "alamat-recipient_name": "Budi Pembeli",
    "alamat-phone": "0812-3456-7890",
    "alamat-region_code": SARIHARJO,
    "alamat-postal_code": "55581",
    "alamat-street": "Jl. Kaliurang Km 10 No. 5",
}
SEARCHES = ["kopi", "keripik", "batik", "sambal", "madu", "kerajinan"]
CONTENT_PAGES = ["/tentang-kami/", "/cara-belanja/", "/pengiriman/", "/faq/"]
STAFF_PAGES = ["/admin/", "/admin/pesanan/", "/admin/verifikasi-pembayaran/", "/admin/pemrosesan-pesanan/"]
STAFF_PAUSE = 1.0  # a person reads a page before opening the next


# --- Clients ---------------------------------------------------------------------------


class Browser:
    """One visitor with a cookie jar (session and CSRF cookie), following redirects as a browser does."""

    def __init__(self, base, statuses):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.statuses = statuses  # a Counter shared by the visitors of one kind

    def get(self, path):
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path, data):
        token = next((cookie.value for cookie in self.jar if cookie.name == "csrftoken"), "")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        return self._open(urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path}))

    def _open(self, request):
        """(status, final path, body); a status of 0 when the connection failed."""
        try:
            with self.opener.open(request, timeout=30) as response:
                status, url, body = response.status, response.url, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            status, url, body = error.code, error.url, error.read().decode(errors="replace")
        except OSError:
            status, url, body = 0, request.full_url, ""
        self.statuses[status] += 1
        return status, urllib.parse.urlsplit(url).path, body

    def sign_in(self, email, password, then="/"):
        self.get("/accounts/login/")
        status, path, _body = self.post(f"/accounts/login/?next={then}", {"login": email, "password": password})
        if status != 200 or path.startswith("/accounts/login"):
            raise RuntimeError(f"could not sign in as {email} (answer {status} at {path})")


def rotating_client(base, paths, seconds, connections):
    """GETs over `paths` in turn from `connections` threads, one persistent connection each (reopened when
    the server closes it, as gunicorn's sync workers do); prints {requests, rps, errors, statuses}."""
    parts = urllib.parse.urlsplit(base)
    deadline = time.monotonic() + seconds
    statuses, lock = Counter(), threading.Lock()

    def worker(start):
        connection, mine, index = None, Counter(), start
        while time.monotonic() < deadline:
            path, index = paths[index % len(paths)], index + 1
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                mine[response.status] += 1
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = None
            except OSError:
                mine[0] += 1
                connection = None
        with lock:
            statuses.update(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n * len(paths) // connections,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 60)
    requests = sum(statuses.values())
    errors = sum(count for status, count in statuses.items() if not 200 <= status < 400)
    result = {"requests": requests, "rps": requests / (time.monotonic() - started), "errors": errors}
    print(json.dumps({**result, "statuses": {str(k): v for k, v in statuses.items()}, "tool": "python threads"}))


def links(body, pattern):
    return sorted(set(re.findall(pattern, body)))


def catalog(url):
    """(pk, slug) of the products a buyer can order, and the category slugs."""
    with server_connection(url) as connection:
        products = connection.execute(
            "SELECT id, slug FROM shop_product WHERE is_active AND stock > 10 ORDER BY id"
        ).fetchall()
        categories = [row[0] for row in connection.execute("SELECT slug FROM shop_category ORDER BY id")]
    if not products:
        raise Failed("no product in stock in the benchmark database")
    return products, categories


# --- The mix -------------------------------------------------------------------------------------


def run_load(base, url, args):
    products, categories = catalog(url)
    paths = anonymous_paths(base, products, categories)
    deadline = time.monotonic() + args.duration
    results = {"problems": [], "orders": []}
    visitors = [
        (anonymous_load, (base, paths, args, results)),
        (buyer, (base, deadline, products, categories, args, results)),
        (staff, (base, deadline, results)),
    ]
    threads = [
        threading.Thread(target=guarded, args=(target, rest, results), name=target.__name__)
        for target, rest in visitors
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0, deadline - time.monotonic()) + 120)
        if thread.is_alive():
            results["problems"].append(f"{thread.name} did not finish within {args.duration + 120} s")
    results["anonymous_paths"] = len(paths)
    if len(results["orders"]) < args.orders:
        results["problems"].append(f"{len(results['orders'])} of {args.orders} orders placed")
    return results


def guarded(target, args, results):
    """Runs one kind of visitor; what breaks it is reported, not lost in a thread."""
    try:
        target(*args)
    except Exception as error:
        results["problems"].append(f"{target.__name__}: {type(error).__name__}: {error}")


def anonymous_paths(base, products, categories):
    """Every page an anonymous visitor reaches from the home page, and the static files that page links."""
    status, _path, home = Browser(base, Counter()).get("/")
    statics = links(home, r'(?:href|src)="(/static/[^"]+)"')
    paths = ["/", "/produk/", "/produk/?halaman=2", *CONTENT_PAGES, *statics]
    paths += [f"/produk/?kategori={slug}" for slug in categories]
    paths += [f"/produk/{slug}/" for _pk, slug in products]
    paths += [f"/search/?q={term}" for term in SEARCHES]
    probe = Browser(base, Counter())
    broken = [path for path in paths if probe.get(path)[0] != 200]
    if status != 200 or broken:
        raise Failed(f"pages that do not answer 200: {broken or ['/']}; the load would measure errors")
    return paths


def anonymous_load(base, paths, args, results):
    if args.client == "wrk" or (args.client == "auto" and shutil.which("wrk")):
        wrk_args = argparse.Namespace(threads=2, connections=args.connections, duration=args.duration)
        measured = wrk_load(base, "anonymous visitors", paths, wrk_args)
        results["anonymous"] = {**measured, "requests": round(measured["rps"] * args.duration), "tool": "wrk"}
        return
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as listing:
        json.dump(paths, listing)
    try:
        command = [PYTHON, RUN, "--anonymous-client", base, str(args.duration), str(args.connections)]
        command.append(listing.name)
        outcome = subprocess.run(command, capture_output=True, text=True, timeout=args.duration + 90)
    finally:
        os.unlink(listing.name)
    if outcome.returncode:
        results["problems"].append(f"anonymous client failed: {outcome.stderr[-1000:]}")
        results["anonymous"] = {"requests": 0, "rps": 0.0, "errors": 0, "tool": "python threads"}
    else:
        results["anonymous"] = json.loads(outcome.stdout)
    if results["anonymous"]["errors"]:
        results["problems"].append(f"anonymous visitors: {results['anonymous']['errors']} errors")


def buyer(base, deadline, products, categories, args, results):
    statuses = results["buyer"] = Counter()
    browser = Browser(base, statuses)
    browser.sign_in(*BUYER)
    rng = random.Random(15)
    began = time.monotonic()
    span = deadline - began
    due = [began + (n + 0.5) * span / args.orders for n in range(args.orders)]
    while time.monotonic() < deadline:
        if due and time.monotonic() >= due[0]:
            due.pop(0)
            place_order(browser, rng.sample(products, 2), results)
            continue
        pk, slug = rng.choice(products)
        browser.get("/")
        browser.get(f"/produk/{slug}/")
        browser.post("/keranjang/tambah/", {"product": pk, "quantity": 1})
        browser.get("/keranjang/")
        browser.post("/keranjang/hapus/", {"product": pk})
        browser.get(f"/search/?q={rng.choice(SEARCHES)}")
        browser.get(f"/produk/?kategori={rng.choice(categories)}")
        browser.get("/pesanan/")
        if results["orders"]:
            browser.get(f"/pesanan/{results['orders'][-1]}/")
        browser.get("/akun/")
    errors = sum(count for status, count in statuses.items() if status != 200)
    if errors:
        results["problems"].append(f"signed-in buyer: {errors} answers other than 200: {dict(statuses)}")


def place_order(browser, chosen, results):
    """Checkout as a browser goes through it: cart, choices (a new address, shipping, bank transfer), review, order."""
    for pk, _slug in chosen:
        browser.post("/keranjang/tambah/", {"product": pk, "quantity": 1})
    browser.get("/checkout/")
    browser.get("/wilayah/cari/?q=sariharjo")
    _status, _path, fragment = browser.get(f"/checkout/?ongkir&wilayah={SARIHARJO}")
    options = re.findall(r'name="shipping_option" value="([^"]+)"', fragment)
    if not options:
        results["problems"].append("checkout offered no shipping option to Sariharjo")
        return
    choices = {**NEW_ADDRESS, "shipping_option": options[0], "payment_method": "bank_transfer"}
    _status, path, review = browser.post("/checkout/", choices)
    snapshot = re.search(r'name="snapshot" value="([^"]+)"', review)
    if path != "/checkout/tinjau/" or not snapshot:
        results["problems"].append(f"checkout did not lead to the review (at {path})")
        return
    _status, path, _body = browser.post("/checkout/tinjau/", {"snapshot": snapshot.group(1)})
    placed = re.fullmatch(r"/pesanan/([^/]+)/", path)
    if not placed:
        results["problems"].append(f"placing the order led to {path}, not to the order's page")
        return
    results["orders"].append(placed.group(1))


def staff(base, deadline, results):
    statuses = results["staff"] = Counter()
    browser = Browser(base, statuses)
    browser.sign_in(*STAFF, then="/admin/")
    while time.monotonic() < deadline:
        for path in STAFF_PAGES:
            _status, _path, body = browser.get(path)
            opened = links(body, r'href="(/admin/pesanan/\d+/)"') if path == "/admin/pesanan/" else []
            if opened:
                results["staff_order_pages"] = results.get("staff_order_pages", 0) + 1
                browser.get(opened[0])
            time.sleep(STAFF_PAUSE)
    errors = sum(count for status, count in statuses.items() if status != 200)
    if errors:
        results["problems"].append(f"staff: {errors} answers other than 200: {dict(statuses)}")


def wait_for_delivery(url, sink, numbers):
    """Until the worker has sent every notification the orders owe (or given up on one)."""
    query = """
        SELECT count(*), count(n.sent_at), count(*) FILTER (WHERE n.sent_at IS NULL AND n.attempts > 0)
        FROM shop_notification n JOIN shop_order o ON o.id = n.order_id WHERE o.number = ANY(%s)
    """
    started = time.monotonic()
    owed = sent = failed = 0
    while numbers and time.monotonic() - started < DELIVERY_TIMEOUT:
        with server_connection(url) as connection:
            owed, sent, failed = connection.execute(query, [numbers]).fetchone()
        if owed and sent + failed >= owed:
            break
        time.sleep(0.5)
    problems = []
    if numbers and (not owed or sent < owed):
        problems.append(f"{sent} of {owed} notifications sent ({failed} failed) within {DELIVERY_TIMEOUT} s")
    return {
        "owed": owed,
        "sent": sent,
        "received": sink.received,
        "seconds": time.monotonic() - started,
        "problems": problems,
    }
