"""The database half of a backup: dump and load through each vendor's own client programs.

PostgreSQL uses pg_dump / pg_restore + psql, MariaDB and MySQL mariadb-dump / mariadb (or the mysql
names), SQLite its backup API. Connection details come from DATABASES; passwords travel in the
environment (PGPASSWORD, MYSQL_PWD), never on a command line other users can read with ps.
shop/core/backup.py puts the dump in the archive and checks it before a load.
"""

import gzip
import os
import shutil
import sqlite3
import subprocess
import tempfile
import zlib
from pathlib import Path

from django.db import transaction
from django.db.backends.mysql.client import DatabaseClient as MySQLClient
from django.db.backends.postgresql.client import DatabaseClient as PostgreSQLClient

MEMBERS = {"postgresql": "database.pgdump", "mysql": "database.sql.gz", "sqlite": "database.sqlite3.gz"}
# The client programs each side needs, any one name of a group, and the Debian package that has them.
TOOLS = {
    ("postgresql", "backup"): [("pg_dump",)],
    ("postgresql", "restore"): [("pg_restore",), ("psql",)],
    ("mysql", "backup"): [("mariadb-dump", "mysqldump")],
    ("mysql", "restore"): [("mariadb", "mysql")],
}
PACKAGES = {"postgresql": "postgresql-client", "mysql": "mariadb-client"}
CHUNK = 1024 * 1024
# Everything in the target's schema, for restore --force. Extension objects stay (the dump recreates
# its extensions with IF NOT EXISTS); sequences of identity and serial columns go with their tables.
PG_OBJECTS = """
SELECT format('DROP %s IF EXISTS %I.%I CASCADE;', CASE c.relkind WHEN 'v' THEN 'VIEW'
       WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
       n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('e', 'i', 'a'))
UNION ALL
SELECT format('DROP ROUTINE IF EXISTS %I.%I(%s) CASCADE;', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = current_schema() AND p.prokind IN ('f', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
"""


class BackupError(Exception):
    """Backup or restore failed; the message tells the owner why and what to do."""


def require_tools(vendor, side):
    """Paths of the client programs `side` ("backup" or "restore") needs, or a BackupError naming the package."""
    if vendor not in DUMPERS:
        raise BackupError(
            f"Database {vendor!r} tidak didukung oleh backup/restore (PostgreSQL, MariaDB/MySQL, SQLite)."
        )
    found = []
    for names in TOOLS.get((vendor, side), []):
        path = next((shutil.which(name) for name in names if shutil.which(name)), None)
        if path is None:
            raise BackupError(
                f"Program {' atau '.join(names)} tidak ditemukan. Pasang paket {PACKAGES[vendor]} "
                f"(Debian/Ubuntu: sudo apt install {PACKAGES[vendor]}), versi yang sama dengan server atau lebih baru."
            )
        found.append(path)
    return found


def dump(connection, work):
    """Dump the database into a file in `work`; returns (its path, rows per table)."""
    return DUMPERS[connection.vendor](connection, Path(work), require_tools(connection.vendor, "backup"))


def load(connection, path, force, tables):
    """Load a dump into the database; with `force`, whatever was there goes (`tables`: the dump's tables)."""
    LOADERS[connection.vendor](connection, Path(path), require_tools(connection.vendor, "restore"), force, tables)


def _count_rows(connection, cursor):
    counts = {}
    for table in sorted(connection.introspection.table_names(cursor)):
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _dump_postgresql(connection, work, tools):
    args, env = _postgresql_args(connection.settings_dict)
    path = work / MEMBERS["postgresql"]
    # pg_dump reads the snapshot the counts were taken in, so the manifest describes exactly the dump.
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        tables = _count_rows(connection, cursor)
        options = ["--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}", f"--file={path}"]
        _run([tools[0], *args, *options], env)
    return path, tables


def _dump_mysql(connection, work, tools):
    # --single-transaction reads one InnoDB snapshot without locking the shop; the counts come just before it.
    options = ["--single-transaction", "--hex-blob", "--no-tablespaces"]
    command, env = _mysql_command(tools[0], connection.settings_dict, options)
    with connection.cursor() as cursor:
        tables = _count_rows(connection, cursor)
    path = work / MEMBERS["mysql"]
    with gzip.open(path, "wb", compresslevel=6) as out:
        _run(command, env, sink=out)
    return path, tables


def _dump_sqlite(connection, work, tools):
    # SQLite's backup API copies a consistent state even while the web server writes (WAL); a file copy may not.
    copy = work / "database.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(copy)
    try:
        connection.connection.backup(target)
        names = target.execute(
            r"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'"
        )
        quoted = {name: '"{}"'.format(name.replace('"', '""')) for (name,) in names.fetchall()}
        tables = {name: target.execute(f"SELECT COUNT(*) FROM {quoted[name]}").fetchone()[0] for name in sorted(quoted)}
    finally:
        target.close()
    path = work / MEMBERS["sqlite"]
    with open(copy, "rb") as source, gzip.open(path, "wb", compresslevel=6) as out:
        shutil.copyfileobj(source, out, CHUNK)
    copy.unlink()
    return path, tables


DUMPERS = {"postgresql": _dump_postgresql, "mysql": _dump_mysql, "sqlite": _dump_sqlite}


def _postgresql_args(settings_dict):
    """Host, port, user and database as options; the password and TLS settings go in the environment."""
    _psql, env = PostgreSQLClient.settings_to_cmd_args_env(settings_dict, [])
    args = [
        f"--{option}={settings_dict[key]}"
        for option, key in (("host", "HOST"), ("port", "PORT"), ("username", "USER"))
        if settings_dict.get(key)
    ]
    if settings_dict.get("NAME"):
        args.append(f"--dbname={settings_dict['NAME']}")
    return args, env or {}


def _mysql_command(program, settings_dict, options):
    """Django's own mysql arguments (password in MYSQL_PWD), with `options` before the database name."""
    args, env = MySQLClient.settings_to_cmd_args_env(settings_dict, [])
    return [program, *args[1:-1], *options, args[-1]], env or {}


def _run(command, env, source=None, sink=None):
    """Run a client program, feeding it `source` (chunks of bytes) and copying its output into `sink`."""
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(
                command,
                env={**os.environ, **env},
                stdin=subprocess.DEVNULL if source is None else subprocess.PIPE,
                stdout=subprocess.DEVNULL if sink is None else subprocess.PIPE,
                stderr=errors,
            )
        except OSError as error:
            raise BackupError(f"{command[0]} tidak bisa dijalankan: {error}") from error
        try:
            for chunk in source or ():
                process.stdin.write(chunk)
            if sink is not None:
                shutil.copyfileobj(process.stdout, sink, CHUNK)
        except BrokenPipeError:
            pass  # the program stopped early; its exit code and message say why
        finally:
            for pipe in (process.stdin, process.stdout):
                try:
                    if pipe is not None:
                        pipe.close()
                except BrokenPipeError:
                    pass
            code = process.wait()
        if code:
            errors.seek(0)
            message = errors.read()[-3000:].decode(errors="replace").strip()
            raise BackupError(f"{Path(command[0]).name} gagal (kode {code}): {message}")


def _chunks(file):
    while chunk := file.read(CHUNK):
        yield chunk


def _load_postgresql(connection, database, tools, force, tables):
    # pg_restore writes SQL that psql runs inside our one transaction: with --force the old objects
    # are dropped in it too, and COMMIT is sent only when pg_restore read the whole dump, so a
    # failure on either side leaves the database as it was.
    pg_restore, psql = tools
    args, env = _postgresql_args(connection.settings_dict)
    drops = []
    if force:
        with connection.cursor() as cursor:
            cursor.execute(PG_OBJECTS)
            drops = [statement for (statement,) in cursor.fetchall()]
    with tempfile.TemporaryFile() as errors:
        reader = subprocess.Popen(
            [pg_restore, "--no-owner", "--no-privileges", "--file=-", str(database)],
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
        )

        def script():
            yield "".join(["BEGIN;\n", *(f"{statement}\n" for statement in drops)]).encode()
            yield from _chunks(reader.stdout)
            if reader.wait() == 0:
                yield b"COMMIT;\n"

        try:
            _run([psql, *args, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--file=-"], env, source=script())
        except BackupError as error:
            raise BackupError(f"{error}\nDatabase tujuan tidak diubah.") from error
        finally:
            reader.stdout.close()
            code = reader.wait()
        if code:
            errors.seek(0)
            message = errors.read()[-3000:].decode(errors="replace").strip()
            raise BackupError(f"pg_restore gagal (kode {code}), database tidak diubah: {message}")


def _load_mysql(connection, database, tools, force, tables):
    # The dump drops and recreates each of its tables; with --force, tables it does not have go afterwards.
    command, env = _mysql_command(tools[0], connection.settings_dict, [])
    try:
        with gzip.open(database, "rb") as sql:
            _run(command, env, source=_chunks(sql))
    except (BackupError, OSError, EOFError, zlib.error) as error:
        raise BackupError(
            f"{error}\nDatabase tujuan mungkin terisi sebagian: perbaiki lalu ulangi dengan --force."
        ) from error
    if force:
        with connection.cursor() as cursor:
            leftovers = [info.name for info in connection.introspection.get_table_list(cursor) if info.type == "t"]
            cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
            for table in sorted(set(leftovers) - set(tables)):
                cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)}")
            cursor.execute("SET FOREIGN_KEY_CHECKS = 1")


def _load_sqlite(connection, database, tools, force, tables):
    # The backup API replaces the whole target file in one step, schema and rows alike.
    plain = database.with_suffix("")
    try:
        with gzip.open(database, "rb") as source, open(plain, "wb") as out:
            shutil.copyfileobj(source, out, CHUNK)
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise BackupError(f"Dump SQLite di arsip tidak terbaca: {error}") from error
    source = sqlite3.connect(plain)
    try:
        # A damaged copy would otherwise be copied faithfully, damage and all, over the target.
        if source.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise sqlite3.DatabaseError("quick_check menemukan kerusakan")
        connection.ensure_connection()
        source.backup(connection.connection)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite gagal memulihkan database: {error}") from error
    finally:
        source.close()


LOADERS = {"postgresql": _load_postgresql, "mysql": _load_mysql, "sqlite": _load_sqlite}
