"""Search benchmark (issue 16): how well buyers' queries find the demo products, and how fast the
search page answers beside a trivial view, the first time a query is asked and when it is asked again.

    .venv/bin/python bench/search/run.py [--duration 5] [--rounds 3] [--connections 8] [--workers 2]
                                         [--products 10000] [--reuse] [--variants first-time,repeated,signed-in]

1. Quality: the queries of bench/search/queries.py (typos, slang, affixes, partial words, SKUs,
   several words) over the demo catalog (seed_demo), with the products each must find. Prints
   recall at 5 (of the products a query must find, the share in its first five results, at most
   five counted) and the mean reciprocal rank of the first right product, for the PostgreSQL engine
   and for the in-memory engine SQLite and MariaDB shops use, run on the same data.
2. Speed: the catalog is grown to --products products (copies of the demo products under other
   names), then the search page (a whole-word query and a typo), the suggestions' JSON and a
   trivial Django view are loaded under gunicorn in the same run, as bench/pages/run.py does (its
   helpers are reused), in up to three variants:
   - first-time: nothing cached (PAGE_CACHE_SECONDS=0), so every request searches, reads the
     products and renders the page, as the first asker of a query does;
   - repeated: as shipped, the query asked before (search/caching.py keeps the ranked result, the
     suggestions and the page with the visitor's own parts cut out);
   - signed-in: as repeated, for a signed-in buyer with two products in the cart (their own header
     put back into the kept page), the trivial view with the same cookie.
   Each URL is loaded --rounds times for --duration seconds, in a different order each round; a
   URL's ratio is the median of its rounds' ratios to the trivial view of the same round, so other
   work on a shared machine moves both sides alike (each round's ratio is printed too). Goals:
   recall at 5 >= 0.95; search page >= 0.3 of the trivial view.

Runs on PostgreSQL in its own database (BENCH_SEARCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/tokoku_bench_search), dropped and made again unless --reuse.
The latest figures go to bench/results/search.txt.
"""

import argparse
import datetime
import json
import os
import statistics
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
VARIANTS = {
    "first-time": "a query asked for the first time: nothing cached (PAGE_CACHE_SECONDS=0), anonymous visitors",
    "repeated": "the same query asked again, as shipped, anonymous visitors",
    "signed-in": "asked again by a signed-in buyer with two products in the cart (the trivial view too)",
}
GOALS = {"recall@5": 0.95, "search / trivial": 0.3}
NAME_VARIANTS = ["Asli", "Premium", "Hemat", "Spesial", "Oleh-oleh", "Grosir", "Promo", "Original", "Super", "Mini"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds of load per URL and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over every URL; the median counts")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="load generator threads (wrk)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--products", type=int, default=10_000, help="catalog size for the speed part")
    parser.add_argument("--reuse", action="store_true", help="keep the database and media of an earlier run")
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, of: {', '.join(VARIANTS)}")
    parser.add_argument("--quality", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--grow", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quality:
        return print(json.dumps(measure_quality()))
    if args.grow:
        return print(grow_catalog(args.grow))
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    if set(variants) - set(VARIANTS):
        parser.error(f"unknown variant(s): {', '.join(sorted(set(variants) - set(VARIANTS)))}")

    load_before = os.getloadavg()[0]
    url = os.environ.get("BENCH_SEARCH_DATABASE_URL", DEFAULT_URL)
    env = pages.bench_environment(url)
    pages.prepare(url, env, reuse=args.reuse)
    quality = json.loads(run_self(env, "--quality"))
    print(f"Growing the catalog to {args.products} products...", flush=True)
    total = int(run_self(env, "--grow", str(args.products)))
    measured = [(variant, *measure_speed(variant, env, args)) for variant in variants]
    report(quality, measured, total, args, url, load_before)


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

    from shop.models import Product, ProductVariant

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
    # bulk_create skips Product.save(), which gives a product without options its one variant.
    ProductVariant.objects.bulk_create(
        (ProductVariant(product=p, sku=p.sku, price=p.price, weight_grams=p.weight_grams, sort_order=0) for p in batch),
        batch_size=1000,
    )
    with connection.cursor() as cursor:
        # A bulk load leaves GIN's pending list long, which every search would read until autovacuum came by.
        cursor.execute("VACUUM ANALYZE shop_product")
    return Product.objects.count()


def measure_speed(variant, env, args):
    """({path: median figures of the rounds, with each round's ratio to its trivial view}, {path: queries and
    in-process time}) of one variant."""
    env = {**env, "BENCH_PAGE_CACHE": "0" if variant == "first-time" else "1"}
    signed_in = variant == "signed-in"
    cookie = f"sessionid={pages.manage_output(env, '--buyer-session')}" if signed_in else ""
    port = pages.free_port()
    server = pages.start_gunicorn(env, port, args.workers)
    rounds = []
    try:
        base = f"http://127.0.0.1:{port}"
        pages.wait_until_ready(base + TRIVIAL[1], server)
        for _name, path in LOADED:
            pages.warm_up(base + path, rounds=3 * args.workers, cookie=cookie)
        for number in range(args.rounds):
            order = LOADED[number % len(LOADED) :] + LOADED[: number % len(LOADED)]
            rounds.append({path: pages.load(base + path, args, variant, cookie) for _name, path in order})
    finally:
        pages.stop(server)
    profiles = pages.run_profile(env, [path for _name, path in LOADED], signed_in)
    return {path: summary(path, rounds) for _name, path in LOADED}, profiles


def summary(path, rounds):
    """Medians over the rounds; the ratio is each round's against that round's own trivial view."""
    results = [figures[path] for figures in rounds]
    ratios = [figures[path]["rps"] / (figures[TRIVIAL[1]]["rps"] or float("nan")) for figures in rounds]
    return {
        "rps": statistics.median(result["rps"] for result in results),
        "p50_ms": statistics.median(result["p50_ms"] or 0.0 for result in results),
        "p99_ms": statistics.median(result["p99_ms"] or 0.0 for result in results),
        "errors": sum(result["errors"] for result in results),
        "tool": results[0]["tool"],
        "ratio": statistics.median(ratios),
        "ratios": ratios,
    }


# --- The report -----------------------------------------------------------------------------------


def report(quality, measured, total, args, url, load_before):
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
    tool = measured[0][1][TRIVIAL[1]]["tool"]
    lines += [
        "",
        f"Speed over {total} products: gunicorn {args.workers} sync workers; {tool}: {args.connections} connections, "
        f"{args.duration} s per URL and round, {args.rounds} rounds in turning order, medians (errors: all rounds; "
        "vs trivial: the median of each round's ratio to its own trivial view); DEBUG off; local-memory cache",
    ]
    for variant, speed, profiles in measured:
        lines += ["", f"{variant}: {VARIANTS[variant]}", *speed_table(speed, profiles)]
        for name, path in LOADED[1:]:
            ratio = speed[path]["ratio"]
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


def speed_table(speed, profiles):
    lines = [
        f"  {'page':<14} {'path':<32} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'queries':>7} "
        f"{'ms/req*':>7} {'vs trivial':>10}  rounds"
    ]
    for name, path in LOADED:
        result, profile = speed[path], profiles.get(path, {})
        lines.append(
            f"  {name:<14} {path:<32} {result['rps']:>8.1f} {pages.fmt(result['p50_ms']):>7} "
            f"{pages.fmt(result['p99_ms']):>7} {result['errors']:>6} {profile.get('queries', '?'):>7} "
            f"{pages.fmt(profile.get('ms')):>7} {result['ratio']:>10.2f}  "
            + " ".join(f"{ratio:.2f}" for ratio in result["ratios"])
        )
    return lines


if __name__ == "__main__":
    sys.exit(main())
