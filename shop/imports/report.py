"""The per-row report of a check or an import: one JSON line per row of the file (its number, SKU,
name, status, and what changes or what is wrong), written to a file in private storage as the rows
are read, and read back a page at a time by the preview, so neither the page nor the database grows
with the file.
"""

import json
import logging
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

logger = logging.getLogger(__name__)

NEW, UPDATE, UNCHANGED, ERROR = "new", "update", "unchanged", "error"
VARIANT_COLUMNS = ("parent_sku", "option1", "option2")
STATUS_LABELS = {
    NEW: gettext_lazy("Baru"),
    UPDATE: gettext_lazy("Diperbarui"),
    UNCHANGED: gettext_lazy("Tidak berubah"),
    ERROR: gettext_lazy("Bermasalah"),
}


@dataclass
class Outcome:
    total: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: int = 0
    stock_movements: int = 0
    new_pictures: int = 0
    new_categories: list = field(default_factory=list)
    unused_archive: bool = False


def write_chunk(result, resource, chunk, dataset, outcome, report):
    """Count one chunk's rows into `outcome`, and write their lines to `report` (when given)."""
    name_at = dataset.headers.index("name") if "name" in dataset.headers else None
    sku_at = dataset.headers.index("sku")
    # Rows of a product with options name their parent SKU and options, so the preview can group them.
    variant_at = [dataset.headers.index(key) if key in dataset.headers else None for key in VARIANT_COLUMNS]
    for index, (row_result, (number, _cells)) in enumerate(zip(result.rows, chunk, strict=False), 1):
        values = dataset[index - 1]
        line = {
            "row": number,
            "sku": _text(values[sku_at]),
            "name": _text(values[name_at]) if name_at is not None else "",
        }
        parent, *options = (_text(values[at]) if at is not None else "" for at in variant_at)
        if parent:
            line["parent"] = parent
            line["options"] = " / ".join(option for option in options if option)
        if row_result.validation_error is not None or row_result.errors:
            line["status"] = ERROR
            line["errors"] = _row_errors(row_result)
            outcome.errors += 1
        else:
            changes, stock_delta, pictures = resource.row_note(index)
            line["status"] = {"new": NEW, "update": UPDATE, "skip": UNCHANGED}[row_result.import_type]
            if line["status"] == UPDATE:
                line["changes"] = changes
            if stock_delta:
                line["stock"] = stock_delta
            if pictures:
                line["pictures"] = pictures
            outcome.new += line["status"] == NEW
            outcome.updated += line["status"] == UPDATE
            outcome.unchanged += line["status"] == UNCHANGED
            outcome.new_pictures += pictures
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
