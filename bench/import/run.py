"""Product import benchmark: rows per second for 10,000 and 100,000 rows, side by side with
openpyxl's read-only parse of the same file (the floor any .xlsx import pays), and peak memory.

    .venv/bin/python bench/import/run.py [--sizes 10000,100000]

Runs on PostgreSQL in its own database (BENCH_IMPORT_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/tokoku_bench_import), which it drops and creates. Each phase
runs in a fresh subprocess, so its peak memory (ru_maxrss) is its own. The latest output is
written to bench/results/import.txt.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tokoku_bench_import"
CATEGORIES = [f"Kategori {n}" for n in range(1, 21)]
# Each phase must finish well inside this; the whole run stays bounded.
PHASE_TIMEOUT = 900


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--child", nargs=3, metavar=("PHASE", "FILE", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)

    url = os.environ.get("BENCH_IMPORT_DATABASE_URL", DEFAULT_URL)
    recreate_database(url)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-only", "DEBUG": "", "TOKOKU_TESTING": "0"}
    run_child(env, "migrate", "-", 0)
    lines = [
        "Product import benchmark (bench/import/run.py)",
        f"PostgreSQL database {url.rsplit('/', 1)[-1]}; {os.cpu_count()} CPUs; one process, one phase per subprocess;"
        f" load average at start {os.getloadavg()[0]:.1f} (the machine is shared: wall figures move with it).",
        "rows/s = data rows / wall time of the phase; x parse = phase time / openpyxl read-only parse time;",
        "cpu = CPU seconds of the importing process alone (not PostgreSQL's), steadier than wall time on a busy machine;",
        "peak = the subprocess's peak RSS, +phase = peak minus RSS before the phase started.",
        "",
        f"{'rows':>8}  {'phase':<34} {'seconds':>8} {'rows/s':>9} {'x parse':>8} {'cpu s':>7} {'cpu x':>6} {'peak MB':>8} {'+phase MB':>9}",
    ]
    print("\n".join(lines), flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        for size in [int(s) for s in args.sizes.split(",")]:
            new_file = Path(tmp) / f"produk-{size}.xlsx"
            changed_file = Path(tmp) / f"produk-{size}-ubah.xlsx"
            write_sheet(new_file, size, version=0)
            write_sheet(changed_file, size, version=1)
            run_child(env, "reset", "-", size)
            phases = [
                ("openpyxl read-only parse (floor)", "parse", new_file),
                ("check / preview (no writes)", "check", new_file),
                ("import: all rows new", "import", new_file),
                ("import: all rows changed + stock", "import", changed_file),
            ]
            if size <= 10_000:  # the larger file adds time, not information, to these two
                phases += [
                    ("import: all rows unchanged", "import", changed_file),
                    ("search index refresh (background)", "reindex", "-"),
                ]
            results = [(label, run_child(env, phase, file, size)) for label, phase, file in phases]
            floor, cpu_floor = results[0][1]["seconds"], results[0][1]["cpu"]
            for phase, result in results:
                line = (
                    f"{size:>8}  {phase:<34} {result['seconds']:>8.2f} {size / result['seconds']:>9,.0f} "
                    f"{result['seconds'] / floor:>8.1f} {result['cpu']:>7.2f} {result['cpu'] / cpu_floor:>6.1f} "
                    f"{result['peak_mb']:>8.0f} {result['peak_mb'] - result['start_mb']:>9.0f}"
                )
                if result.get("check"):
                    line += f"  {result['check']}"
                print(line, flush=True)
                lines.append(line)
    lines += [
        "",
        f"load average at end {os.getloadavg()[0]:.1f}.",
        "Target (issue 6): 10,000 rows import at >= 1,000 rows/s; 100,000 rows with flat memory.",
        "openpyxl keeps a workbook's shared-strings table in memory, so even the parse floor grows a",
        "little with the file; the import's own growth is what it adds on top of the parse.",
    ]
    out = ROOT / "bench" / "results" / "import.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print(f"\nwritten to {out.relative_to(ROOT)}")


def recreate_database(url):
    import psycopg

    name = url.rsplit("/", 1)[-1]
    server = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server.replace("postgres://", "postgresql://", 1), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def write_sheet(path, size, *, version):
    """Rows as an owner fills the template; version 1 changes every price and stock level."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Produk")
    # Excel and LibreOffice state the sheet's size up front; openpyxl's write-only mode does not.
    sheet.calculate_dimension = lambda: f"A1:I{size + 1}"
    sheet.append(
        ["sku", "name", "category", "price", "compare_at_price", "weight_grams", "stock", "is_active", "description"]
    )
    for n in range(1, size + 1):
        price = 10_000 + (n % 500) * 1_000 + version * 500
        sheet.append(
            [
                f"SKU-{n:06d}",
                f"Produk nomor {n} ukuran {'SML'[n % 3]}",
                CATEGORIES[n % len(CATEGORIES)],
                price,
                price + 5_000 if n % 4 == 0 else None,
                100 + n % 900,
                (n % 50) + version * 3,
                "ya" if n % 10 else "tidak",
                f"Deskripsi produk {n}. Bahan bagus, nyaman dipakai.",
            ]
        )
    workbook.save(path)


def run_child(env, phase, file, rows):
    completed = subprocess.run(
        [sys.executable, __file__, "--child", phase, str(file), str(rows)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=PHASE_TIMEOUT,
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"phase {phase} failed")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def rss_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1048576


def child(phase, file, rows):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tokoku.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    if phase == "migrate":
        call_command("migrate", verbosity=0)
        return report(0, 1)
    from shop.imports import jobs as product_import
    from shop.models import Category, Product, ProductImport, StockMovement

    if phase == "reset":
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE shop_stockmovement, shop_product, shop_category RESTART IDENTITY CASCADE")
        for n, name in enumerate(CATEGORIES, 1):
            Category.objects.create(name=name, slug=f"kategori-{n}")
        return report(0, 1)
    if phase == "reindex":
        job = ProductImport(
            pk=0, started_at=Product.objects.order_by("updated_at").values_list("updated_at", flat=True).first()
        )
        start_mb, started, cpu = rss_mb(), time.perf_counter(), cpu_seconds()
        product_import.refresh_search_index(job)  # all of it, as the chained reindex tasks do
        return report(start_mb, time.perf_counter() - started, cpu_seconds() - cpu)

    start_mb = rss_mb()
    started, cpu = time.perf_counter(), cpu_seconds()
    check = ""
    if phase == "parse":
        import openpyxl

        workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
        count = sum(1 for _row in workbook.worksheets[0].iter_rows(values_only=True)) - 1
        workbook.close()
        check = f"{count} rows"
    else:
        movements_before = StockMovement.objects.count()
        with open(file, "rb") as handle, tempfile.TemporaryFile("w+") as report_file, transaction.atomic():
            outcome = product_import.process(handle, Path(file).name, save=phase == "import", report=report_file)
            if outcome.errors:
                raise SystemExit(f"{outcome.errors} rows in error")
        check = f"new {outcome.new}, updated {outcome.updated}, unchanged {outcome.unchanged}"
        if phase == "import":
            check += f", movements +{StockMovement.objects.count() - movements_before}"
    seconds = time.perf_counter() - started
    return report(start_mb, seconds, cpu_seconds() - cpu, check)


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def report(start_mb, seconds, cpu=0.0, check=""):
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu": cpu, "start_mb": start_mb, "peak_mb": peak_mb, "check": check}))


if __name__ == "__main__":
    main()
