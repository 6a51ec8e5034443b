"""Backup and restore: the database, MEDIA_ROOT and PRIVATE_MEDIA_ROOT in one archive (issue 11).

An archive is a plain tar, written and read as a stream; only the database member is compressed,
because pictures, PDFs and spreadsheets already are:

    manifest.json      first: format, vendor, time, applied migrations, rows per table
    database.<kind>    pg_dump's custom format, mariadb-dump's SQL gzipped, or a SQLite copy gzipped
    media/…, private_media/…
    SHA256SUMS         last, in sha256sum's format: a missing tail or a changed byte is found before
                       anything is restored, and `sha256sum -c` checks an unpacked copy

Restore checks the whole archive first and refuses before changing anything (damaged, another
vendor, a newer TokoKu, a database or media folder in use without force); shop/core/dumps.py loads
the database.
"""

import hashlib
import io
import json
import os
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from shop.core import dumps
from shop.core.dumps import BackupError

FORMAT = "tokoku-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHECKSUMS = "SHA256SUMS"
VENDOR_NAMES = {"postgresql": "PostgreSQL", "mysql": "MariaDB/MySQL", "sqlite": "SQLite"}
SUMMARY = (("pesanan", "shop.Order"), ("produk", "shop.Product"), ("bukti transfer", "shop.PaymentProof"))
CHUNK = 1024 * 1024


class RestoreRefused(BackupError):
    """Restore refused before it changed anything."""


class DamagedArchive(RestoreRefused):
    """The archive is truncated, altered or not a TokoKu archive."""


@dataclass
class Outcome:
    path: Path
    manifest: dict
    files: dict = field(default_factory=dict)  # "media" / "private_media" -> files written
    kept: int = 0  # files already in the media folders that the archive does not have (restore --force)
    pending_migrations: list = field(default_factory=list)
    summary: list = field(default_factory=list)  # (label, rows) for the owner


def default_archive_name(now=None):
    return timezone.localtime(now).strftime("tokoku-%Y%m%d-%H%M%S.tar")


def file_roots():
    return {"media": Path(settings.MEDIA_ROOT), "private_media": Path(settings.PRIVATE_MEDIA_ROOT)}


# --- Backup ----------------------------------------------------------------------------------


def create_backup(output=None, using=DEFAULT_DB_ALIAS, now=None):
    """Write one archive of the database and both media folders; returns its Outcome."""
    connection = connections[using]
    dumps.require_tools(connection.vendor, "backup")
    now = now or timezone.now()
    path = _archive_path(output, now)
    partial = path.with_name(path.name + ".partial")
    try:
        with tempfile.TemporaryDirectory(prefix=".tokoku-backup-", dir=path.parent) as work:
            database, tables = dumps.dump(connection, work)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "created_at": timezone.localtime(now).isoformat(timespec="seconds"),
                "vendor": connection.vendor,
                "database": {"member": database.name, "size": database.stat().st_size},
                "django": django.get_version(),
                "migrations": _applied_migrations(connection),
                "tables": tables,
            }
            files = _write_archive(partial, manifest, database)
        os.replace(partial, path)
    except OSError as error:
        raise BackupError(f"Gagal menulis arsip {path}: {error}") from error
    finally:
        partial.unlink(missing_ok=True)
    summary = [(label, tables.get(apps.get_model(model)._meta.db_table, 0)) for label, model in _summary_models()]
    return Outcome(path, manifest, files, summary=summary)


def _archive_path(output, now):
    path = Path(output or ".").expanduser()
    if output is None or path.is_dir() or str(output).endswith(os.sep):
        path = path / default_archive_name(now)
    if not path.parent.is_dir():
        raise BackupError(f"Folder {path.parent} tidak ada; buat dulu folder untuk arsip cadangan.")
    path = path.parent.resolve() / path.name
    if path.exists():
        raise BackupError(f"{path} sudah ada; pencadangan tidak pernah menimpa arsip lain.")
    for setting, root in zip(("MEDIA_ROOT", "PRIVATE_MEDIA_ROOT"), file_roots().values(), strict=True):
        if path.is_relative_to(root.resolve()):
            raise BackupError(
                f"Jangan simpan arsip di {setting} ({root}): arsip akan ikut tercadang, atau terbuka di web."
            )
    return path


def _write_archive(path, manifest, database):
    """Write the tar at `path` (mode 0600: it holds customers' data); returns files per media folder."""
    sums, files = [], {}
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "wb") as raw:
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            content = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode()
            sums.append((_add(tar, MANIFEST, io.BytesIO(content), len(content), time.time(), 0o600), MANIFEST))
            sums.append((_add_file(tar, database.name, database), database.name))
            for prefix, root in file_roots().items():
                files[prefix] = 0
                for name, source in _files(root, prefix):
                    digest = _add_file(tar, name, source)
                    if digest is not None:
                        sums.append((digest, name))
                        files[prefix] += 1
            listing = "".join(_checksum_line(digest, name) for digest, name in sums).encode()
            _add(tar, CHECKSUMS, io.BytesIO(listing), len(listing), time.time(), 0o600)
        raw.flush()
        os.fsync(raw.fileno())
    return files


def _add_file(tar, name, path):
    try:
        source = open(path, "rb")  # noqa: SIM115 (closed below; the file may vanish before it opens)
    except FileNotFoundError:
        return None  # deleted since it was listed, e.g. an old import file cleared by its schedule
    with source:
        stat = os.fstat(source.fileno())
        return _add(tar, name, source, stat.st_size, stat.st_mtime, stat.st_mode & 0o777)


def _add(tar, name, source, size, mtime, mode):
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, mtime, mode
    hashing = _Hashing(source)
    try:
        tar.addfile(info, hashing)
    except OSError as error:
        raise BackupError(f"Gagal menulis {name} ke arsip: {error}") from error
    return hashing.digest.hexdigest()


class _Hashing:
    """A file that hashes what tarfile reads from it, so each file is read once."""

    def __init__(self, source):
        self.source, self.digest = source, hashlib.sha256()

    def read(self, size=-1):
        chunk = self.source.read(size)
        self.digest.update(chunk)
        return chunk


def _files(root, prefix):
    """(member name, path) of every regular file under `root`, sorted; the other media root is left out
    when it lies inside this one, so no file is stored twice or under the wrong folder."""
    others = {other.resolve() for other in file_roots().values()} - {root.resolve()}
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(name for name in dirnames if Path(directory, name).resolve() not in others)
        for filename in sorted(filenames):
            path = Path(directory, filename)
            if path.is_file() and not path.is_symlink():
                yield f"{prefix}/{path.relative_to(root).as_posix()}", path


def _checksum_line(digest, name):
    escaped = name.replace("\\", "\\\\").replace("\n", "\\n")  # as sha256sum escapes odd names
    return f"\\{digest}  {escaped}\n" if escaped != name else f"{digest}  {name}\n"


def _applied_migrations(connection):
    applied = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


# --- Restore ---------------------------------------------------------------------------------


def check_archive(path, work=None, vendor=None):
    """Read the whole archive and hold it to its checksums; returns (manifest, checksums).

    With `work`, the database member is copied there on the way; with `vendor`, an archive from
    another database is refused as soon as its manifest is read.
    """
    path = Path(path)
    if not path.is_file():
        raise RestoreRefused(f"Arsip {path} tidak ditemukan.")
    manifest, listed, digests = None, None, {}
    try:
        with tarfile.open(path, "r:") as tar:
            for member in tar:
                if listed is not None or member.name in digests or not member.isreg():
                    raise DamagedArchive(f"Arsip {path.name} rusak: isi tak terduga ({member.name}).")
                if manifest is None and member.name != MANIFEST:
                    raise DamagedArchive(f"{path.name} bukan arsip cadangan TokoKu: {MANIFEST} tidak ada di awal.")
                with tar.extractfile(member) as data:
                    if member.name == CHECKSUMS:
                        listed = _parse_checksums(data.read(), path)
                    elif member.name == MANIFEST:
                        content = data.read()
                        digests[MANIFEST] = hashlib.sha256(content).hexdigest()
                        manifest = _parse_manifest(content, path, vendor)
                    elif member.name == manifest["database"]["member"] and work is not None:
                        with open(Path(work) / member.name, "wb") as out:
                            digests[member.name] = _copy(data, out)
                    else:
                        _member_path(member.name, file_roots(), path, allow=[manifest["database"]["member"]])
                        digests[member.name] = _copy(data)
    except (tarfile.TarError, EOFError) as error:
        raise DamagedArchive(f"Arsip {path.name} rusak atau terpotong: {error}.") from error
    if manifest is None or listed is None:
        raise DamagedArchive(
            f"Arsip {path.name} terpotong: {CHECKSUMS} di akhir arsip tidak ada (salinan belum selesai?)."
        )
    for name in sorted(listed.keys() | digests.keys()):
        if listed.get(name) != digests.get(name):
            what = "hilang" if name not in digests else "tidak tercatat" if name not in listed else "berubah"
            raise DamagedArchive(f"Arsip {path.name} rusak: {name} {what} (checksum tidak cocok).")
    if manifest["database"]["member"] not in digests:
        raise DamagedArchive(f"Arsip {path.name} rusak: dump database tidak ada.")
    return manifest, listed


def restore_backup(archive, using=DEFAULT_DB_ALIAS, force=False):
    """Bring an empty database and empty media folders to the archive's state; returns an Outcome.

    Refuses before changing anything when the archive is damaged, from another database vendor or
    a newer TokoKu, or when the database or the media folders are not empty and `force` is off.
    """
    connection = connections[using]
    dumps.require_tools(connection.vendor, "restore")
    roots = file_roots()
    with tempfile.TemporaryDirectory(prefix="tokoku-restore-") as work:
        manifest, checksums = check_archive(archive, work=work, vendor=connection.vendor)
        disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
        archived = {(app, name) for app, names in manifest["migrations"].items() for name in names}
        newer = _newer_migrations(archived, disk)
        if newer:
            raise RestoreRefused(
                f"Arsip dibuat oleh versi TokoKu yang lebih baru (migrasi {', '.join(newer[:3])} tidak dikenal). "
                "Perbarui kode TokoKu dulu, lalu ulangi."
            )
        with connection.cursor() as cursor:
            tables = connection.introspection.table_names(cursor, include_views=True)
        existing = {name for prefix, root in roots.items() for name, _path in _files(root, prefix)}
        if not force and tables:
            raise RestoreRefused(
                f"Database tujuan tidak kosong ({len(tables)} tabel, mis. {sorted(tables)[0]}). Pulihkan ke "
                "database baru yang kosong (dibuat tanpa migrate), atau ulangi dengan --force untuk menggantikan isinya."
            )
        if not force and existing:
            raise RestoreRefused(
                f"Folder media tujuan tidak kosong (mis. {sorted(existing)[0]}). Kosongkan MEDIA_ROOT dan "
                "PRIVATE_MEDIA_ROOT, atau ulangi dengan --force (berkas dengan nama yang sama ditimpa)."
            )
        database = Path(work) / manifest["database"]["member"]
        dumps.load(connection, database, force, manifest["tables"])
        connection.close()
    try:
        files = _restore_files(Path(archive), checksums, roots)
    except OSError as error:
        raise BackupError(
            f"Database sudah dipulihkan, tetapi berkas gagal ditulis: {error}. Perbaiki, lalu ulangi dengan --force."
        ) from error
    summary = [(label, apps.get_model(model).objects.using(using).count()) for label, model in _summary_models()]
    pending = sorted(f"{app}.{name}" for app, name in disk - archived)
    kept = len(existing - checksums.keys())
    return Outcome(Path(archive), manifest, files, kept=kept, pending_migrations=pending, summary=summary)


def _newer_migrations(archived, disk):
    """Applied in the archive, numbered past this code's latest for the app: made by a newer TokoKu.

    Unknown migrations numbered lower are rows a library left behind when it deleted squashed
    migrations; Django ignores those, and so does restore.
    """
    latest = {}
    for app, name in disk:
        latest[app] = max(latest.get(app, ""), name[:4])
    unknown = archived - disk
    return sorted(f"{app}.{name}" for app, name in unknown if app in latest and name[:4] > latest[app])


def _summary_models():
    return (*SUMMARY, ("pengguna", get_user_model()._meta.label))


def _parse_manifest(content, path, vendor):
    try:
        manifest = json.loads(content)
    except ValueError as error:
        raise DamagedArchive(f"Arsip {path.name} rusak: {MANIFEST} tidak terbaca ({error}).") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DamagedArchive(f"{path.name} bukan arsip cadangan TokoKu.")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise RestoreRefused(
            f"Arsip format versi {version} dibuat oleh TokoKu yang lebih baru; perbarui kode TokoKu dulu."
        )
    theirs = manifest.get("vendor")
    if vendor is not None and theirs != vendor:
        raise RestoreRefused(
            f"Arsip ini berisi database {VENDOR_NAMES.get(theirs, theirs)}, sedangkan database tujuan "
            f"{VENDOR_NAMES[vendor]}. Pulihkan ke database {VENDOR_NAMES.get(theirs, theirs)}."
        )
    database = manifest.get("database")
    if not isinstance(database, dict) or database.get("member") != dumps.MEMBERS.get(theirs):
        raise DamagedArchive(f"Arsip {path.name} rusak: {MANIFEST} tidak menyebut dump database yang dikenal.")
    if not isinstance(manifest.get("migrations"), dict) or not isinstance(manifest.get("tables"), dict):
        raise DamagedArchive(f"Arsip {path.name} rusak: {MANIFEST} tidak lengkap.")
    return manifest


def _parse_checksums(content, path):
    listed = {}
    try:
        for line in content.decode().split("\n"):
            escaped, line = line.startswith("\\"), line.removeprefix("\\")
            digest, separator, name = line.partition("  ")
            if not line:
                continue
            if not separator or len(digest) != 64:
                raise ValueError(line[:80])
            if escaped:
                name = name.replace("\\\\", "\0").replace("\\n", "\n").replace("\0", "\\")
            listed[name] = digest
    except ValueError as error:
        raise DamagedArchive(f"Arsip {path.name} rusak: {CHECKSUMS} tidak terbaca ({error}).") from error
    return listed


def _member_path(name, roots, archive, allow=()):
    """Where a member is written: only plain relative paths under media/ or private_media/."""
    if name in allow:
        return None
    prefix, _slash, relative = name.partition("/")
    parts = PurePosixPath(relative).parts
    if prefix not in roots or not parts or any(part in ("", ".", "..") for part in parts) or relative.startswith("/"):
        raise DamagedArchive(f"Arsip {archive.name} rusak: isi tak terduga ({name}).")
    return roots[prefix].joinpath(*parts)


def _restore_files(archive, checksums, roots):
    files = dict.fromkeys(roots, 0)
    with tarfile.open(archive, "r:") as tar:
        for member in tar:
            target = _member_path(member.name, roots, archive, allow=[MANIFEST, CHECKSUMS, *dumps.MEMBERS.values()])
            if target is None:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as data, open(target, "wb") as out:
                digest = _copy(data, out)
            if digest != checksums[member.name]:
                raise BackupError(
                    f"{member.name} berubah sejak arsip diperiksa; database sudah dipulihkan, ulangi dengan --force."
                )
            os.chmod(target, member.mode & 0o777)
            os.utime(target, (member.mtime, member.mtime))
            files[member.name.partition("/")[0]] += 1
    return files


def _copy(source, target=None):
    digest = hashlib.sha256()
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        if target is not None:
            target.write(chunk)
    return digest.hexdigest()
