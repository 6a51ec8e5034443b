"""Search benchmark (issue 16): how well buyers' queries find the demo products, and how fast the
search page answers beside a trivial view.

    .venv/bin/python bench/search/run.py [--duration 10] [--connections 8] [--workers 2] [--products 10000] [--reuse]

1. Quality: the queries of bench/search/queries.py (typos, slang, affixes, partial words, SKUs,
   several words) over the demo catalog (seed_demo), with the products each must find. Prints
   recall at 5 (of the products a query must find, the share in its first five results, at most
   five counted) and the mean reciprocal rank of the first right product, for the PostgreSQL engine
   and for the in-memory engine SQLite and MariaDB shops use, run on the same data.
2. Speed: the catalog is grown to --products products (copies of the demo products under other
   names), then the search page (a whole-word query and a typo), the suggestions' JSON and a
   trivial Django view are loaded under gunicorn in the same run, as bench/pages/run.py does (its
   helpers are reused). Goals: recall at 5 >= 0.95; search page >= 0.3 of the trivial view.

Runs on PostgreSQL in its own database (BENCH_SEARCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/tokoku_bench_search), dropped and made again unless --reuse.
The latest figures go to bench/results/search.txt.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.common import write_result  # noqa: E402
from bench.pages import run as pages  # noqa: E402
from bench.search.queries import QUERIES  # noqa: E402

PYTHON = sys.executable
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tokoku_bench_search"
RESULTS = ROOT / "bench" / "results" / "search.txt"
# The pages benchmark's helpers put media and logs in their WORKDIR; this run keeps its own.
pages.WORKDIR = Path(tempfile.gettempdir()) / "tokoku_bench_search"
TRIVIAL = ("trivial view", "/bench/ok/")
LOADED = [
    TRIVIAL,
    ("search", "/search/?q=kopi+gayo"),
    ("search, typo", "/search/?q=kopu+gayo"),
    ("suggestions", "/search/?format=json&q=kop"),
]
GOALS = {"recall@5": 0.95, "search / trivial": 0.3}
NAME_VARIANTS = ["Asli", "Premium", "Hemat", "Spesial", "Oleh-oleh", "Grosir", "Promo", "Original", "Super", "Mini"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per URL")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="load generator threads (wrk)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--products", type=int, default=10_000, help="catalog size for the speed part")
    parser.add_argument("--reuse", action="store_true", help="keep the database and media of an earlier run")
    parser.add_argument("--quality", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--grow", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quality:
        return print(json.dumps(measure_quality()))
    if args.grow:
        return print(grow_catalog(args.grow))

    load_before = os.getloadavg()[0]
    url = os.environ.get("BENCH_SEARCH_DATABASE_URL", DEFAULT_URL)
    env = pages.bench_environment(url)
    pages.prepare(url, env, reuse=args.reuse)
    quality = json.loads(run_self(env, "--quality"))
    print(f"Growing the catalog to {args.products} products...", flush=True)
    total = int(run_self(env, "--grow", str(args.products)))
    speed = measure_speed(env, args)
    profiles = pages.run_profile(env, [path for _name, path in LOADED], signed_in=False)
    report(quality, speed, profiles, total, args, url, load_before)


def run_self(env, *args):
    result = subprocess.run(
        [PYTHON, __file__, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=pages.SETUP_TIMEOUT
    )
    if result.returncode:
        sys.exit(f"{' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout.strip().splitlines()[-1]


# --- Quality --------------------------------------------------------------------------------------


def measure_quality():
    pages.setup_bench_django()
    from search import engine
    from search.backends import fallback, postgres
    from shop.models import Product

    # A reused database may hold the grown catalog of an earlier run: quality is measured on the demo's alone.
    Product.objects.filter(sku__startswith="BENCH-")._raw_delete(Product.objects.db)
    names = dict(Product.objects.filter(sku__startswith="DEMO-").values_list("name", "sku"))
    by_pk = dict(Product.objects.values_list("pk", "name"))
    results = {}
    for label, database_engine in (("PostgreSQL", postgres), ("in-memory (SQLite, MariaDB)", fallback)):
        engine._database_engine = lambda chosen=database_engine: chosen
        rows = []
        for kind, query, expected in QUERIES:
            missing = [name for name in expected if name not in names]
            if missing:
                raise SystemExit(f"bench/search/queries.py names products the demo catalog lacks: {missing}")
            typed = names[query] if kind == "sku" else query
            top = [by_pk[hit[0]] for hit in engine.find(typed, limit=5).hits]
            wanted = expected[:5]
            recall = len(set(top) & set(expected)) / len(wanted)
            rank = next((i for i, name in enumerate(top, 1) if name in expected), None)
            rows.append({"kind": kind, "query": typed, "recall": recall, "rr": 1 / rank if rank else 0.0, "top": top})
        results[label] = rows
    return results


# --- Speed ----------------------------------------------------------------------------------------


def grow_catalog(total):
    """Copies of the demo products under other names and SKUs until the catalog has `total` products."""
    pages.setup_bench_django()
    from django.db import connection

    from shop.models import Product

    demo = list(Product.objects.filter(sku__startswith="DEMO-").order_by("sku"))
    count = Product.objects.count()
    batch = []
    for n in range(count, total):
        base = demo[n % len(demo)]
        variant = NAME_VARIANTS[(n // len(demo)) % len(NAME_VARIANTS)]
        batch.append(
            Product(
                sku=f"BENCH-{n:05d}",
                name=f"{base.name} {variant} {n // (len(demo) * len(NAME_VARIANTS)) + 1}",
                slug=f"bench-{n}",
                category_id=base.category_id,
                price=base.price + (n % 7) * 1000,
                weight_grams=base.weight_grams,
                description=base.description,
            )
        )
    Product.objects.bulk_create(batch, batch_size=1000)
    with connection.cursor() as cursor:
        # A bulk load leaves GIN's pending list long, which every search would read until autovacuum came by.
        cursor.execute("VACUUM ANALYZE shop_product")
    return Product.objects.count()


def measure_speed(env, args):
    port = pages.free_port()
    server = pages.start_gunicorn(env, port, args.workers)
    try:
        base = f"http://127.0.0.1:{port}"
        pages.wait_until_ready(base + TRIVIAL[1], server)
        for _name, path in LOADED:
            pages.warm_up(base + path, rounds=3 * args.workers)
        return {path: pages.load(base + path, args, "search", "") for _name, path in LOADED}
    finally:
        pages.stop(server)


# --- The report -----------------------------------------------------------------------------------


def report(quality, speed, profiles, total, args, url, load_before):
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Storefront search (bench/search/run.py), {now}",
        f"PostgreSQL database {pages.database_name(url)}; {len(QUERIES)} buyer queries over the demo catalog "
        f"(bench/search/queries.py); {os.cpu_count()} CPUs shared by server and load generator; "
        f"load average before the run: {load_before:.1f}",
    ]
    for label, rows in quality.items():
        recall = sum(row["recall"] for row in rows) / len(rows)
        mrr = sum(row["rr"] for row in rows) / len(rows)
        verdict = "meets" if recall >= GOALS["recall@5"] else "BELOW"
        lines += ["", f"Quality, {label} engine: recall@5 = {recall:.3f} ({verdict} the goal of 0.95), MRR = {mrr:.3f}"]
        kinds = sorted({row["kind"] for row in rows})
        for kind in kinds:
            of_kind = [row for row in rows if row["kind"] == kind]
            lines.append(
                f"  {kind:<8} {len(of_kind):>3} queries  recall@5 {sum(r['recall'] for r in of_kind) / len(of_kind):.3f}"
                f"  MRR {sum(r['rr'] for r in of_kind) / len(of_kind):.3f}"
            )
        for row in rows:
            if row["recall"] < 1:
                lines.append(f"  missed: {row['query']!r} ({row['kind']}) -> {row['top']}")
    tool = speed[TRIVIAL[1]]["tool"]
    trivial = speed[TRIVIAL[1]]["rps"] or float("nan")
    lines += [
        "",
        f"Speed over {total} products: gunicorn {args.workers} sync workers; {tool}: {args.connections} connections, "
        f"{args.duration} s per URL; DEBUG off; local-memory cache",
        *pages.page_table(LOADED, speed, profiles, trivial, name_width=14, path_width=32),
    ]
    for name, path in LOADED[1:]:
        ratio = speed[path]["rps"] / trivial
        verdict = "meets" if ratio >= GOALS["search / trivial"] else "BELOW"
        lines.append(f"  {name + ' / trivial':<22} = {ratio:.2f}  ({verdict} the goal of 0.3 or better)")
    lines += [
        "",
        "* queries and milliseconds of one request in-process (Django test client, after warm-up), without HTTP.",
    ]
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    write_result("search", text)
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
