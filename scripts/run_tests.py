#!/usr/bin/env python
"""Run the whole test suite against every database this machine offers.

1. The main run: DATABASE_URL when set, otherwise the local PostgreSQL when it answers,
   otherwise SQLite (and the tests that need a server database say they were skipped, and why).
2. The whole suite again on MariaDB/MySQL when one answers (MARIADB_URL, or root@127.0.0.1:3306),
   unless the main run was already on it.
3. The rest of the suite on SQLite too, when the main run was on a server database.
4. The Redis pass, on the main run's database with REDIS_URL set: tests/redis, the page-cache and the
   notification tests run again with the cache, sessions and task queue on Redis. Its Redis is
   REDIS_URL when that is set and answers, else a private redis-server on a free port when the binary
   is installed, else the Redis at 127.0.0.1:6379 on database TOKOKU_TEST_REDIS_DB (15). The suite
   empties the cache's database around every test, so a Redis that is not the run's own is used
   only when the database it names is empty: nobody else's keys are ever touched. The tests of
   tests/redis that need PostgreSQL start their own redis-server whatever REDIS_URL says, and the
   main run has them: the Redis pass leaves them out.
The other runs leave REDIS_URL unset (local-memory cache, ORM broker); there the tests marked 'redis'
that start a private redis-server run when the binary is installed, and those that use REDIS_URL's
Redis skip. Each run says what it skips and why in a NOTE line. Extra arguments go to every pytest run.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlsplit

import redis

LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/tokoku"
LOCAL_MARIADB = "mysql://root@127.0.0.1:3306/tokoku"
LOCAL_REDIS = "redis://127.0.0.1:6379"
REDIS_PASS_TESTS = ["tests/redis", "tests/storefront/test_page_cache.py", "tests/notifications"]
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


def pytest(label, database_url, args, redis_url=""):
    env = dict(os.environ, TOKOKU_TESTING="1")
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    print(f"\n=== {label} ===", flush=True)
    started = time.monotonic()
    code = subprocess.call([sys.executable, "-m", "pytest", *args], env=env)
    # Exit code 5 means "no tests collected", which a filtered run may legitimately produce.
    return (0 if code == 5 else code), time.monotonic() - started


def redis_client(url):
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def redis_answers(url):
    try:
        return redis_client(url).ping()
    except redis.RedisError:
        return False


def start_private_redis(binary):
    """A redis-server of this run's own on a free loopback port, saving nothing; (url, process)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(
        [*command, "--dir", tempfile.gettempdir()], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 20
    while not redis_answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            return None, None
        time.sleep(0.1)
    return url, process


def redis_for_the_pass():
    """(REDIS_URL for the Redis pass or "", the redis-server started for it or None, why not)."""
    given = os.environ.get("REDIS_URL", "")
    binary = shutil.which("redis-server")
    if not given and binary:
        url, process = start_private_redis(binary)
        if url:
            return url, process, ""
    shared = given or f"{LOCAL_REDIS}/{os.environ.get('TOKOKU_TEST_REDIS_DB', '15')}"
    if not redis_answers(shared):
        return "", None, f"no Redis answers at {shared}" + ("" if binary else ", and there is no redis-server binary")
    if redis_client(shared).dbsize():
        why = f"the Redis database {shared} is not empty, and the suite empties the one it uses"
        return "", None, f"{why}: name an empty one in REDIS_URL (or TOKOKU_TEST_REDIS_DB), or install redis-server"
    return shared, None, ""


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
    if not shutil.which("redis-server"):
        print("NOTE: no redis-server binary: the tests marked 'redis' that start a private Redis are skipped.")
    print("NOTE: the tests that use REDIS_URL's Redis (tests/redis/test_configured_redis.py) run in the Redis pass.")
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

    redis_url, redis_server, why_not = redis_for_the_pass()
    if redis_url:
        print(
            f"\nNOTE: the Redis pass runs {', '.join(REDIS_PASS_TESTS)} with REDIS_URL={redis_url}, "
            "leaving out the tests marked both 'redis' and 'postgres': they start a redis-server of their own, "
            "so REDIS_URL changes nothing for them, and the main run has them."
        )
        try:
            results.append(
                (
                    f"Redis pass on {engine}",
                    *pytest(
                        f"Redis pass on {engine} (REDIS_URL={redis_url})",
                        main_url,
                        [*REDIS_PASS_TESTS, "-m", "not (redis and postgres)", *extra],
                        redis_url=redis_url,
                    ),
                )
            )
        finally:
            if redis_server is not None:
                redis_server.terminate()
                redis_server.wait(timeout=30)
    else:
        print(f"NOTE: the Redis pass is skipped: {why_not}.")

    print("\n=== summary ===")
    for label, code, seconds in results:
        print(f"{label}: {'ok' if code == 0 else f'FAILED (exit {code})'} in {seconds:.0f} s")
    return 0 if all(code == 0 for _label, code, _seconds in results) else 1


if __name__ == "__main__":
    sys.exit(main())
