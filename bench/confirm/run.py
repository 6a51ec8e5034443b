#!/usr/bin/env python
"""bench/confirm: payment confirmations per second under contention, against pgbench, on PostgreSQL.

Run: .venv/bin/python bench/confirm/run.py [--workers 8] [--orders 2000] [--products 20] [--rounds 3]
         [--pgbench-seconds 10] [--scale 8] [--variants service,python] [--show-queries]

Confirmations: `--workers` processes, each with django.setup() and its own database connection,
take order ids from one shared counter and call confirm_payment(order, cs) until `--orders` orders
waiting for verification (1-3 lines each over `--products` products, one submitted proof each)
have all been tried. Every product has stock for about 85% of the units its orders ask for, so
the later orders for it are refused with InsufficientStock: a refusal is a completed attempt,
counted like a confirmation. Rate = attempts / wall time from the moment all workers are released
(each has already confirmed a warm-up order of its own) until the last one finishes.

pgbench: its built-in TPC-B-like script (`pgbench -i -s 8` on a scratch database, then
`pgbench -c 8 -j 2 -T 10`, clients = --workers) on the same server; tps without connection time.

Variants: `service` is shop.services.orders.confirm_payment as the shop runs it on PostgreSQL (the
database function of shop migration 0019, version 3: stock per variant), the figure that counts. `python` is the same service's
portable path (the one MariaDB and SQLite use) on the same server, for comparison. Each round runs
every variant on fresh, identical orders, then pgbench; the medians are compared (goal: 0.3 or
better). 2,000 orders by default rather than the issue's example of 400: at 400 a round of the
service lasts a few tenths of a second on a fast machine, too short to measure. After every run the books are checked:
nothing oversold, nothing refused while stock allowed it. Also printed: CPU per attempt of the
CS processes and of PostgreSQL (read from /proc when the server runs on this machine), the load
average, and the statements of one confirmation. Set-up is bulk SQL, not measured. Every step has
a time limit; the server is the loopback one unless BENCH_POSTGRES_URL says otherwise. Figures go
to bench/results/confirm.txt.
"""

import argparse
import multiprocessing
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from contextlib import suppress
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
from bench.common import PG_SERVER, drop_database, setup_django, write_result  # noqa: E402

DATABASE = "tokoku_bench_confirm"
PGBENCH_DATABASE = "tokoku_bench_confirm_pgbench"
GOAL = 0.3
STOCK_SHARE = 0.85  # of the units a product's orders ask for
VARIANTS = {
    "service": (
        "shop.services.orders.confirm_payment",
        "shop.services.orders.confirm_payment as shipped: on PostgreSQL one call of the database function"
        " shop_confirm_payment (version 3, migration 0019), its buyer's email an outbox row",
    ),
    "python": (
        "shop.orders.services.payment._confirm_in_python",
        "the same service's portable path, used on MariaDB and SQLite: the same steps from Python (ORM)",
    ),
}
WORKER_TIMEOUT = 300  # seconds for one round of confirmations, start-up included
PGBENCH_INIT_TIMEOUT = 600


# --- Set-up (not measured) -----------------------------------------------------------------------


def cs_user():
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(
        username="cs@toko.com", defaults={"email": "cs@toko.com", "is_staff": True}
    )
    return user


def make_products(count, stocks, tag):
    """`count` products with the opening stocks given (through the ledger, as the shop does)."""
    from shop.models import Product, ProductVariant
    from shop.services.stock import set_opening_stock

    products = Product.objects.bulk_create(
        Product(sku=f"CONF-{tag}-{n}", name=f"Produk {tag}-{n}", slug=f"conf-{tag}-{n}".lower(), price=10_000 + n)
        for n in range(count)
    )
    # bulk_create skips Product.save(), which gives a product without options its one variant.
    ProductVariant.objects.bulk_create(
        ProductVariant(product=product, sku=product.sku, price=product.price, sort_order=0) for product in products
    )
    for product, stock in zip(products, stocks, strict=True):
        if stock:
            set_opening_stock(product, stock)
    return [product.pk for product in products]


def plan_orders(count, products, seed):
    """Lines of `count` orders: 1-3 distinct products each (60/30/10%), 1 or 2 units (80/20%)."""
    rng = random.Random(seed)
    plans = []
    for _ in range(count):
        size = rng.choices((1, 2, 3), weights=(6, 3, 1))[0]
        chosen = rng.sample(range(products), size)
        plans.append([(index, rng.choices((1, 2), weights=(8, 2))[0]) for index in chosen])
    return plans


def make_waiting_orders(plans, product_ids, tag):
    """Orders in waiting_verification with their lines and one submitted proof each; their pks."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from shop.models import Order, OrderLine, PaymentProof, ProductVariant

    variant_of = dict(ProductVariant.objects.filter(product_id__in=product_ids).values_list("product_id", "pk"))
    buyer, _ = get_user_model().objects.get_or_create(username="buyer@toko.com", defaults={"email": "buyer@toko.com"})
    deadline = timezone.now() + timedelta(hours=24)
    orders = Order.objects.bulk_create(
        Order(
            number=f"CONF-{tag}-{n:04d}",
            user=buyer,
            status=Order.Status.WAITING_VERIFICATION,
            recipient_name="Pembeli",
            phone="081200000000",
            province="DIY",
            city="Sleman",
            district="Ngaglik",
            postal_code="55581",
            street="Jl. Kaliurang",
            shipping_courier="JNE",
            shipping_service="REG",
            shipping_cost=15_000,
            subtotal=sum(q for _i, q in plan) * 10_000,
            total=sum(q for _i, q in plan) * 10_000 + 15_000,
            payment_deadline=deadline,
        )
        for n, plan in enumerate(plans)
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product_id=product_ids[index],
            variant_id=variant_of[product_ids[index]],
            sku=f"CONF-{index}",
            name=f"Produk {index}",
            unit_price=10_000,
            quantity=quantity,
            weight_grams=250,
        )
        for order, plan in zip(orders, plans, strict=True)
        for index, quantity in sorted(plan, key=lambda line: variant_of[product_ids[line[0]]])
    )
    PaymentProof.objects.bulk_create(
        PaymentProof(
            order=order,
            file=f"payment-proofs/{order.pk}/bench.jpg",
            content_type="image/jpeg",
            size=2048,
            original_name="transfer.jpg",
            uploaded_by=buyer,
        )
        for order in orders
    )
    return [order.pk for order in orders]


def prepare_round(round_no, tag, args):
    """Products, their stock and the shuffled orders of one round (the same for every variant of
    the round); the warm-up orders apart."""
    plans = plan_orders(args.orders, args.products, seed=round_no)
    demand = Counter()
    for plan in plans:
        for index, quantity in plan:
            demand[index] += quantity
    stocks = [int(demand[index] * STOCK_SHARE) for index in range(args.products)]
    product_ids = make_products(args.products, stocks, tag)
    order_pks = make_waiting_orders(plans, product_ids, tag)
    random.Random(round_no).shuffle(order_pks)
    # One warm-up order per worker, on a product of its own: imports, first queries, the on-commit hook.
    warm_product = make_products(1, [args.workers], f"{tag}W")
    warm_pks = make_waiting_orders([[(0, 1)]] * args.workers, warm_product, f"{tag}W")
    return {
        "product_ids": product_ids,
        "initial": dict(zip(product_ids, stocks, strict=True)),
        "order_pks": order_pks,
        "warm_pks": warm_pks,
        "demand_units": sum(demand.values()),
    }


# --- Confirmations, one process per CS -------------------------------------------------------------


def load_function(dotted):
    from importlib import import_module

    module, name = dotted.rsplit(".", 1)
    return getattr(import_module(module), name)


def backend_cpu_seconds(pid):
    """CPU seconds used so far by the PostgreSQL backend `pid`, or None when it is not on this machine."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds():
    """CPU seconds used so far by every PostgreSQL process on this machine, ended backends included
    (the postmaster's children's time), or None when PostgreSQL does not run here. Whole server:
    other databases' work on it counts too."""
    processes = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                head, tail = stat.read().rsplit(")", 1)
        except OSError:
            continue
        fields = tail.split()
        processes[int(entry)] = (head.split("(", 1)[1], int(fields[1]), [int(f) for f in fields[11:15]])
    ticks = os.sysconf("SC_CLK_TCK")
    total, found = 0, False
    for name, parent, (utime, stime, cutime, cstime) in processes.values():
        if name != "postgres":
            continue
        found = True
        total += utime + stime
        if processes.get(parent, ("",))[0] != "postgres":  # the postmaster: add its reaped backends
            total += cutime + cstime
    return total / ticks if found else None


def confirm_worker(function, order_pks, warm_pk, actor_pk, next_index, ready, go, results):
    """One CS: its own process, Django and connection; confirms orders until none is left."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection, connections

    from shop.services.orders import InsufficientStock

    confirm_payment = load_function(function)
    outcome = {"processed": 0, "refused": 0, "errors": [], "start": None, "end": None, "cpu": 0.0, "server_cpu": None}
    try:
        actor = get_user_model().objects.get(pk=actor_pk)
        confirm_payment(warm_pk, actor)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        ready.wait(WORKER_TIMEOUT)
        go.wait(WORKER_TIMEOUT)
        outcome["start"] = time.perf_counter()
        cpu_start, server_start = time.process_time(), backend_cpu_seconds(backend)
        while True:
            with next_index.get_lock():
                index = next_index.value
                next_index.value += 1
            if index >= len(order_pks):
                break
            try:
                confirm_payment(order_pks[index], actor)
                outcome["processed"] += 1
            except InsufficientStock:
                outcome["refused"] += 1
            except Exception as error:  # a deadlock or anything else: the books check will fail the run
                outcome["errors"].append(f"order {order_pks[index]}: {error!r}")
        outcome["end"] = time.perf_counter()
        outcome["cpu"] = time.process_time() - cpu_start
        server_end = backend_cpu_seconds(backend)
        if server_start is not None and server_end is not None:
            outcome["server_cpu"] = server_end - server_start
    except Exception as error:
        outcome["errors"].append(f"worker: {error!r}")
        ready.abort()  # release everyone at once rather than leave them waiting for the time limit
        go.abort()
    finally:
        connections.close_all()
        results.put(outcome)


def run_confirmations(function, prepared, workers, actor_pk):
    """Seconds from the release of all workers to the end of the last; processed, refused, errors,
    client CPU seconds (all workers), server CPU seconds (their backends) and CPU seconds of all of
    PostgreSQL meanwhile (both None if the server is not on this machine)."""
    from django.db import connections

    connections.close_all()  # nothing of the parent's connection travels to the workers
    context = multiprocessing.get_context("spawn")
    next_index = context.Value("i", 0)
    ready = context.Barrier(workers + 1)
    go = context.Barrier(workers + 1)
    results = context.Queue()
    processes = [
        context.Process(
            target=confirm_worker,
            args=(function, prepared["order_pks"], prepared["warm_pks"][n], actor_pk, next_index, ready, go, results),
        )
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    outcomes = []
    try:
        try:
            ready.wait(WORKER_TIMEOUT)  # every worker set up and warmed
            go.wait(WORKER_TIMEOUT)
        except threading.BrokenBarrierError:
            pass  # a worker failed to start: its outcome says why
        all_postgres = postgres_cpu_seconds()
        deadline = time.monotonic() + WORKER_TIMEOUT
        for _ in processes:
            outcomes.append(results.get(timeout=max(1, deadline - time.monotonic())))
        if all_postgres is not None:
            all_postgres = postgres_cpu_seconds() - all_postgres
        for process in processes:
            process.join(timeout=max(1, deadline - time.monotonic()))
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
                process.join(5)
    errors = [error for outcome in outcomes for error in outcome["errors"]]
    starts = [outcome["start"] for outcome in outcomes if outcome["start"] is not None]
    ends = [outcome["end"] for outcome in outcomes if outcome["end"] is not None]
    if len(ends) != workers:
        raise SystemExit(f"bench/confirm: a worker did not finish: {errors[:5]}")
    return (
        max(ends) - min(starts),
        sum(outcome["processed"] for outcome in outcomes),
        sum(outcome["refused"] for outcome in outcomes),
        errors,
        sum(outcome["cpu"] for outcome in outcomes),
        None if any(o["server_cpu"] is None for o in outcomes) else sum(o["server_cpu"] for o in outcomes),
        all_postgres,
    )


# --- The books: nothing oversold -----------------------------------------------------------------


def check_books(prepared, processed, refused, errors):
    """Problems found, [] when the round sold exactly what stock allowed and every unit is booked."""
    from django.db.models import Sum

    from shop.models import Notification, Order, OrderEvent, OrderLine, Product, StockMovement

    problems = [f"error: {error}" for error in errors[:5]]
    order_pks = prepared["order_pks"]
    if processed + refused != len(order_pks):
        problems.append(f"{processed} processed + {refused} refused != {len(order_pks)} orders")
    statuses = Counter(Order.objects.filter(pk__in=order_pks).values_list("status", flat=True))
    if statuses[Order.Status.PROCESSED] != processed or statuses[Order.Status.WAITING_VERIFICATION] != refused:
        problems.append(f"statuses {dict(statuses)} do not match {processed} processed, {refused} refused")

    stock = dict(Product.objects.filter(pk__in=prepared["product_ids"]).values_list("pk", "stock"))
    ledger = dict(
        StockMovement.objects.filter(product_id__in=prepared["product_ids"])
        .values_list("product_id")
        .annotate(total=Sum("delta"))
        .values_list("product_id", "total")
    )
    sold = Counter()
    lines_by_order = defaultdict(list)
    processed_pks = set(
        Order.objects.filter(pk__in=order_pks, status=Order.Status.PROCESSED).values_list("pk", flat=True)
    )
    for order_id, product_id, quantity in OrderLine.objects.filter(order_id__in=order_pks).values_list(
        "order_id", "product_id", "quantity"
    ):
        lines_by_order[order_id].append((product_id, quantity))
        if order_id in processed_pks:
            sold[product_id] += quantity
    for pk in prepared["product_ids"]:
        if stock[pk] < 0:
            problems.append(f"product {pk}: stock {stock[pk]} < 0")
        if stock[pk] != ledger.get(pk, 0):
            problems.append(f"product {pk}: stock {stock[pk]} != ledger {ledger.get(pk, 0)}")
        if stock[pk] != prepared["initial"][pk] - sold[pk]:
            problems.append(f"product {pk}: stock {stock[pk]} != {prepared['initial'][pk]} opening - {sold[pk]} sold")

    sales = StockMovement.objects.filter(order_id__in=order_pks, reason=StockMovement.Reason.SALE)
    sale_lines = Counter(sales.values_list("order_id", flat=True))
    for order_id in processed_pks:
        if sale_lines[order_id] != len(lines_by_order[order_id]):
            lines = len(lines_by_order[order_id])
            problems.append(f"order {order_id}: {sale_lines[order_id]} sale movements for {lines} lines")
    # Stock only goes down during the round, so a refusal was right iff a line is still short now.
    for order_id in set(order_pks) - processed_pks:
        if sale_lines[order_id]:
            problems.append(f"refused order {order_id} has stock movements")
        if not any(quantity > stock[product_id] for product_id, quantity in lines_by_order[order_id]):
            problems.append(f"order {order_id} refused although its stock is still there")
    unflagged = Order.objects.filter(pk__in=order_pks, status=Order.Status.WAITING_VERIFICATION, needs_attention=False)
    if unflagged.exists():
        problems.append(f"{unflagged.count()} refused orders not flagged needs_attention")
    events = OrderEvent.objects.filter(order_id__in=order_pks, to_status=Order.Status.PROCESSED).count()
    if events != processed:
        problems.append(f"{events} processed events for {processed} processed orders")
    owed = Notification.objects.filter(order_id__in=order_pks, kind=Notification.Kind.PAID).count()
    if owed != processed:
        problems.append(f"{owed} payment emails owed for {processed} processed orders")
    return problems


# --- pgbench -------------------------------------------------------------------------------------


def pgbench_command(*arguments):
    server = urlparse(PG_SERVER)
    command = ["pgbench", "-h", server.hostname or "127.0.0.1", "-p", str(server.port or 5432)]
    if server.username:
        command += ["-U", server.username]
    return [*command, *arguments, PGBENCH_DATABASE]


def pgbench_environment():
    environment = dict(os.environ)
    password = urlparse(PG_SERVER).password
    if password:
        environment["PGPASSWORD"] = password
    return environment


def pgbench_init(scale):
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{PGBENCH_DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{PGBENCH_DATABASE}"')
    subprocess.run(
        pgbench_command("-i", "-q", "-s", str(scale)),
        env=pgbench_environment(),
        check=True,
        capture_output=True,
        timeout=PGBENCH_INIT_TIMEOUT,
    )


def pgbench_tps(clients, threads, seconds):
    """tps (without connection time), and per transaction: pgbench's own CPU seconds and those of all
    of PostgreSQL (None when not on this machine)."""
    children_before, postgres_before = resource.getrusage(resource.RUSAGE_CHILDREN), postgres_cpu_seconds()
    finished = subprocess.run(
        pgbench_command("-c", str(clients), "-j", str(threads), "-T", str(seconds)),
        env=pgbench_environment(),
        check=True,
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    )
    postgres_after, children_after = postgres_cpu_seconds(), resource.getrusage(resource.RUSAGE_CHILDREN)
    match = re.search(
        r"tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)", finished.stdout
    )
    count = re.search(r"number of transactions actually processed: (\d+)", finished.stdout)
    if not match or not count or not int(count.group(1)):
        raise SystemExit(f"bench/confirm: no tps in pgbench output:\n{finished.stdout}\n{finished.stderr}")
    transactions = int(count.group(1))
    client = children_after.ru_utime + children_after.ru_stime - children_before.ru_utime - children_before.ru_stime
    server = None if postgres_before is None else (postgres_after - postgres_before) / transactions
    return float(match.group(1)), client / transactions, server


def pgbench_drop():
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{PGBENCH_DATABASE}" WITH (FORCE)')


# --- What one confirmation costs (one CS, no contention) --------------------------------------------


def one_confirmation_cost(function, tag, actor, samples=30):
    """Statements and milliseconds of one confirmation and of one refusal of a one-line order,
    and statements of a three-line confirmation, in this process, one at a time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shop.services.orders import InsufficientStock

    confirm_payment = load_function(function)
    product_ids = make_products(4, [samples + 1, 0, 1, 1], f"C{tag}")
    ok_pks = make_waiting_orders([[(0, 1)]] * samples, product_ids, f"C{tag}-OK")
    short_pks = make_waiting_orders([[(1, 1)]] * samples, product_ids, f"C{tag}-SHORT")
    three_pk = make_waiting_orders([[(0, 1), (2, 1), (3, 1)]], product_ids, f"C{tag}-THREE")[0]
    cost = {}
    for label, pks in (("processed", ok_pks), ("refused", short_pks)):
        with CaptureQueriesContext(connection) as captured:
            confirm_payment(pks[0], actor) if label == "processed" else _refuse(confirm_payment, pks[0], actor)
        queries = [query["sql"] for query in captured.captured_queries]
        started = time.perf_counter()
        for pk in pks[1:]:
            with suppress(InsufficientStock):
                confirm_payment(pk, actor)
        cost[label] = (len(queries), (time.perf_counter() - started) / (len(pks) - 1) * 1000, queries)
    with CaptureQueriesContext(connection) as captured:
        confirm_payment(three_pk, actor)
    cost["three lines"] = (len(captured.captured_queries), None, [q["sql"] for q in captured.captured_queries])
    return cost


def _refuse(confirm_payment, pk, actor):
    from shop.services.orders import InsufficientStock

    try:
        confirm_payment(pk, actor)
    except InsufficientStock:
        return
    raise AssertionError("a confirmation meant to be refused went through")


# --- Report --------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=8, help="CS processes, and pgbench clients")
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--products", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    parser.add_argument("--pgbench-threads", type=int, default=2)
    parser.add_argument("--scale", type=int, default=8, help="pgbench -i scale factor")
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, of: {', '.join(VARIANTS)}")
    parser.add_argument("--show-queries", action="store_true", help="print the SQL of one confirmation per variant")
    args = parser.parse_args()
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    if set(variants) - set(VARIANTS) or not variants:
        parser.error(f"--variants: choose from {', '.join(VARIANTS)}")

    load_before = os.getloadavg()
    setup_django(DATABASE)
    try:
        pgbench_init(args.scale)
        actor = cs_user()
        # per variant and round: (rate, seconds, processed, refused, client CPU, backends' CPU, all PostgreSQL CPU, ok)
        measured = {variant: [] for variant in variants}
        pgbench = []  # per round: (tps, pgbench CPU, all PostgreSQL CPU), CPU in seconds per transaction
        problems = []
        for round_no in range(1, args.rounds + 1):
            for n, variant in enumerate(variants):
                prepared = prepare_round(round_no, f"R{round_no}V{n}", args)
                seconds, processed, refused, errors, cpu, backends_cpu, postgres_cpu = run_confirmations(
                    VARIANTS[variant][0], prepared, args.workers, actor.pk
                )
                found = check_books(prepared, processed, refused, errors)
                problems += [f"round {round_no}, {variant}: {problem}" for problem in found]
                attempts = processed + refused
                measured[variant].append(
                    (
                        attempts / seconds,
                        seconds,
                        processed,
                        refused,
                        cpu / attempts,
                        None if backends_cpu is None else backends_cpu / attempts,
                        None if postgres_cpu is None else postgres_cpu / attempts,
                        not found,
                    )
                )
                print(
                    f"  round {round_no} {variant:17} {attempts / seconds:6.1f} confirmations/s"
                    f" ({processed} processed, {refused} refused, {seconds:.2f} s)",
                    flush=True,
                )
            pgbench.append(pgbench_tps(args.workers, args.pgbench_threads, args.pgbench_seconds))
            print(f"  round {round_no} pgbench           {pgbench[-1][0]:6.1f} tps", flush=True)
        costs = {variant: one_confirmation_cost(VARIANTS[variant][0], n, actor) for n, variant in enumerate(variants)}
        load_after = os.getloadavg()
    finally:
        drop_database(DATABASE)
        pgbench_drop()

    tps = statistics.median(row[0] for row in pgbench)
    server = urlparse(PG_SERVER)

    def ms(value, width=8):
        return f"{value * 1000:{width}.2f}" if value is not None else f"{'n/a':>{width}}"

    lines = [
        f"bench/confirm on PostgreSQL ({server.hostname}:{server.port or 5432}),"
        f" {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"  {args.workers} CS processes, each its own connection; {args.orders} orders waiting for verification over"
        f" {args.products} products (1-3 lines each), stock for {STOCK_SHARE:.0%} of the units asked per product",
        f"  pgbench built-in TPC-B-like: -i -s {args.scale}, then -c {args.workers} -j {args.pgbench_threads}"
        f" -T {args.pgbench_seconds}, same server",
        f"  {args.rounds} rounds, each: every variant on fresh orders, then pgbench; medians compared",
        f"  {os.cpu_count()} CPUs shared by PostgreSQL, the workers, pgbench and whatever else runs; load average"
        f" {load_before[0]:.1f} before the run, {load_after[0]:.1f} after",
        "",
        "  variants:",
    ]
    lines += [f"    {variant:17} {VARIANTS[variant][1]}" for variant in variants]
    lines += [
        "",
        "                                                                      CPU ms per attempt / transaction",
        "  round  variant            per s  processed  refused  seconds    client  backends  all PG  books",
    ]
    for round_index in range(args.rounds):
        for variant in variants:
            rate, seconds, processed, refused, cpu, backends_cpu, postgres_cpu, ok = measured[variant][round_index]
            lines.append(
                f"  {round_index + 1:5}  {variant:17} {rate:6.1f}  {processed:9}  {refused:7}  {seconds:7.2f}"
                f"  {ms(cpu)}  {ms(backends_cpu)}  {ms(postgres_cpu, 6)}  {'ok' if ok else 'WRONG'}"
            )
        r_tps, r_client, r_server = pgbench[round_index]
        lines.append(
            f"  {round_index + 1:5}  {'pgbench (tps)':17} {r_tps:6.1f}  {'':9}  {'':7}  {args.pgbench_seconds:7.2f}"
            f"  {ms(r_client)}  {'':8}  {ms(r_server, 6)}"
        )
    lines += [
        "  (client: the CS processes' own CPU, or pgbench's; backends: the CS connections' PostgreSQL backends;",
        "   all PG: every PostgreSQL process on the machine meanwhile, WAL writer and other databases included)",
        "",
    ]
    verdict_variant = "service" if "service" in variants else variants[0]
    for variant in variants:
        rate = statistics.median(row[0] for row in measured[variant])
        ratio = rate / tps
        verdict = f"{'meets' if ratio >= GOAL else 'BELOW'} the goal of {GOAL} or better"
        label = "confirm_payment / pgbench" if variant == "service" else f"{variant} / pgbench"
        lines.append(f"  {label + ':':35} {rate:7.1f} / {tps:7.1f} = {ratio:5.2f}   ({verdict})")
        if variant == verdict_variant:
            lines[-1] += "  <- the figure"
    lines += [
        "  (medians; a refusal for short stock counts as a completed attempt)",
        "",
        "  nothing oversold: "
        + (
            "yes, in every round and variant: stock >= 0, stock == sum of its StockMovements and == opening -"
            " units of processed orders for every product; one sale movement per line of each processed order;"
            " every refused order still short of stock at the end (none refused while stock allowed it),"
            " untouched and flagged needs_attention; one payment email owed (outbox row) per processed order"
            if not problems
            else "NO"
        ),
    ]
    lines += [f"    {problem}" for problem in problems[:20]]
    lines += ["", "  one confirmation alone (one CS, no contention, in-process), statements incl. BEGIN/COMMIT:"]
    for variant in variants:
        cost = costs[variant]
        lines.append(
            f"    {variant:17} processed: {cost['processed'][0]:2} statements, {cost['processed'][1]:5.2f} ms;"
            f" refused: {cost['refused'][0]:2}, {cost['refused'][1]:5.2f} ms;"
            f" three-line order: {cost['three lines'][0]:2}"
        )
    if args.show_queries:
        for variant in variants:
            lines += ["", f"  statements of one processed one-line confirmation, {variant}:"]
            lines += [f"    {sql[:150]}" for sql in costs[variant]["processed"][2]]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    write_result("confirm", text)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
