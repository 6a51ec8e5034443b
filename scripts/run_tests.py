#!/usr/bin/env python
"""Run the whole test suite against every database this machine offers.

1. The main run: DATABASE_URL when set, otherwise the local PostgreSQL when it answers,
   otherwise SQLite (and the tests that need a server database say they were skipped, and why).
2. The concurrency tests again on MariaDB/MySQL when one answers (MARIADB_URL, or root@127.0.0.1:3306).
3. The rest of the suite on SQLite too, when the main run was on a server database.
Extra arguments go to every pytest run.
"""

import os
import socket
import subprocess
import sys
from urllib.parse import urlsplit

LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/tokoku"
LOCAL_MARIADB = "mysql://root@127.0.0.1:3306/tokoku"


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


def pytest(label, database_url, args):
    env = dict(os.environ, TOKOKU_TESTING="1")
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    print(f"\n=== {label} ===", flush=True)
    code = subprocess.call([sys.executable, "-m", "pytest", *args], env=env)
    # Exit code 5 means "no tests collected", which a filtered run may legitimately produce.
    return 0 if code == 5 else code


def main():
    extra = sys.argv[1:]
    results = []
    main_url = os.environ.get("DATABASE_URL", "")
    if not main_url:
        if answers(LOCAL_POSTGRES):
            main_url = LOCAL_POSTGRES
        else:
            print(
                "NOTE: no DATABASE_URL and no PostgreSQL at 127.0.0.1:5432: running on SQLite. "
                "The concurrency tests (marker 'concurrency') are skipped, because SQLite has no row locks."
            )
    engine = urlsplit(main_url).scheme or "sqlite"
    results.append(("main suite on " + engine, pytest(f"whole suite on {engine}", main_url, extra)))

    mariadb_url = os.environ.get("MARIADB_URL", LOCAL_MARIADB)
    if engine not in ("mysql", "mariadb"):
        if answers(mariadb_url):
            results.append(
                (
                    "concurrency on MariaDB",
                    pytest("concurrency tests on MariaDB", mariadb_url, ["-m", "concurrency", *extra]),
                )
            )
        else:
            print(f"NOTE: no MariaDB/MySQL at {urlsplit(mariadb_url).netloc}: the MariaDB concurrency run is skipped.")

    if engine != "sqlite" and os.environ.get("TOKOKU_SKIP_SQLITE_RUN") != "1":
        results.append(
            (
                "suite on SQLite",
                pytest(
                    "suite on SQLite (no server-only tests)",
                    "",
                    ["-m", "not concurrency and not browser and not postgres", *extra],
                ),
            )
        )

    print("\n=== summary ===")
    for label, code in results:
        print(f"{label}: {'ok' if code == 0 else f'FAILED (exit {code})'}")
    return 0 if all(code == 0 for _label, code in results) else 1


if __name__ == "__main__":
    sys.exit(main())
