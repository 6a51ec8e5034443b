"""Region search benchmark: requests per second of the search box's endpoint, GET /wilayah/cari/?q=, for
names and for postal codes, side by side with a trivial Django view served by the same gunicorn, settings
and middleware, printed as ratios (goal: 0.5 or better).

    .venv/bin/python bench/regions/run.py [--duration 5] [--connections 8] [--threads 2] [--workers 3]
                                          [--rounds 5] [--variants shipped,first-time,no-health-checks] [--reuse]

Runs on PostgreSQL in its own database (BENCH_REGIONS_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/tokoku_h_r_bench), which it drops, creates and migrates: migration 0014
loads the whole dataset (38 provinces, 514 cities, 7,285 districts, 83,762 villages), then VACUUM ANALYZE
does what autovacuum does soon after on a real server. --reuse keeps a database migrated by an earlier run.

gunicorn serves bench/regions/wsgi.py: the project, DEBUG off, the default local-memory cache, 3 sync
workers as README's deployment runs, plus two views of the benchmark's own (bench/regions/urls.py). Each
of these is loaded by wrk (required) from a second process over loopback, with the same connections and
duration, in rounds that alternate their order:
- trivial: /bench/ok/, a Django response through the project's whole middleware stack, no database;
- one village: /bench/one-village/, one village read by its primary key and sent as JSON: the floor of
  any view that asks the database once;
- names: a rotating mix of what buyers type (NAMES: a village, a village and its district, a district
  and its city, multi-word names, prefixes typed so far), every request the next query of the list;
- postal codes: the same with POSTAL_CODES (whole codes and the first three or four digits).
Each worker keeps the answers to the queries it was asked (shop.shipping.regions, an LRU per process),
so the shipped variant measures what a shop sees once its buyers' villages have been asked; the
first-time variant turns that off (BENCH_REGION_CACHE=0), so that every request searches the database.
A ratio is taken within each round, seconds apart, and the median of the rounds' ratios is the figure:
on a machine shared with other work the load moves between rounds more than within one.

Variants: shipped, the settings as they are; first-time, every query searched afresh (no answers kept);
no-health-checks, first-time with Django's CONN_HEALTH_CHECKS off (a round trip to the database before
each request's first query). Before the load every query is asked
once and must answer 200 with villages; the in-process cost of each (statements and milliseconds through
Django's test client, no HTTP) is printed beside the figures. The figures go to bench/results/regions.txt.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.common import ROOT, write_result  # noqa: E402
from bench.pages.run import (  # noqa: E402
    WORKDIR,
    bench_environment,
    database_name,
    free_port,
    manage,
    recreate_database,
    server_connection,
    stop,
    wait_until_ready,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tokoku_h_r_bench"
GOAL = 0.5
TRIVIAL_PATH = "/bench/ok/"
FLOOR_PATH = "/bench/one-village/"
SEARCH_PATH = "/wilayah/cari/"
VILLAGES = 83_762
# Real places across the country, written as buyers write them.
NAMES = [
    "sariharjo",
    "Sariharjo, Ngaglik",
    "ngaglik sleman",
    "kota bandung coblong",
    "dago",
    "tanjung priok",
    "kebayoran baru",
    "menteng jakarta",
    "gubeng surabaya",
    "sukamaju",
    "kuta badung",
    "denpasar barat",
    "sumbersari jember",
    "batu ampar",
    "cilandak",
    "sidoarjo",
    "karangasem",
    "kelapa gading",
    "lebak siliwangi",
    "merauke",
    "sarih",  # the buyer is still typing
    "cobl",
]
POSTAL_CODES = ["55581", "40135", "10350", "60286", "80361", "99616", "12430", "68121", "14330", "20552", "555", "4013"]
MIXES = {"names": NAMES, "postal codes": POSTAL_CODES}
VARIANTS = {
    "shipped": "the project as configured (CONN_HEALTH_CHECKS on)",
    "first-time": "every query searched afresh: no answers kept in the workers (BENCH_REGION_CACHE=0)",
    "no-health-checks": "first-time, with Django's connection health check off (BENCH_HEALTH_CHECKS=0): one round trip fewer",
}
WRK_SCRIPT = """
local paths = {%s}
local next_path = 0
request = function()
  next_path = next_path %% #paths + 1
  return wrk.format("GET", paths[next_path])
end
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds of load per measurement")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, of: {', '.join(VARIANTS)}")
    parser.add_argument("--reuse", action="store_true", help="keep the database of an earlier run")
    parser.add_argument("--profile", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.profile:
        return profile()
    if not shutil.which("wrk"):
        sys.exit("bench/regions needs wrk (apt-get install wrk) to vary the query of every request.")
    variants = [variant.strip() for variant in args.variants.split(",") if variant.strip()]
    if unknown := set(variants) - set(VARIANTS):
        parser.error(f"unknown variant(s): {', '.join(sorted(unknown))}")

    load_before = os.getloadavg()[0]
    url = os.environ.get("BENCH_REGIONS_DATABASE_URL", DEFAULT_URL)
    env = bench_environment(url)
    prepare(url, env, reuse=args.reuse)
    paths = {"trivial": [TRIVIAL_PATH], "one village": [FLOOR_PATH]} | {
        mix: [f"{SEARCH_PATH}?{urllib.parse.urlencode({'q': query})}" for query in queries]
        for mix, queries in MIXES.items()
    }
    measured = {variant: measure(variant, env, paths, args) for variant in variants}
    return report(measured, run_profile(env), args, url, load_before)


def measure(variant, env, paths, args):
    env = {
        **env,
        "BENCH_HEALTH_CHECKS": "0" if variant == "no-health-checks" else "1",
        "BENCH_REGION_CACHE": "1" if variant == "shipped" else "0",
    }
    port = free_port()
    server = start_gunicorn(env, port, args.workers)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_ready(base + TRIVIAL_PATH, server)
        for _ in range(2 * args.workers):  # every worker reads the areas and warms up before the clock starts
            for mix in paths.values():
                check(base, mix)
        rounds = []
        for number in range(args.rounds):
            order = list(paths) if number % 2 == 0 else list(reversed(paths))
            loads = {name: load(base, f"[{variant}] {name}", paths[name], args) for name in order}
            rounds.append({"load average": os.getloadavg()[0], **{name: loads[name] for name in paths}})
        return rounds
    finally:
        stop(server)


# --- Setting up -----------------------------------------------------------------------------------


def prepare(url, env, reuse):
    if reuse and village_count(url) == VILLAGES:
        print(f"Reusing database {database_name(url)}.", flush=True)
        return
    print(f"Creating database {database_name(url)} (migrate loads the regions)...", flush=True)
    recreate_database(url)
    manage(env, "migrate", "--noinput")
    with server_connection(url) as connection:
        connection.execute("VACUUM ANALYZE shop_province, shop_city, shop_district, shop_village")


def village_count(url):
    try:
        with server_connection(url) as connection:
            return connection.execute("SELECT count(*) FROM shop_village").fetchone()[0]
    except Exception:
        return 0


def start_gunicorn(env, port, workers):
    WORKDIR.mkdir(parents=True, exist_ok=True)
    # The log bench/pages names when gunicorn does not answer (wait_until_ready).
    log = open(WORKDIR / "gunicorn.log", "w")  # noqa: SIM115  (gunicorn writes to it until stopped)
    command = [
        str(Path(sys.executable).parent / "gunicorn"), "bench.regions.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "sync",
        "--chdir", str(ROOT), "--timeout", "30", "--log-level", "warning",
    ]  # fmt: skip
    # A session of its own, so that stopping it reaches its workers and nothing else.
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def check(base, paths):
    for path in paths:
        with urllib.request.urlopen(base + path, timeout=30) as response:
            body = response.read()
        if path != TRIVIAL_PATH and not json.loads(body)["results"]:
            sys.exit(f"{path} found nothing: the benchmark would measure empty searches.")


# --- The load ---------------------------------------------------------------------------------------


def load(base, name, paths, args):
    print(f"load: {name} ({len(paths)} paths) for {args.duration} s...", flush=True)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % ", ".join(json.dumps(path) for path in paths))
    try:
        command = [
            "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency",
            "--timeout", "10s", "-s", script.name, base,
        ]  # fmt: skip
        output = subprocess.run(command, capture_output=True, text=True, timeout=args.duration + 60, check=True).stdout
    finally:
        os.unlink(script.name)
    errors = sum(int(n) for n in re.findall(r"(?:Non-2xx or 3xx responses|connect|read|write|timeout):? (\d+)", output))
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": milliseconds(output, "50%"),
        "p99_ms": milliseconds(output, "99%"),
        "errors": errors,
    }


def milliseconds(output, label):
    match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\b", output, re.MULTILINE)
    return float(match.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[match.group(2)] if match else None


# --- Where the time goes, in-process ----------------------------------------------------------------


def run_profile(env):
    command = [sys.executable, __file__, "--profile"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode:
        print(f"(profile failed: {result.stderr[-1500:]})")
        return {}
    return json.loads(result.stdout.strip().splitlines()[-1])


def profile():
    """Per query: how many villages, how many SQL statements, and milliseconds through the test client."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.regions.settings"
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    found = {}
    paths = [TRIVIAL_PATH, FLOOR_PATH, *(f"{SEARCH_PATH}?{urllib.parse.urlencode({'q': q})}" for q in NAMES)]
    paths += [f"{SEARCH_PATH}?{urllib.parse.urlencode({'q': q})}" for q in POSTAL_CODES]
    for path in paths:
        client.get(path)
        connection.force_debug_cursor = True
        results = client.get(path).json()["results"] if path != TRIVIAL_PATH else []
        statements = len(connection.queries)
        connection.force_debug_cursor = False
        started = time.perf_counter()
        for _ in range(50):
            client.get(path)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query).get("q", [path])[0]
        found[query] = {"results": len(results), "queries": statements, "ms": (time.perf_counter() - started) * 20}
    print(json.dumps(found))


# --- The report -----------------------------------------------------------------------------------


def report(measured, profiled, args, url, load_before):
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Region search under gunicorn (bench/regions/run.py), {now}",
        f"PostgreSQL database {database_name(url)}: the full dataset ({VILLAGES:,} villages); DEBUG off; "
        f"local-memory cache; {os.cpu_count()} CPUs shared by PostgreSQL, server and load generator",
        f"gunicorn {args.workers} sync workers; wrk: {args.connections} connections, {args.threads} threads, "
        f"{args.duration} s per measurement, {args.rounds} rounds alternating the order, 127.0.0.1 only",
        f"names: {len(NAMES)} queries rotated ({', '.join(NAMES[:6])}, ...); postal codes: {len(POSTAL_CODES)} "
        f"({', '.join(POSTAL_CODES[:4])}, ..., {POSTAL_CODES[-1]})",
        # Other work on the machine moves every figure; the ratios, measured side by side, move less.
        f"load average before the run: {load_before:.1f}, after: {os.getloadavg()[0]:.1f}",
    ]
    figures = {}
    for variant, rounds in measured.items():
        lines += ["", f"{variant}: {VARIANTS[variant]}"]
        lines.append(
            f"  {'round':<6} {'load':<13} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'/ trivial':>9}"
        )
        for number, one in enumerate(rounds, 1):
            for name in ("trivial", "one village", *MIXES):
                result = one[name]
                ratio = "" if name == "trivial" else f"{result['rps'] / one['trivial']['rps']:.2f}"
                lines.append(
                    f"  {number:<6} {name:<13} {result['rps']:>8.1f} {fmt(result['p50_ms']):>7} "
                    f"{fmt(result['p99_ms']):>7} {result['errors']:>6} {ratio:>9}"
                )
            lines.append(f"  {'':<6} (load average {one['load average']:.1f} at the end of the round)")
        lines.append("")
        for name in ("one village", *MIXES):
            ratios = [one[name]["rps"] / one["trivial"]["rps"] for one in rounds]
            floors = [one[name]["rps"] / one["one village"]["rps"] for one in rounds]
            figures[variant, name] = statistics.median(ratios)
            verdict = (
                "" if name == "one village" else "  meets the goal" if figures[variant, name] >= GOAL else "  BELOW"
            )
            lines.append(
                f"  {name + ' / trivial':<25} = {figures[variant, name]:.2f}"
                + ("" if name == "one village" else f"  (/ one village = {statistics.median(floors):.2f})")
                + f"  rounds: {', '.join(f'{value:.2f}' for value in ratios)}{verdict}"
            )
    if profiled:
        lines += ["", "In-process, through Django's test client without HTTP (shipped settings):"]
        for query, seen in profiled.items():
            lines.append(
                f"  {query!r:<24} {seen['results']:>3} villages  {seen['queries']} statements  {seen['ms']:.2f} ms"
            )
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    write_result("regions", text)
    print("written to bench/results/regions.txt")
    # A figure below the goal is a finding, reported above; an answer other than 200 is a failure.
    return 1 if any(one[name]["errors"] for rounds in measured.values() for one in rounds for name in MIXES) else 0


def fmt(value):
    return "?" if value is None else f"{value:.1f}"


if __name__ == "__main__":
    sys.exit(main())
