"""Reading and writing spreadsheets (.xlsx and .csv) row by row, so that a file of any length is
read and written in constant memory. Knows nothing about products (see shop.imports.resource)."""

import codecs
import csv
import io
import itertools
import logging
import zipfile
from contextlib import contextmanager
from pathlib import Path

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

logger = logging.getLogger(__name__)

XLSX = "xlsx"
CSV = "csv"
CONTENT_TYPES = {
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    CSV: "text/csv; charset=utf-8",
}
_SNIFF_BYTES = 64 * 1024


class SpreadsheetError(Exception):
    """The file cannot be read as a spreadsheet; the message is for the shop owner."""


class Sheet:
    """The header cells and the data rows of the first (or the named) sheet of a file.

    `rows` yields (row number as the spreadsheet shows it, tuple of cells), skipping blank rows.
    """

    def __init__(self, header_row, headers, rows, estimated_rows):
        self.header_row = header_row
        self.headers = headers
        self.rows = rows
        self.estimated_rows = estimated_rows


def file_kind(filename):
    suffix = Path(filename or "").suffix.lower()
    if suffix == ".xlsx":
        return XLSX
    if suffix == ".csv":
        return CSV
    if suffix in (".xls", ".xlsb", ".ods", ".numbers"):
        raise SpreadsheetError(
            _(
                "Berkas %(suffix)s tidak didukung. Simpan ulang sebagai Excel Workbook (.xlsx) atau CSV, lalu unggah lagi."
            )
            % {"suffix": suffix}
        )
    raise SpreadsheetError(_("Jenis berkas tidak didukung. Unggah berkas .xlsx atau .csv."))


@contextmanager
def open_sheet(file, filename, *, sheet_name=None):
    """Open an uploaded or stored file (binary, seekable) for reading; raises SpreadsheetError."""
    kind = file_kind(filename)
    raw = getattr(file, "file", file)
    raw.seek(0, io.SEEK_END)
    if raw.tell() == 0:
        raise SpreadsheetError(_("Berkas kosong."))
    raw.seek(0)
    if kind == XLSX:
        with _open_xlsx(raw, sheet_name) as sheet:
            yield sheet
    else:
        with _open_csv(raw) as sheet:
            yield sheet


@contextmanager
def _open_xlsx(raw, sheet_name):
    if not zipfile.is_zipfile(raw):
        raise SpreadsheetError(
            _("Berkas ini bukan .xlsx yang sah: mungkin rusak, atau berformat lain yang diberi nama .xlsx.")
        )
    raw.seek(0)
    try:
        workbook = openpyxl.load_workbook(raw, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        logger.info("Unreadable xlsx upload: %r", error)
        raise SpreadsheetError(
            _("Berkas Excel rusak atau tidak bisa dibaca. Buka di Excel/LibreOffice, simpan ulang, lalu unggah lagi.")
        ) from None
    try:
        names = workbook.sheetnames
        worksheet = workbook[sheet_name] if sheet_name in names else workbook.worksheets[0]
        estimated = worksheet.max_row
        # Some writers claim a million rows; read what is really there.
        worksheet.reset_dimensions()
        rows = _numbered_rows(worksheet.iter_rows(values_only=True))
        header_row, headers = _first_row(rows)
        yield Sheet(header_row, headers, rows, (estimated - header_row) if estimated else None)
    finally:
        workbook.close()


@contextmanager
def _open_csv(raw):
    sample = raw.read(_SNIFF_BYTES)
    raw.seek(0)
    if b"\x00" in sample:
        raise SpreadsheetError(
            _("Berkas ini bukan CSV teks. Unggah .xlsx, atau simpan sebagai CSV dari Excel/LibreOffice.")
        )
    encoding = "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in the ANSI code page.
        encoding = "cp1252"
    text_sample = sample.decode(encoding, errors="ignore")
    try:
        dialect = csv.Sniffer().sniff(text_sample.split("\n", 1)[0] or text_sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    text = io.TextIOWrapper(raw, encoding=encoding, errors="replace" if encoding == "cp1252" else "strict", newline="")
    try:
        rows = _numbered_rows(_decoded(csv.reader(text, dialect)))
        header_row, headers = _first_row(rows)
        yield Sheet(header_row, headers, rows, None)
    finally:
        # Leave the caller's file open: closing the wrapper would close it too.
        text.detach()


def _decoded(reader):
    try:
        yield from reader
    except UnicodeDecodeError:
        raise SpreadsheetError(
            _("Berkas CSV bukan UTF-8. Simpan ulang sebagai “CSV UTF-8”, lalu unggah lagi.")
        ) from None
    except csv.Error as error:
        raise SpreadsheetError(_("Berkas CSV tidak bisa dibaca: %(error)s") % {"error": error}) from None


def _numbered_rows(cells_by_row):
    number = 0
    try:
        for number, cells in enumerate(cells_by_row, 1):
            if any(not _blank(cell) for cell in cells):
                yield number, tuple(cells)
    except SpreadsheetError:
        raise
    except Exception as error:
        logger.info("Spreadsheet unreadable after row %s: %r", number, error)
        raise SpreadsheetError(
            _("Berkas rusak atau tidak bisa dibaca setelah baris %(row)s.") % {"row": number}
        ) from None


def _first_row(rows):
    for number, cells in rows:
        return number, [("" if cell is None else str(cell)).strip() for cell in cells]
    raise SpreadsheetError(_("Berkas kosong: tidak ada judul kolom maupun baris data."))


def _blank(cell):
    return cell is None or (isinstance(cell, str) and not cell.strip())


def count_rows(file, filename, *, up_to):
    """The number of data rows, counted no further than `up_to` (enough to choose foreground or
    background, without reading a large file twice)."""
    kind = file_kind(filename)
    raw = getattr(file, "file", file)
    raw.seek(0)
    if kind == CSV:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: raw.read(1 << 20), b""))
        raw.seek(0)
        return min(max(lines - 1, 0), up_to)
    with open_sheet(file, filename) as sheet:
        if sheet.estimated_rows is not None:
            return min(sheet.estimated_rows, up_to)
        return sum(1 for _row in itertools.islice(sheet.rows, up_to))


def write_xlsx(
    target, headers, rows, *, sheet_title, row_count=None, column_widths=None, number_formats=None, extra_sheets=()
):
    """Stream rows into an .xlsx at `target` (a path or binary file); bold, frozen header row.

    Give `row_count` when known: the sheet then states its size up front, as Excel's own files
    do, and readers (our import among them) need not scan the whole sheet to learn it.
    """
    workbook = openpyxl.Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet_title)
    if row_count is not None:
        last = f"{openpyxl.utils.get_column_letter(max(len(headers), 1))}{row_count + 1}"
        # openpyxl's sheet writer asks the sheet for this; write-only sheets cannot know it.
        worksheet.calculate_dimension = lambda: f"A1:{last}"
    worksheet.freeze_panes = "A2"
    for index, width in enumerate(column_widths or []):
        worksheet.column_dimensions[openpyxl.utils.get_column_letter(index + 1)].width = width
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(worksheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    worksheet.append(header_cells)
    formats = number_formats or {}
    for row in rows:
        if formats:
            row = [_formatted(worksheet, value, formats.get(i)) for i, value in enumerate(row)]
        worksheet.append(row)
    for title, sheet_rows, widths in extra_sheets:
        extra = workbook.create_sheet(title)
        for index, width in enumerate(widths):
            extra.column_dimensions[openpyxl.utils.get_column_letter(index + 1)].width = width
        for i, row in enumerate(sheet_rows):
            if i == 0:
                row = [WriteOnlyCell(extra, value=v) for v in row]
                for cell in row:
                    cell.font = bold
            extra.append(row)
    workbook.save(target)


def _formatted(worksheet, value, number_format):
    if number_format is None or not isinstance(value, int | float):
        return value
    cell = WriteOnlyCell(worksheet, value=value)
    cell.number_format = number_format
    return cell


def write_csv(target, headers, rows):
    """UTF-8 with a byte-order mark, which Excel needs to show Indonesian text correctly."""
    text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows(rows)
    text.detach()
