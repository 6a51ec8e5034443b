#!/usr/bin/env python
"""bench/callback: signed TriPay PAID callbacks per second through the real view, under contention on hot
products, as a ratio of confirm_payment called directly on identical orders in the same run, on PostgreSQL.

Run: .venv/bin/python bench/callback/run.py [--workers 4] [--clients 8] [--orders 1500] [--products 10]
         [--rounds 3] [--show-queries]

Orders: `--orders` TriPay orders awaiting payment (payment_reference, total, the GatewayPayment checkout
leaves), 1-3 lines each over `--products` hot products, each with stock for about 85% of the units its
orders ask for, so the later orders for it are short. Set-up is bulk SQL, not measured.

callback: gunicorn serves tokoku.wsgi as README's deployment does (`--workers` sync workers, no preload),
DEBUG off, bench TriPay keys, on a free loopback port; `--clients` threads of this process POST one PAID
callback per order to /pembayaran/tripay/callback/, signed as TriPay signs it (HMAC-SHA256 of the raw body
with the private key in X-Callback-Signature; X-Callback-Event: payment_status), made before the clock
starts, over http.client (a sync worker closes each connection, as behind nginx). A short order is
answered success too: the view flags it for a refund (GatewayCallback outcome paid_short).
direct: `--workers` processes, each with django.setup() on the same settings and its own connection, call
shop.services.orders.confirm_payment(pk, None); a short order raises InsufficientStock, flagged by the
database function, and counts as a completed attempt too. Both warm up on orders of their own first.

Rate = orders / wall time from the release until the last answer. Each round runs both variants on fresh
identical orders (alternating which goes first), then the floor: as many GETs of the callback's URL, which
require_POST answers 405 (gunicorn, middleware, URLconf; no database), what any request costs here.
Medians are compared (goal: callback / direct 0.7 or better). After every run the books are checked:
stock >= 0, == its StockMovements == opening - units of processed orders; each order processed, or
awaiting payment flagged and still short; every callback answered 200 {"success": true} and kept as one
signed GatewayCallback with the matching outcome. Also printed: CPU per order (workers, client threads,
this database's backends) and how busy the machine was and with what else, and one call at a time
in-process (statements, time in cursor.execute, where a callback's time goes by cProfile). Every step
has a time limit; connections are kept for the run (CONN_MAX_AGE=600) so backends can be followed. The
database is tokoku_h_cb_bench, dropped at the end. Figures go to bench/results/callback.txt.
"""

import argparse
import http.client
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import suppress
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
from bench.callback import (  # noqa: E402
    PATH,
    PRIVATE_KEY,
    SUCCESS,
    check_books,
    make_tripay_orders,
    meter,
    one_at_a_time,
    prepare,
    used,
    worker_pids,
)
from bench.common import ROOT, drop_database, setup_django, write_result  # noqa: E402
from bench.confirm.run import STOCK_SHARE, backend_cpu_seconds, make_products  # noqa: E402
from bench.pages.run import free_port, stop  # noqa: E402

DATABASE = "tokoku_h_cb_bench"
GOAL = 0.7
VARIANTS = ("callback", "direct")
TIMEOUT = 120  # seconds for one variant of one round, start-up included
READY_TIMEOUT = 60
# Production settings (DEBUG off) over loopback HTTP, for gunicorn, the direct workers and this process; connections
# kept for the whole run (the shop's default is 60 s) so that each backend's CPU can be followed by its pid; no
# warnings logged (the floor's 405s would each write one); web only (TASKS_IN_WEB=false: gunicorn.conf.py would
# otherwise fork the task cluster).
SETTINGS = """DEBUG=false TOKOKU_TESTING=0 SECRET_KEY=bench-callback-not-a-secret-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
    ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false
    SECURE_HSTS_SECONDS=0 TRIPAY_MERCHANT_CODE=T14302 TRIPAY_API_KEY=DEV-bench-callback-api-key
    TRIPAY_SANDBOX=true LOG_LEVEL=ERROR CONN_MAX_AGE=600 TASKS_IN_WEB=false"""


def bench_environment(workdir):
    paths = {name: str(workdir / name.removesuffix("_ROOT").lower()) for name in ("STATIC_ROOT", "MEDIA_ROOT")}
    keys = {"TRIPAY_PRIVATE_KEY": PRIVATE_KEY, "PYTHONPATH": str(ROOT)}
    return dict(item.split("=", 1) for item in SETTINGS.split()) | paths | keys


# --- callback: gunicorn, and client threads in this process --------------------------------------------


def start_gunicorn(workers, port, workdir):
    log = open(workdir / "gunicorn.log", "w")  # noqa: SIM115  (gunicorn writes to it until stopped)
    command = [
        str(Path(sys.executable).parent / "gunicorn"), "tokoku.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--worker-class", "sync", "--timeout", "60", "--chdir", str(ROOT),
    ]  # fmt: skip
    # A session of its own, so that stopping it reaches its workers and nothing else.
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_until_booted(server, port, workers, log):
    """Until gunicorn answers (405 to a GET) and all its workers have booted (their CPU time stands still)."""
    deadline, last = time.monotonic() + READY_TIMEOUT, None
    while time.monotonic() < deadline and server.poll() is None:
        time.sleep(0.5)
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", PATH)
            if connection.getresponse().status != 405:
                break
        except OSError:
            continue
        finally:
            connection.close()
        pids = worker_pids(server.pid)
        now = [backend_cpu_seconds(pid) for pid in pids]
        if len(pids) == workers and now == last:
            return
        last = now
    sys.exit(f"bench/callback: gunicorn not ready (or not answering 405 to GET {PATH}):\n{log.read_text()[-3000:]}")


def post_callbacks(port, orders, clients):
    """POST every order's callback from `clients` threads (a GET instead of an order given as None);
    (seconds, (status, body) per order)."""
    answers, lock, position = [None] * len(orders), threading.Lock(), [0]
    release, deadline = threading.Barrier(clients + 1), time.monotonic() + TIMEOUT

    def client():
        connection = None
        release.wait(TIMEOUT)
        while time.monotonic() < deadline:
            with lock:
                index, position[0] = position[0], position[0] + 1
            if index >= len(orders):
                return
            body, signature = orders[index][1] if orders[index] else (None, "")
            headers = {"Content-Type": "application/json", "X-Callback-Event": "payment_status"}
            try:
                connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                method = "POST" if body else "GET"
                connection.request(method, PATH, body, headers | {"X-Callback-Signature": signature})
                response = connection.getresponse()
                answers[index] = (response.status, response.read())
                if response.will_close:
                    connection = connection.close()
            except (OSError, http.client.HTTPException) as error:
                answers[index] = (None, repr(error).encode())
                connection = connection and connection.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    release.wait(TIMEOUT)
    started = time.perf_counter()
    for thread in threads:
        thread.join(max(0.1, deadline - time.monotonic()))
    return time.perf_counter() - started, answers


def run_callbacks(server, port, prepared, clients):
    """(seconds, answers, errors, CPU as used() gives it)."""
    post_callbacks(port, prepared["warm"], clients)  # the round's first requests, on a product of their own
    pids = worker_pids(server.pid)
    before = meter(pids)
    seconds, answers = post_callbacks(port, prepared["orders"], clients)
    return seconds, answers, [], used(before, meter(pids))


# --- direct: confirm_payment in worker processes ------------------------------------------------------


def direct_worker(order_pks, warm_pk, next_index, ready, go, results):
    import django

    django.setup()
    from django.db import connection, connections

    from shop.services.orders import InsufficientStock, confirm_payment

    outcome = {"attempts": 0, "errors": [], "cpu": 0.0, "backend": None}
    try:
        confirm_payment(warm_pk, None)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        ready.wait(TIMEOUT)
        go.wait(TIMEOUT)
        cpu_start, backend_start = time.process_time(), backend_cpu_seconds(backend)
        while True:
            with next_index.get_lock():
                index, next_index.value = next_index.value, next_index.value + 1
            if index >= len(order_pks):
                break
            outcome["attempts"] += 1
            try:
                confirm_payment(order_pks[index], None)
            except InsufficientStock:
                pass
            except Exception as error:  # the books check fails the run
                outcome["errors"].append(f"order {order_pks[index]}: {error!r}")
        outcome["cpu"] = time.process_time() - cpu_start
        with suppress(TypeError):  # None: PostgreSQL is not on this machine
            outcome["backend"] = backend_cpu_seconds(backend) - backend_start
    except Exception as error:
        outcome["errors"].append(f"worker: {error!r}")
        ready.abort()  # release everyone at once rather than leave them waiting for the time limit
        go.abort()
    finally:
        connections.close_all()
        results.put(outcome)


def run_direct(prepared, workers):
    """(seconds, None, errors, CPU as used() gives it; client: this idle process)."""
    from django.db import connections

    connections.close_all()  # nothing of this process's connection travels to the workers
    context = multiprocessing.get_context("spawn")
    next_index, results = context.Value("i", 0), context.Queue()
    ready, go = context.Barrier(workers + 1), context.Barrier(workers + 1)
    pks = [pk for pk, _callback in prepared["orders"]]
    processes = [
        context.Process(target=direct_worker, args=(pks, pk, next_index, ready, go, results))
        for pk, _callback in prepared["warm"]
    ]
    for process in processes:
        process.start()
    outcomes, started, before = [], None, None
    try:
        with suppress(threading.BrokenBarrierError):
            ready.wait(TIMEOUT)
            before = meter()
            go.wait(TIMEOUT)
            started = time.perf_counter()
        outcomes = [results.get(timeout=TIMEOUT) for _process in processes]
        seconds = time.perf_counter() - (started or time.perf_counter())
        after = meter()
    finally:
        for process in processes:
            process.join(10)
            if process.is_alive():
                process.kill()
    errors = [error for outcome in outcomes for error in outcome["errors"]]
    attempts = sum(outcome["attempts"] for outcome in outcomes)
    errors += [f"{attempts} attempts for {len(pks)} orders"] if attempts != len(pks) else []
    backends = [outcome["backend"] for outcome in outcomes]
    inside = (sum(outcome["cpu"] for outcome in outcomes), None if None in backends else sum(backends))
    workers, _this_process, *postgres_and_machine = used(before or after, after, inside)
    return max(seconds, 1e-9), None, errors, (workers, None, *postgres_and_machine)


# --- Report --------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers, and direct processes")
    parser.add_argument("--clients", type=int, default=8, help="threads sending callbacks")
    parser.add_argument("--orders", type=int, default=1500)
    parser.add_argument("--products", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--show-queries", action="store_true", help="print the SQL of one callback and one call")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="tokoku_bench_callback_"))
    (workdir / "static").mkdir()
    os.environ.update(bench_environment(workdir))
    load_before, started, server = os.getloadavg(), time.monotonic(), None
    measured, problems = {variant: [] for variant in (*VARIANTS, "floor")}, []
    setup_django(DATABASE)
    try:
        port = free_port()
        server = start_gunicorn(args.workers, port, workdir)
        wait_until_booted(server, port, args.workers, workdir / "gunicorn.log")
        warm = make_tripay_orders([[(0, 1)]] * 8 * args.workers, make_products(1, [8 * args.workers], "WARM"), "WARM")
        answers = post_callbacks(port, warm, args.clients)[1]
        if any(answer != (200, SUCCESS) for answer in answers):
            sys.exit(f"bench/callback: warm-up callbacks answered {Counter(answers).most_common(2)}")
        for round_no in range(1, args.rounds + 1):
            prepared = {variant: prepare(round_no, f"R{round_no}{variant[0].upper()}", args) for variant in VARIANTS}
            for variant in VARIANTS if round_no % 2 else VARIANTS[::-1]:
                if variant == "callback":
                    seconds, answers, errors, cpu = run_callbacks(server, port, prepared[variant], args.clients)
                else:
                    seconds, answers, errors, cpu = run_direct(prepared[variant], args.workers)
                found, processed, flagged = check_books(prepared[variant], errors, answers)
                problems += [f"round {round_no}, {variant}: {problem}" for problem in found]
                rate = args.orders / seconds
                measured[variant].append((rate, seconds, processed, flagged, *cpu, not found))
                print(f"  round {round_no} {variant:8} {rate:7.1f} orders/s ({processed} processed, {flagged} short and flagged, {seconds:.2f} s)", flush=True)  # fmt: skip
            # The floor: as many requests that reach the view but not the database (require_POST answers 405).
            before = meter(pids := worker_pids(server.pid))
            seconds, answers = post_callbacks(port, [None] * args.orders, args.clients)
            cpu = used(before, meter(pids))
            wrong = [answer for answer in answers if (answer or [0])[0] != 405]
            problems += (
                [f"round {round_no}, floor: {len(wrong)} GETs not answered 405, e.g. {wrong[0]}"] if wrong else []
            )
            measured["floor"].append((args.orders / seconds, seconds, "-", "-", *cpu, not wrong))
        stop(server)
        server = None
        cost, steps = one_at_a_time()
        load_after = os.getloadavg()
    finally:
        if server is not None:
            stop(server)
        drop_database(DATABASE)
        shutil.rmtree(workdir, ignore_errors=True)
    text = report(args, measured, problems, cost, steps, load_before, load_after, time.monotonic() - started)
    print(text, end="")
    write_result("callback", text)
    return 1 if problems else 0


def report(args, measured, problems, cost, steps, load_before, load_after, elapsed):
    def ms(value, width=7):
        return f"{value / args.orders * 1000:{width}.2f}" if value is not None else f"{'n/a':>{width}}"

    def median(variant, column):
        values = [row[column] for row in measured[variant]]
        return None if None in values else statistics.median(values)

    rates = {variant: median(variant, 0) for variant in measured}
    ratio = rates["callback"] / rates["direct"]
    lines = [
        f"bench/callback on PostgreSQL (127.0.0.1:5432), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"  {args.orders} TriPay orders awaiting payment over {args.products} hot products (1-3 lines each), stock for"
        f" {STOCK_SHARE:.0%} of the units asked per product; {args.rounds} rounds, each both variants on fresh",
        "  identical orders (alternating which goes first); medians compared",
        f"  callback: gunicorn tokoku.wsgi, {args.workers} sync workers, DEBUG off; {args.clients} client threads POST"
        f" signed PAID callbacks to {PATH} over loopback HTTP, a new connection per request",
        f"  direct:   {args.workers} processes call shop.services.orders.confirm_payment(pk, None), each its own connection",
        f"  {os.cpu_count()} CPUs shared by PostgreSQL, the gunicorn or direct workers, the client threads and whatever"
        f" else runs; load average {load_before[0]:.1f} before, {load_after[0]:.1f} after; whole run {elapsed:.0f} s",
        "",
        "                                                     CPU ms per order               machine's CPUs",
        "  round  variant    per s  processed  flagged  seconds  workers  client      PG   busy  others  books",
    ]
    for index in range(args.rounds):
        for variant in measured:
            rate, seconds, processed, flagged, cpu, client, postgres, busy, others, ok = measured[variant][index]
            lines.append(
                f"  {index + 1:5}  {variant:8} {rate:7.1f}  {processed!s:>9}  {flagged!s:>7}  {seconds:7.2f}  {ms(cpu)} {ms(client)}"
                f" {ms(postgres)}  {busy:5.0%}  {others:6.0%}  {'ok' if ok else 'WRONG'}"
            )
    total = {v: sum(median(v, c) or 0.0 for c in (4, 5, 6)) / args.orders * 1000 for v in (*VARIANTS, "floor")}
    # A callback does at least what direct does plus what any request costs: where CPUs are the limit
    # (this machine runs PostgreSQL, the workers and the senders on the same 2 CPUs) no view can do better.
    ceiling = total["direct"] / (total["direct"] + total["floor"])
    lines += [
        "  (workers: the gunicorn workers' or the direct processes' own CPU; client: the threads sending callbacks;",
        "   PG: this database's backends; busy: share of all CPUs in use meanwhile; others: the share of it that",
        "   went to anything but these - other databases on the server, other programs; floor: GETs of the callback's",
        "   URL, answered 405 by require_POST - gunicorn, middleware and URLconf, no database - what any request costs)",
        "",
        f"  callback / direct: {rates['callback']:7.1f} / {rates['direct']:7.1f} = {ratio:4.2f}"
        f"   ({'meets' if ratio >= GOAL else 'BELOW'} the goal of {GOAL} or better; medians)",
        f"  floor / direct:    {rates['floor']:7.1f} / {rates['direct']:7.1f} = {rates['floor'] / rates['direct']:4.2f}"
        f"   (the most any request through gunicorn and Django reaches here; callback / floor ="
        f" {rates['callback'] / rates['floor']:.2f})",
        f"  CPU per order, all of it on this machine (medians): callback {total['callback']:.1f} ms, direct"
        f" {total['direct']:.1f} ms; their ratio, {total['direct'] / total['callback']:.2f}, is the rates' ratio"
        " to expect where the CPUs are the limit",
        f"  ceiling on this machine: direct / (direct + floor) CPU = {total['direct']:.1f} / ({total['direct']:.1f} +"
        f" {total['floor']:.1f}) = {ceiling:.2f}, the ratio of a callback view that cost nothing beyond a bare request"
        f"{' - below the goal: reaching it needs the database and the senders on CPUs of their own' if ceiling < GOAL else ''}",
        "",
        "  nothing oversold, every callback answered: "
        + ("NO" if problems else "yes, every round and variant: stock >= 0, == its StockMovements == opening -"),
    ]
    others = max(row[8] for rows in measured.values() for row in rows)
    if others > 0.2:
        lines.insert(-2, f"  (other work took up to {others:.0%} of the machine's CPUs during a run: a shared machine)")
    lines += [f"    {problem}" for problem in problems[:20]] or [
        "    units of processed orders; one sale movement per line of a processed order, one processed event and one"
        " payment email owed; every other order awaiting payment, flagged needs_attention, untouched and still short;"
        ' every callback answered 200 {"success": true}, one signed GatewayCallback each (paid, or paid_short)'
    ]
    lines += ["", "  one at a time, in-process, no contention (callbacks through django.test.Client: middleware, URLconf,"
              " view; no HTTP server); statements as Django sends them, without BEGIN/COMMIT and health checks:"]  # fmt: skip
    for (variant, kind), (statements, wall, in_execute, cpu) in cost.items():
        lines.append(
            f"    {variant:8} {kind:9} {len(statements):2} statements, {wall * 1000:5.2f} ms, {in_execute * 1000:5.2f} ms"
            f" of it in cursor.execute (driver and server); {cpu * 1000:5.2f} ms CPU of this process"
        )
    wall = cost["callback", "processed"][1] * 1000
    lines.append("  where a processed callback's time goes (cProfile shares, and in ms of its time alone above):")
    lines += [f"    {label:58} {share:4.0%}  {share * wall:5.1f} ms" for label, share in steps]
    for (variant, kind), (statements, *_times) in cost.items() if args.show_queries else ():
        lines += ["", f"  statements of one {kind} {variant}:"] + [f"    {sql[:160]}" for sql in statements]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
