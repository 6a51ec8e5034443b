"""Checking and importing a product spreadsheet for a ProductImport, chunk by chunk.

Both steps run the same pass over the file through `ProductResource`: the check (the preview)
with nothing written, the import with everything written in one transaction, so that a file
with any row in error leaves the database as it was. The file is streamed, the per-row report
goes to a file, and SKUs seen are kept on disk: memory stays flat however long the file is.
"""

import json
import logging
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice

import tablib
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_q.tasks import async_task
from wagtail.search.backends import get_search_backends_with_name

from shop.catalog.models import Product
from shop.core.storage import private_storage
from shop.imports.columns import COLUMNS, HEADER_ALIASES, REQUIRED_COLUMNS, ROW_NUMBER, normalise_header
from shop.imports.models import ProductImport
from shop.imports.progress import remove_progress, write_progress
from shop.imports.resource import ProductResource
from shop.imports.spreadsheets import SpreadsheetError, count_rows, open_sheet

logger = logging.getLogger(__name__)

CHUNK_ROWS = 1000
SHEET_NAME = "Produk"
MAX_ROWS = settings.PRODUCT_IMPORT_MAX_ROWS
MAX_BYTES = settings.PRODUCT_IMPORT_MAX_BYTES
# Up to this many rows the check and the import run in the request; above, in django-q2 tasks.
FOREGROUND_ROWS = settings.PRODUCT_IMPORT_FOREGROUND_ROWS
LABELS = {c.key: c.label for c in COLUMNS}
REINDEX_BATCH = 500

NEW, UPDATE, UNCHANGED, ERROR = "new", "update", "unchanged", "error"
STATUS_LABELS = {
    NEW: gettext_lazy("Baru"),
    UPDATE: gettext_lazy("Diperbarui"),
    UNCHANGED: gettext_lazy("Tidak berubah"),
    ERROR: gettext_lazy("Bermasalah"),
}


class ImportRefused(Exception):
    """The file as a whole cannot be imported; the message is for the shop owner."""


@dataclass
class Outcome:
    total: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: int = 0
    stock_movements: int = 0
    ignored_columns: list = field(default_factory=list)
    new_categories: list = field(default_factory=list)


# -- the file -----------------------------------------------------------------------------


def map_columns(headers):
    """Which resource column each file column feeds (None: ignored), and the ignored headers."""
    keys, ignored, seen = [], [], {}
    for position, header in enumerate(headers, 1):
        key = HEADER_ALIASES.get(normalise_header(header))
        if key and key in seen:
            raise ImportRefused(
                _("Kolom “%(header)s” muncul dua kali (kolom ke-%(first)s dan ke-%(second)s).")
                % {"header": header, "first": seen[key], "second": position}
            )
        if key:
            seen[key] = position
        elif header:
            ignored.append(header)
        keys.append(key)
    missing = [key for key in REQUIRED_COLUMNS if key not in seen]
    if missing:
        raise ImportRefused(
            _("Kolom wajib tidak ada: %(columns)s. Pakai templat dari halaman Impor Produk.")
            % {"columns": ", ".join(f"{key} ({LABELS[key]})" for key in missing)}
        )
    return keys, ignored


def check_upload(upload):
    """Refuse a file that cannot be imported before anything is stored; returns its row count
    (counted up to FOREGROUND_ROWS + 1)."""
    if upload.size > MAX_BYTES:
        raise ImportRefused(
            _("Berkas terlalu besar: %(size)s MB, paling besar %(maximum)s MB. Bagi menjadi beberapa berkas.")
            % {"size": f"{upload.size / 1048576:.1f}", "maximum": MAX_BYTES // 1048576}
        )
    with open_sheet(upload, upload.name, sheet_name=SHEET_NAME) as sheet:
        map_columns(sheet.headers)
        if next(sheet.rows, None) is None:
            raise ImportRefused(_("Berkas hanya berisi judul kolom, belum ada baris produk."))
    rows = count_rows(upload, upload.name, up_to=FOREGROUND_ROWS + 1)
    upload.seek(0)
    return rows


def process(file, filename, *, save, actor=None, create_categories=False, note="", report=None, progress=None):
    """One pass over the file; writes only when `save` (the caller holds the transaction).

    `report` receives one JSON line per row; `progress(rows_done)` is called after each chunk.
    """
    outcome = Outcome()
    resource = ProductResource(actor=actor, create_categories=create_categories, note=note)
    try:
        with open_sheet(file, filename, sheet_name=SHEET_NAME) as sheet:
            keys, outcome.ignored_columns = map_columns(sheet.headers)
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
                dataset = tablib.Dataset(headers=headers)
                for number, cells in chunk:
                    dataset.append([cells[i] if i < len(cells) else None for i in used] + [number])
                result = resource.import_data(dataset, dry_run=not save, use_transactions=True)
                _summarise(result, resource, chunk, dataset, outcome, report)
                if progress:
                    progress(outcome.total)
        outcome.stock_movements = resource.stock_movements
        outcome.new_categories = resource.fields["category"].widget.created_names()
    finally:
        resource.close()
    if outcome.total == 0:
        raise ImportRefused(_("Berkas hanya berisi judul kolom, belum ada baris produk."))
    return outcome


def _summarise(result, resource, chunk, dataset, outcome, report):
    name_at = dataset.headers.index("name") if "name" in dataset.headers else None
    sku_at = dataset.headers.index("sku")
    for index, (row_result, (number, _cells)) in enumerate(zip(result.rows, chunk, strict=False), 1):
        values = dataset[index - 1]
        line = {
            "row": number,
            "sku": _text(values[sku_at]),
            "name": _text(values[name_at]) if name_at is not None else "",
        }
        if row_result.validation_error is not None or row_result.errors:
            line["status"] = ERROR
            line["errors"] = _row_errors(row_result)
            outcome.errors += 1
        else:
            changes, stock_delta = resource.row_note(index)
            line["status"] = {"new": NEW, "update": UPDATE, "skip": UNCHANGED}[row_result.import_type]
            if line["status"] == UPDATE:
                line["changes"] = changes
            if stock_delta:
                line["stock"] = stock_delta
            outcome.new += line["status"] == NEW
            outcome.updated += line["status"] == UPDATE
            outcome.unchanged += line["status"] == UNCHANGED
        outcome.total += 1
        if report is not None:
            report.write(json.dumps(line, ensure_ascii=False) + "\n")
    for error in result.base_errors:
        # A whole batch failed in the database (bulk writes are not tied to a row).
        logger.warning("Product import batch failed: %r", error.error)
        outcome.errors += 1
        if report is not None:
            first, last = chunk[0][0], chunk[-1][0]
            message = _("Baris %(first)s–%(last)s gagal disimpan: %(error)s") % {
                "first": first,
                "last": last,
                "error": error.error,
            }
            report.write(
                json.dumps({"row": first, "status": ERROR, "errors": [["", message]]}, ensure_ascii=False) + "\n"
            )


def _row_errors(row_result):
    errors = []
    if row_result.validation_error is not None:
        for key, messages in row_result.validation_error.message_dict.items():
            for message in messages:
                errors.append(["" if key == NON_FIELD_ERRORS else key, message])
    for error in row_result.errors:
        logger.warning("Unexpected error importing a product row: %r", error.error)
        errors.append(["", _("Kesalahan tak terduga: %(error)s") % {"error": error.error}])
    return errors


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()[:200]


# -- the job -------------------------------------------------------------------------------


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
    except (SpreadsheetError, ImportRefused) as refusal:
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
    except (SpreadsheetError, ImportRefused) as refusal:
        return _finish(job, ProductImport.Status.FAILED, message=str(refusal))
    except Exception:
        logger.exception("Product import %s failed", job.pk)
        return _finish(
            job, ProductImport.Status.FAILED, message=_("Impor gagal karena kesalahan sistem; tidak ada yang disimpan.")
        )
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
    with tempfile.NamedTemporaryFile("w+", encoding="utf-8", suffix=".jsonl") as report:
        with private_storage.open(job.file.name, "rb") as file:
            outcome = process(
                file,
                job.original_name,
                save=save,
                actor=job.created_by,
                create_categories=job.create_categories,
                note=_("Impor #%(id)s (%(name)s)") % {"id": job.pk, "name": job.original_name[:150]},
                report=report,
                progress=lambda done: write_progress(job, done),
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
    if outcome.ignored_columns:
        notes.append(
            _("Kolom yang tidak dikenal diabaikan: %(columns)s.") % {"columns": ", ".join(outcome.ignored_columns)}
        )
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


# -- the report ----------------------------------------------------------------------------


def report_rows(job, *, status=None, offset=0, limit=100):
    """A page of the per-row report (optionally of one status) and the number of matching rows."""
    if not job.report:
        return [], 0
    rows, matching = [], 0
    with job.report.open("rb") as handle:
        for raw in handle:
            line = json.loads(raw)
            if status and line["status"] != status:
                continue
            if offset <= matching < offset + limit:
                rows.append(line)
            matching += 1
    return rows, matching
