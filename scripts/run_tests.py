#!/usr/bin/env python
"""Run the whole test suite against every database this machine offers.

1. The main run: DATABASE_URL when set, otherwise the local PostgreSQL when it answers,
   otherwise SQLite (and the tests that need a server database say they were skipped, and why).
2. The whole suite again on MariaDB/MySQL when one answers (MARIADB_URL, or root@127.0.0.1:3306),
   unless the main run was already on it.
3. The rest of the suite on SQLite too, when the main run was on a server database.
Each run says what it skips and why in a NOTE line. Extra arguments go to every pytest run.
"""

import os
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/tokoku"
LOCAL_MARIADB = "mysql://root@127.0.0.1:3306/tokoku"
ENGINE_NAMES = {"postgres": "PostgreSQL", "postgresql": "PostgreSQL", "mysql": "MariaDB/MySQL"}


def answers(url):
    parts = urlsplit(url)
    default_port = {"postgres": 5432, "postgresql": 5432, "mysql": 3306}.get(parts.scheme)
    if default_port is None:
        return True
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def is_mariadb(url):
    return urlsplit(url).scheme == "mysql"


def pytest(label, database_url, args):
    env = dict(os.environ, TOKOKU_TESTING="1")
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    print(f"\n=== {label} ===", flush=True)
    started = time.monotonic()
    code = subprocess.call([sys.executable, "-m", "pytest", *args], env=env)
    # Exit code 5 means "no tests collected", which a filtered run may legitimately produce.
    return (0 if code == 5 else code), time.monotonic() - started


def skips_on(url):
    """What a run on this database skips, and why (the same reasons the skipped tests give)."""
    if not url:
        return (
            "the concurrency tests (marker 'concurrency') are skipped, because SQLite has no row locks, "
            "and so are the tests marked 'postgres'"
        )
    if is_mariadb(url):
        return (
            "the tests marked 'postgres' (PostgreSQL's database functions and the like) are skipped; "
            "the 'fulltext' tests run as transactional tests, because InnoDB's full-text index sees only "
            "committed rows"
        )
    return ""


def main():
    extra = sys.argv[1:]
    results = []
    main_url = os.environ.get("DATABASE_URL", "")
    if not main_url:
        if answers(LOCAL_POSTGRES):
            main_url = LOCAL_POSTGRES
        else:
            print("NOTE: no DATABASE_URL and no PostgreSQL at 127.0.0.1:5432: running on SQLite.")
    engine = urlsplit(main_url).scheme or "sqlite"
    if skips_on(main_url):
        print(f"NOTE: on {ENGINE_NAMES.get(engine, 'SQLite')}, {skips_on(main_url)}.")
    results.append(("whole suite on " + engine, *pytest(f"whole suite on {engine}", main_url, extra)))

    mariadb_url = os.environ.get("MARIADB_URL", LOCAL_MARIADB)
    if not is_mariadb(main_url):
        if answers(mariadb_url):
            print(f"\nNOTE: on MariaDB, {skips_on(mariadb_url)}.")
            results.append(("whole suite on MariaDB", *pytest("whole suite on MariaDB", mariadb_url, extra)))
        else:
            print(f"NOTE: no MariaDB/MySQL at {urlsplit(mariadb_url).netloc}: the MariaDB run is skipped.")

    if engine != "sqlite" and os.environ.get("TOKOKU_SKIP_SQLITE_RUN") != "1":
        print(
            "\nNOTE: on SQLite, the tests marked 'concurrency', 'browser' and 'postgres' are left out: "
            "they are for the server databases."
        )
        results.append(
            (
                "suite on SQLite",
                *pytest(
                    "suite on SQLite (no server-only tests)",
                    "",
                    ["-m", "not concurrency and not browser and not postgres", *extra],
                ),
            )
        )

    print("\n=== summary ===")
    for label, code, seconds in results:
        print(f"{label}: {'ok' if code == 0 else f'FAILED (exit {code})'} in {seconds:.0f} s")
    return 0 if all(code == 0 for _label, code, _seconds in results) else 1


if __name__ == "__main__":
    sys.exit(main())
