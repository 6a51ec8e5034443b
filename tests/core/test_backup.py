"""`manage.py backup` and `manage.py restore` (issue 11).

The round trip backs up orders at every stage, pictures and documents in MEDIA_ROOT and payment
proofs in PRIVATE_MEDIA_ROOT, restores the archive into a separate empty database made for the
test (on the same server; a new file on SQLite) and empty media folders, and compares every row of
every table and every file's bytes. It runs on SQLite, PostgreSQL and MariaDB, one test each. The
refusals (a database or media folder in use, another vendor, a newer TokoKu, a damaged archive)
must leave the target exactly as it was.
"""

import copy
import gzip
import hashlib
import io
import json
import stat
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command, execute_from_command_line
from django.db import connection, connections
from django.db.utils import load_backend
from wagtail.documents.models import Document
from wagtail.images.models import Image

from home.demo.images import draw_picture
from shop.core import backup, dumps
from shop.models import Order, PaymentProof, Product, ProductImage
from tests import factories, helpers

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TARGET = "backup_target"
ON_SQLITE = connection.vendor == "sqlite"


# --- The shop, the empty target and what is compared ----------------------------------------


@pytest.fixture
def shop_data(buyer, cs1_user, product):
    """Orders at three stages (two with proofs in PRIVATE_MEDIA_ROOT), and files in MEDIA_ROOT."""
    second = factories.product(stock=7)
    factories.order(buyer, (product, 1))
    helpers.waiting_order(buyer, (second, 2))
    helpers.processed_order(buyer, (product, 3), (second, 1), cs1=cs1_user)
    picture = ContentFile(draw_picture("Kopi", "#0ea5e9", size=(64, 64)), name="kopi gula aren.jpg")
    image = Image.objects.create(title="Kopi gula aren", file=picture)
    image.get_rendition("fill-32x32")
    ProductImage.objects.create(product=product, image=image, caption="Tampak depan")
    Document.objects.create(title="Katalog", file=ContentFile(b"%PDF-1.4\n katalog", name="katalog.pdf"))
    default_storage.save("unggahan/catatan toko ü.txt", ContentFile("Selamat datang, Bu Siti ☕".encode()))
    assert Order.objects.count() == 3 and PaymentProof.objects.count() == 2


@pytest.fixture
def target(tmp_path):
    """A second database on the same server, empty (no tables), as `createdb` leaves it."""
    source = connections["default"]
    config = copy.deepcopy(source.settings_dict)
    name = f"{config['NAME']}_restored"
    if ON_SQLITE:
        config["NAME"] = str(tmp_path / "restored.sqlite3")
    else:
        with source.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {source.ops.quote_name(name)}")
            cursor.execute(f"CREATE DATABASE {source.ops.quote_name(name)}")
        config["NAME"] = name
    # Set as a connection of its own, not in DATABASES: Django's test case then lets the test use it.
    connections[TARGET] = load_backend(config["ENGINE"]).DatabaseWrapper(config, TARGET)
    yield connections[TARGET]
    connections[TARGET].close()
    del connections[TARGET]
    if not ON_SQLITE:
        force = " WITH (FORCE)" if source.vendor == "postgresql" else ""
        with source.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {source.ops.quote_name(name)}{force}")


def restored_media(settings, tmp_path):
    """Point MEDIA_ROOT and PRIVATE_MEDIA_ROOT at new, empty folders, as on a fresh machine."""
    settings.MEDIA_ROOT = tmp_path / "pulih" / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "pulih" / "private_media"


def rows_of(db):
    """Every row of every table, ordered by primary key."""
    rows = {}
    with db.cursor() as cursor:
        for table in sorted(db.introspection.table_names(cursor)):
            keys = db.introspection.get_primary_key_columns(cursor, table)
            order = " ORDER BY " + ", ".join(map(db.ops.quote_name, keys)) if keys else ""
            cursor.execute(f"SELECT * FROM {db.ops.quote_name(table)}{order}")
            rows[table] = cursor.fetchall() if keys else sorted(cursor.fetchall(), key=repr)
    return rows


def id_counters(db):
    """Where each table's ids go next, so a restored shop does not hand out an id twice."""
    queries = {
        "postgresql": "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema()",
        "mysql": "SELECT table_name, auto_increment FROM information_schema.tables WHERE table_schema = DATABASE()",
        "sqlite": "SELECT name, seq FROM sqlite_sequence",
    }
    with db.cursor() as cursor:
        cursor.execute(queries[db.vendor])
        return dict(cursor.fetchall())


def files_of():
    """Every file under MEDIA_ROOT and PRIVATE_MEDIA_ROOT, with its bytes."""
    return {
        f"{prefix}/{path.relative_to(root).as_posix()}": path.read_bytes()
        for prefix, root in backup.file_roots().items()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def make_archive(tmp_path):
    folder = tmp_path / "arsip"
    folder.mkdir(exist_ok=True)
    call_command("backup", output=str(folder), stdout=io.StringIO())
    (archive,) = folder.glob("tokoku-*.tar")
    return archive


def restore(archive, *flags):
    out = io.StringIO()
    call_command("restore", str(archive), *flags, database=TARGET, stdout=out)
    return out.getvalue()


# --- The round trip, on each database -------------------------------------------------------


def round_trip(tmp_path, settings, target):
    rows, counters, files = rows_of(connection), id_counters(connection), files_of()
    assert {"auth_user", "wagtailcore_page", "wagtailimages_image", "django_migrations"} <= rows.keys()
    assert set(connection.introspection.django_table_names(only_existing=True)) <= rows.keys()
    assert any(name.startswith("private_media/") for name in files) and any("kopi" in name for name in files)
    archive = make_archive(tmp_path)
    restored_media(settings, tmp_path)

    said = restore(archive)

    assert rows_of(target) == rows
    assert id_counters(target) == counters
    assert files_of() == files
    assert "pesanan 3" in said and "bukti transfer 2" in said
    assert "migrate" not in said  # the archive's migrations are this code's: nothing left to apply


@pytest.mark.skipif(not ON_SQLITE, reason="the SQLite round trip; the server databases have their own")
def test_round_trip_on_sqlite(shop_data, target, tmp_path, settings):
    round_trip(tmp_path, settings, target)


@pytest.mark.postgres
def test_round_trip_on_postgresql(shop_data, target, tmp_path, settings):
    round_trip(tmp_path, settings, target)


@pytest.mark.skipif(connection.vendor != "mysql", reason="needs MariaDB/MySQL (set DATABASE_URL=mysql://…)")
def test_round_trip_on_mariadb(shop_data, target, tmp_path, settings):
    round_trip(tmp_path, settings, target)


# --- The archive ------------------------------------------------------------------------------


def test_the_archive_is_private_named_in_jakarta_time_and_checkable_with_sha256sum(shop_data, tmp_path):
    archive = make_archive(tmp_path)

    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert backup.default_archive_name(datetime(2026, 1, 1, 20, 30, tzinfo=UTC)) == "tokoku-20260102-033000.tar"
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
        listing = tar.extractfile("SHA256SUMS").read().decode()
        digests = {m.name: hashlib.sha256(tar.extractfile(m).read()).hexdigest() for m in tar if m.name != names[-1]}
    assert names[0] == "manifest.json" and names[-1] == "SHA256SUMS"
    assert listing == "".join(f"{digest}  {name}\n" for name, digest in digests.items())
    assert manifest["vendor"] == connection.vendor and manifest["created_at"].endswith("+07:00")
    assert manifest["tables"][Order._meta.db_table] == 3 and manifest["tables"][Product._meta.db_table] == 2
    assert "0001_initial" in manifest["migrations"]["shop"]
    assert manifest["database"]["member"] == names[1] and "media/unggahan/catatan toko ü.txt" in names


def test_backup_never_overwrites_an_archive_nor_writes_into_the_media_folders(tmp_path, settings):
    archive = make_archive(tmp_path)
    before = archive.read_bytes()

    with pytest.raises(CommandError, match="sudah ada"):
        call_command("backup", output=str(archive))
    settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    with pytest.raises(CommandError, match="MEDIA_ROOT"):
        call_command("backup", output=str(settings.MEDIA_ROOT))

    assert archive.read_bytes() == before
    assert not list(Path(settings.MEDIA_ROOT).iterdir())


@pytest.mark.skipif(ON_SQLITE, reason="SQLite needs no client program")
def test_a_missing_client_program_names_the_package_to_install(tmp_path, monkeypatch):
    package = {"postgresql": "postgresql-client", "mysql": "mariadb-client"}[connection.vendor]
    archive = make_archive(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "kosong"))

    with pytest.raises(CommandError, match=f"apt install {package}"):
        call_command("backup", output=str(tmp_path))
    with pytest.raises(CommandError, match=f"apt install {package}"):
        call_command("restore", str(archive))


def test_the_exit_code_says_whether_it_worked(tmp_path, capsys):
    archive = make_archive(tmp_path)

    execute_from_command_line(["manage.py", "restore", "--check", str(archive)])  # returns: exit code 0
    assert "Arsip utuh" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit:
        execute_from_command_line(["manage.py", "restore", "--check", str(tmp_path / "tidak-ada.tar")])
    assert exit.value.code == 1
    assert "tidak ditemukan" in capsys.readouterr().err


# --- Refusals change nothing ------------------------------------------------------------------


def rewritten(archive, path, manifest=None, members=None, extra=()):
    """A copy of `archive` with manifest fields changed, members replaced (`members` maps a name to
    (new name, content)) or added, and SHA256SUMS made to match: damaged or not, it is consistent."""
    with tarfile.open(archive) as source:
        entries = [(m.name, source.extractfile(m).read()) for m in source if m.name != "SHA256SUMS"]
    sums = []
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as out:
        for name, content in [*entries, *extra, ("SHA256SUMS", None)]:
            if name == "manifest.json" and manifest:
                content = json.dumps({**json.loads(content), **manifest}).encode()
            if name == "SHA256SUMS":
                content = "".join(sums).encode()
            name, content = (members or {}).get(name, (name, content))
            sums.append(f"{hashlib.sha256(content).hexdigest()}  {name}\n")
            info = tarfile.TarInfo(name)
            info.size = len(content)
            out.addfile(info, io.BytesIO(content))
    return path


def member_of(archive, name):
    with tarfile.open(archive) as tar:
        return tar.extractfile(name).read()


def assert_untouched(target, tmp_path):
    """The target as the test made it: no tables, no media files, nothing written outside them."""
    assert rows_of(target) == {}
    assert files_of() == {}
    assert not list(tmp_path.rglob("kabur*"))


def test_a_database_in_use_is_refused_until_force_replaces_it(shop_data, target, tmp_path, settings):
    rows, files = rows_of(connection), files_of()
    archive = make_archive(tmp_path)
    restored_media(settings, tmp_path)
    restore(archive)
    with target.cursor() as cursor:
        cursor.execute("CREATE TABLE toko_lama (id integer PRIMARY KEY)")
        cursor.execute(f"UPDATE {target.ops.quote_name(Product._meta.db_table)} SET name = 'Diubah'")
    Path(settings.MEDIA_ROOT, "tambahan.txt").write_bytes(b"punya pemilik")
    in_use = rows_of(target), files_of()

    with pytest.raises(CommandError, match="Database tujuan tidak kosong"):
        restore(archive)
    assert (rows_of(target), files_of()) == in_use

    said = restore(archive, "--force")
    assert rows_of(target) == rows
    assert files_of() == {**files, "media/tambahan.txt": b"punya pemilik"}
    assert "1 berkas lama" in said


def test_media_folders_in_use_are_refused(shop_data, target, tmp_path, settings):
    archive = make_archive(tmp_path)
    restored_media(settings, tmp_path)
    Path(settings.PRIVATE_MEDIA_ROOT).mkdir(parents=True)
    Path(settings.PRIVATE_MEDIA_ROOT, "bukti lama.pdf").write_bytes(b"%PDF milik toko ini")

    with pytest.raises(CommandError, match="Folder media tujuan tidak kosong"):
        restore(archive)

    assert rows_of(target) == {}
    assert files_of() == {"private_media/bukti lama.pdf": b"%PDF milik toko ini"}


OTHER_VENDOR = "mysql" if connection.vendor == "postgresql" else "postgresql"


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ("vendor", "Arsip ini berisi database"),
        ("format", "dibuat oleh TokoKu yang lebih baru"),
        ("migration", "migrasi shop.9999_dari_masa_depan tidak dikenal"),
    ],
)
def test_an_archive_from_another_database_or_a_newer_tokoku_is_refused(
    change, refusal, shop_data, target, tmp_path, settings
):
    archive = make_archive(tmp_path)
    manifest = json.loads(member_of(archive, "manifest.json"))
    ours = manifest["database"]["member"]
    changes = {
        "vendor": ({"vendor": OTHER_VENDOR, "database": {"member": dumps.MEMBERS[OTHER_VENDOR], "size": 1}}, ours),
        "format": ({"format_version": backup.FORMAT_VERSION + 1}, None),
        "migration": ({"migrations": {**manifest["migrations"], "shop": ["9999_dari_masa_depan"]}}, None),
    }
    fields, renamed = changes[change]
    members = {renamed: (dumps.MEMBERS[OTHER_VENDOR], member_of(archive, ours))} if renamed else None
    other = rewritten(archive, tmp_path / "lain.tar", manifest=fields, members=members)
    restored_media(settings, tmp_path)

    with pytest.raises(CommandError, match=refusal):
        restore(other)

    assert_untouched(target, tmp_path)


def test_migrations_a_library_deleted_after_squashing_do_not_block_a_restore(target, tmp_path, settings):
    """An old install keeps rows for migrations a library has since squashed away; Django ignores them."""
    archive = make_archive(tmp_path)
    migrations = json.loads(member_of(archive, "manifest.json"))["migrations"]
    stale = {**migrations, "wagtailcore": ["0001_initial_sebelum_squash", *migrations["wagtailcore"]]}
    old = rewritten(archive, tmp_path / "lama.tar", manifest={"migrations": stale})
    restored_media(settings, tmp_path)

    restore(old)

    assert "wagtailcore_page" in rows_of(target)


def flip_a_byte(archive, path, name):
    data = bytearray(archive.read_bytes())
    with tarfile.open(archive) as tar:
        offset = tar.getmember(name).offset_data
    data[offset + 10] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("damage", "refusal"),
    [
        ("cut in half", "terpotong"),
        ("a byte of a proof changed", r"private_media/.* berubah"),
        ("a byte of the database changed", r"database\..* berubah"),
        ("not an archive", "rusak"),
        ("a member outside the media folders", "isi tak terduga"),
    ],
)
def test_a_damaged_archive_is_refused(damage, refusal, shop_data, target, tmp_path, settings):
    archive = make_archive(tmp_path)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    damaged = tmp_path / "rusak.tar"
    if damage == "cut in half":
        damaged.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    elif damage == "a byte of a proof changed":
        flip_a_byte(archive, damaged, next(name for name in names if name.startswith("private_media/")))
    elif damage == "a byte of the database changed":
        flip_a_byte(archive, damaged, names[1])
    elif damage == "not an archive":
        damaged.write_bytes(b"bukan arsip " * 1000)
    else:
        # From the restored MEDIA_ROOT (tmp_path/pulih/media) this would land in tmp_path itself.
        rewritten(archive, damaged, extra=[("media/../../kabur.txt", b"keluar dari folder media")])
    restored_media(settings, tmp_path)

    with pytest.raises(CommandError, match=refusal):
        restore(damaged)
    with pytest.raises(CommandError, match=refusal):
        restore(damaged, "--force")

    assert_untouched(target, tmp_path)


@pytest.mark.skipif(connection.vendor == "mysql", reason="MariaDB cannot roll DDL back; a failed load says so")
def test_a_forced_restore_whose_dump_fails_leaves_the_database_as_it_was(shop_data, target, tmp_path, settings):
    archive = make_archive(tmp_path)
    restored_media(settings, tmp_path)
    restore(archive)
    with target.cursor() as cursor:
        cursor.execute("CREATE TABLE toko_lama (id integer PRIMARY KEY)")
    before = rows_of(target)
    name = json.loads(member_of(archive, "manifest.json"))["database"]["member"]
    dump = member_of(archive, name)
    if ON_SQLITE:  # a SQLite file cut short, in a sound gzip
        whole = gzip.decompress(dump)
        broken = gzip.compress(whole[: len(whole) // 2])
    else:  # pg_restore stops half-way through the data
        broken = dump[: len(dump) // 2]
    bad = rewritten(archive, tmp_path / "dump-rusak.tar", members={name: (name, broken)})

    with pytest.raises(CommandError, match="gagal"):
        restore(bad, "--force")

    assert rows_of(target) == before
