"""Checking and importing a product spreadsheet for a ProductImport, chunk by chunk.

Both steps run the same pass over the file through `ProductResource`: the check (the preview)
with nothing written, the import with everything written in one transaction, so that a file
with any row in error leaves the database as it was. The file is streamed, the per-row report
goes to a file (shop.imports.report), and SKUs seen are kept on disk: memory stays flat however
long the file is. A .zip of pictures uploaded with the file goes through the same two passes
(shop.imports.pictures).
"""

import logging
import tempfile
import time
from contextlib import nullcontext
from datetime import timedelta
from itertools import chain, islice

import tablib
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task
from wagtail.search.backends import get_search_backends_with_name

from home.page_cache import bump_version
from shop.catalog.models import Product
from shop.core.storage import private_storage
from shop.imports.columns import ROW_NUMBER, HeaderError, map_columns
from shop.imports.models import ProductImport
from shop.imports.numbers import is_blank
from shop.imports.pictures import (
    FOREGROUND_ARCHIVE_BYTES,
    ArchiveError,
    PictureArchive,
    archive_size,
    open_archive,
    store_archive,
)
from shop.imports.progress import remove_progress, write_progress
from shop.imports.report import Outcome, write_chunk
from shop.imports.resource import ProductResource
from shop.imports.spreadsheets import SpreadsheetError, count_rows, open_sheet

logger = logging.getLogger(__name__)

CHUNK_ROWS = 1000
SHEET_NAME = "Produk"
MAX_ROWS = settings.PRODUCT_IMPORT_MAX_ROWS
MAX_BYTES = settings.PRODUCT_IMPORT_MAX_BYTES
# Up to this many rows the check and the import run in the request; above, in django-q2 tasks.
FOREGROUND_ROWS = settings.PRODUCT_IMPORT_FOREGROUND_ROWS
REINDEX_BATCH = 500


class ImportRefused(Exception):
    """The file as a whole cannot be imported; the message is for the shop owner."""


# -- the file -----------------------------------------------------------------------------


def check_upload(upload, *, with_pictures=False):
    """Refuse a file that cannot be imported before anything is stored; returns its row count
    (counted up to FOREGROUND_ROWS + 1). `with_pictures`: a .zip of pictures came with it."""
    if upload.size > MAX_BYTES:
        raise ImportRefused(
            _("Berkas terlalu besar: %(size)s MB, paling besar %(maximum)s MB. Bagi menjadi beberapa berkas.")
            % {"size": f"{upload.size / 1048576:.1f}", "maximum": MAX_BYTES // 1048576}
        )
    with open_sheet(upload, upload.name, sheet_name=SHEET_NAME) as sheet:
        keys = _keys(sheet.headers)
        first = next(sheet.rows, None)
        if first is None:
            raise ImportRefused(_("Berkas hanya berisi judul kolom, belum ada baris produk."))
        if not with_pictures:
            # The rows a small file has; a longer one is looked at by the check itself.
            _refuse_pictures_without_archive(keys, chain([first], islice(sheet.rows, FOREGROUND_ROWS)))
    rows = count_rows(upload, upload.name, up_to=FOREGROUND_ROWS + 1)
    upload.seek(0)
    return rows


def _keys(headers):
    try:
        return map_columns(headers)
    except HeaderError as error:
        raise ImportRefused(str(error)) from None


def _refuse_pictures_without_archive(keys, rows):
    if "image" not in keys:
        return
    at = keys.index("image")
    for number, cells in rows:
        if at < len(cells) and not is_blank(cells[at]):
            raise ImportRefused(
                _(
                    "Kolom Gambar diisi (baris %(row)s), tetapi berkas .zip gambarnya tidak diunggah. "
                    "Unggah .zip berisi gambar-gambar itu bersama berkas ini, atau kosongkan kolom Gambar."
                )
                % {"row": number}
            )


def process(
    file,
    filename,
    *,
    save,
    actor=None,
    create_categories=False,
    note="",
    report=None,
    progress=None,
    pictures=None,
):
    """One pass over the file; writes only when `save` (the caller holds the transaction).

    `report` receives one JSON line per row; `progress(rows_done)` is called after each chunk;
    `pictures` is the .zip of pictures (a binary file) or None.
    """
    outcome = Outcome()
    archive = PictureArchive(pictures) if pictures is not None else None
    resource = ProductResource(actor=actor, create_categories=create_categories, note=note, pictures=archive)
    finished = False
    try:
        with open_sheet(file, filename, sheet_name=SHEET_NAME) as sheet:
            keys = _keys(sheet.headers)
            used = [i for i, key in enumerate(keys) if key]
            headers = [keys[i] for i in used] + [ROW_NUMBER]
            while chunk := list(islice(sheet.rows, CHUNK_ROWS)):
                if outcome.total + len(chunk) > MAX_ROWS:
                    raise ImportRefused(
                        _(
                            "Terlalu banyak baris: paling banyak %(maximum)s baris per berkas. Bagi menjadi beberapa berkas."
                        )
                        % {"maximum": f"{MAX_ROWS:,}".replace(",", ".")}
                    )
                if archive is None:
                    _refuse_pictures_without_archive(keys, chunk)
                dataset = tablib.Dataset(headers=headers)
                for number, cells in chunk:
                    dataset.append([cells[i] if i < len(cells) else None for i in used] + [number])
                result = resource.import_data(dataset, dry_run=not save, use_transactions=True)
                write_chunk(result, resource, chunk, dataset, outcome, report)
                if progress:
                    progress(outcome.total)
        outcome.stock_movements = resource.stock_movements
        outcome.new_categories = resource.fields["category"].widget.created_names()
        outcome.unused_archive = archive is not None and "image" not in keys
        finished = True
    finally:
        resource.close()
        if archive is not None:
            if not finished or outcome.errors:
                # The transaction that recorded these pictures is rolled back: their files would be orphans.
                archive.discard_written()
            archive.close()
    if outcome.total == 0:
        raise ImportRefused(_("Berkas hanya berisi judul kolom, belum ada baris produk."))
    return outcome


# -- the job -------------------------------------------------------------------------------


def start_import(upload, *, pictures=None, actor=None, create_categories=False, row_count=0):
    """Keep an upload that passed check_upload (and its .zip of pictures) and start its check:
    in this request when it is small, else as a task. Returns the ProductImport."""
    job = ProductImport(
        original_name=upload.name[:255], create_categories=create_categories, created_by=actor, total_rows=row_count
    )
    job.file.save(upload.name, upload, save=False)
    if pictures is not None:
        store_archive(job, pictures)
    job.save()
    if in_foreground(job):
        check_import(job.pk)
    else:
        enqueue("shop.imports.tasks.check_product_import", job.pk)
    return job


def in_foreground(job):
    """Whether the job's check or import runs in the request: not for many rows, nor for many pictures."""
    return job.total_rows <= FOREGROUND_ROWS and archive_size(job) <= FOREGROUND_ARCHIVE_BYTES


class _RolledBack(Exception):
    def __init__(self, outcome):
        self.outcome = outcome


def check_import(import_id):
    """The preview: classify every row, write nothing. Safe to run twice (task retries)."""
    job = _claim(import_id, ProductImport.Status.CHECK_QUEUED, ProductImport.Status.CHECKING)
    if job is None:
        return None
    try:
        # A full count, so the progress bar of a large file has a true end.
        with private_storage.open(job.file.name, "rb") as file:
            job.total_rows = count_rows(file, job.original_name, up_to=MAX_ROWS + 1)
        job.save(update_fields=["total_rows"])
        outcome = _run(job, save=False)
    except (SpreadsheetError, ImportRefused, ArchiveError) as refusal:
        return _finish(job, ProductImport.Status.FAILED, outcome=Outcome(), message=str(refusal))
    except Exception:
        logger.exception("Checking product import %s failed", job.pk)
        return _finish(
            job, ProductImport.Status.FAILED, outcome=Outcome(), message=_("Pemeriksaan gagal karena kesalahan sistem.")
        )
    message = _notes(outcome)
    return _finish(job, ProductImport.Status.CHECKED, outcome=outcome, message=message)


def run_import(import_id):
    """Write the whole file in one transaction, or nothing. Safe to run twice (task retries)."""
    job = _claim(import_id, ProductImport.Status.IMPORT_QUEUED, ProductImport.Status.IMPORTING)
    if job is None:
        return None
    try:
        with transaction.atomic():
            outcome = _run(job, save=True)
            if outcome.errors:
                raise _RolledBack(outcome)
            # Marked done in the same transaction as the products: done means written.
            _finish(job, ProductImport.Status.DONE, outcome=outcome, message=_notes(outcome))
    except _RolledBack as rolled_back:
        return _finish(
            job,
            ProductImport.Status.FAILED,
            outcome=rolled_back.outcome,
            message=_("Tidak ada yang disimpan: %(count)s baris bermasalah. Perbaiki berkasnya lalu unggah lagi.")
            % {"count": rolled_back.outcome.errors},
        )
    except (SpreadsheetError, ImportRefused, ArchiveError) as refusal:
        return _finish(job, ProductImport.Status.FAILED, message=str(refusal))
    except Exception:
        logger.exception("Product import %s failed", job.pk)
        return _finish(
            job, ProductImport.Status.FAILED, message=_("Impor gagal karena kesalahan sistem; tidak ada yang disimpan.")
        )
    # Bulk writes send no signals: pages and searches cached under the old catalog are dropped here.
    bump_version()
    if job.total_rows <= FOREGROUND_ROWS:
        refresh_search_index(job)
    else:
        enqueue("shop.imports.tasks.reindex_imported_products", job.pk)
    return job


def enqueue(task, *args):
    """Queue a django-q2 task once the current transaction commits, so the worker never looks for
    rows that are not there yet (or never will be)."""
    name = "-".join([task.rsplit(".", 1)[-1], *map(str, args)])
    transaction.on_commit(lambda: async_task(task, *args, task_name=name))


def _run(job, *, save):
    write_progress(job, 0)
    pictures = open_archive(job)
    with tempfile.NamedTemporaryFile("w+", encoding="utf-8", suffix=".jsonl") as report:
        with private_storage.open(job.file.name, "rb") as file, pictures or nullcontext():
            outcome = process(
                file,
                job.original_name,
                save=save,
                actor=job.created_by,
                create_categories=job.create_categories,
                note=_("Impor #%(id)s (%(name)s)") % {"id": job.pk, "name": job.original_name[:150]},
                report=report,
                progress=lambda done: write_progress(job, done),
                pictures=pictures,
            )
        report.flush()
        report.seek(0)
        if job.report:
            job.report.delete(save=False)
        job.report.save(f"imports/products/{job.pk}-laporan.jsonl", File(report), save=False)
    return outcome


def _claim(import_id, queued, running):
    """Move the job from queued to running, once, so a task retried by django-q2 cannot run it
    twice; a run older than the task timeout died with its worker and may start again."""
    now = timezone.now()
    stale = now - timedelta(seconds=(settings.Q_CLUSTER.get("timeout") or 300) + 60)
    claimed = ProductImport.objects.filter(pk=import_id, status=queued).update(status=running, started_at=now)
    if not claimed:
        claimed = ProductImport.objects.filter(pk=import_id, status=running, started_at__lt=stale).update(
            started_at=now
        )
    if not claimed:
        return None
    return ProductImport.objects.select_related("created_by").get(pk=import_id)


def _finish(job, status, *, outcome=None, message=""):
    job.status = status
    job.message = message
    job.finished_at = timezone.now()
    fields = ["status", "message", "finished_at", "report"]
    if outcome is not None:
        job.total_rows = outcome.total
        job.new_rows, job.updated_rows, job.unchanged_rows = outcome.new, outcome.updated, outcome.unchanged
        job.error_rows = outcome.errors
        job.stock_movements = outcome.stock_movements if status == ProductImport.Status.DONE else 0
        fields += ["total_rows", "new_rows", "updated_rows", "unchanged_rows", "error_rows", "stock_movements"]
    job.save(update_fields=fields)
    remove_progress(job)
    return job


def _notes(outcome):
    notes = []
    if outcome.new_pictures:
        notes.append(_("Gambar baru dari .zip: %(count)s.") % {"count": outcome.new_pictures})
    if outcome.unused_archive:
        notes.append(_("Berkas .zip gambar tidak dipakai: berkas produk tidak punya kolom Gambar."))
    if outcome.new_categories:
        notes.append(_("Kategori baru: %(names)s.") % {"names": ", ".join(outcome.new_categories)})
    return " ".join(notes)


def refresh_search_index(job, *, after_pk=0, seconds=None):
    """Bulk writes send no signals, so the products this import touched are reindexed here.

    With `seconds`, stops after that long and returns the last product id done (None when all
    are done), so a background task can hand the rest to its next run and stay short.
    """
    deadline = None if seconds is None else time.monotonic() + seconds
    products = Product.get_indexed_objects().filter(updated_at__gte=job.started_at, pk__gt=after_pk).order_by("pk")
    backends = list(get_search_backends_with_name(with_auto_update=True))
    while batch := list(products.filter(pk__gt=after_pk)[:REINDEX_BATCH]):
        for name, backend in backends:
            try:
                backend.add_bulk(Product, batch)
            except Exception:
                # The products are saved; the index can be rebuilt with `manage.py update_index`.
                logger.exception("Reindexing products after import %s failed in search backend %r", job.pk, name)
        after_pk = batch[-1].pk
        if deadline is not None and time.monotonic() > deadline:
            return after_pk
    return None
