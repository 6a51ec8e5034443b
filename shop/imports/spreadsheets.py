"""Reading and writing spreadsheets (.xlsx and .csv) row by row, so that a file of any length is
read and written in constant memory. Knows nothing about products (see shop.imports.resource).

Every spreadsheet the shop writes goes through `csv_cell` or `xlsx_cell`, so that text a buyer,
a supplier or an editor typed is never run as a formula when the owner opens the file.
"""

import codecs
import csv
import io
import itertools
import logging
import re
import zipfile
from contextlib import contextmanager
from pathlib import Path

from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

XLSX = "xlsx"
CSV = "csv"
CONTENT_TYPES = {
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    CSV: "text/csv; charset=utf-8",
}
_SNIFF_BYTES = 64 * 1024
# "," from most programs, ";" from Excel in the Indonesian locale (the comma is its decimal mark).
_DELIMITERS = (",", ";", "\t")

# Measured with bench/import/run.py's sheet: 200,000 rows of the template's columns unpack to
# 96 MB, 10.5 times their packed size, and an Excel sheet whose whole columns were formatted
# adds up to 80 MB of empty rows, packed 28 times. A zip bomb packs about 1,000 times.
MAX_UNPACKED_BYTES = 256 * 1048576
MAX_PACKING_RATIO = 100
# Below this a part cannot hurt, whatever its ratio (tiny XML parts pack unevenly).
_RATIO_FROM_BYTES = 1048576

# Text starting with one of these is run as a formula when a CSV is opened in Excel or
# LibreOffice; some readers drop a leading tab or CR and run what follows.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Apostrophes in front of such text are escaped too, so that csv_text can tell them apart.
_CSV_ESCAPED_STARTS = (*_FORMULA_STARTS, "'")
# "-5" or "+6281234567" is data: a spreadsheet reads it as a number, and runs nothing.
_SIGNED_NUMBER = re.compile(r"[+-]?\d[\d.,]*")
# openpyxl stores text starting with "=" as a formula and "#N/A" and the like as errors.
_XLSX_RETYPED_STARTS = ("=", "#")


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
    _check_unpacked_size(raw)
    raw.seek(0)
    import openpyxl  # only when a workbook is read or written: ~5 MB in every process otherwise (bench/memory)

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


def _check_unpacked_size(raw):
    """Refuse a workbook that would unpack to more than the limits, before openpyxl reads it.

    The sizes are those the archive declares; zipfile never unpacks more than a part declares,
    so they bound what parsing it can cost.
    """
    try:
        with zipfile.ZipFile(raw) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        logger.info("Unreadable xlsx upload: %r", error)
        raise SpreadsheetError(
            _("Berkas Excel rusak atau tidak bisa dibaca. Buka di Excel/LibreOffice, simpan ulang, lalu unggah lagi.")
        ) from None
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_UNPACKED_BYTES:
        raise SpreadsheetError(
            _(
                "Isi berkas Excel ini terlalu besar setelah dibuka: %(size)s MB, paling banyak %(maximum)s MB. Bagi menjadi beberapa berkas."
            )
            % {"size": f"{unpacked / 1048576:.0f}", "maximum": MAX_UNPACKED_BYTES // 1048576}
        )
    for part in parts:
        if part.file_size >= _RATIO_FROM_BYTES and part.file_size > MAX_PACKING_RATIO * part.compress_size:
            raise SpreadsheetError(
                _(
                    "Berkas Excel ini tidak wajar: bagian “%(part)s” menjadi %(ratio)s kali lebih besar setelah dibuka (berkas Excel biasa hanya belasan kali), sehingga ditolak agar server tidak kewalahan. Simpan ulang dari Excel/LibreOffice, lalu unggah lagi."
                )
                % {
                    "part": part.filename,
                    "ratio": f"{part.file_size // max(part.compress_size, 1):,}".replace(",", "."),
                }
            )


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
    delimiter = _delimiter(sample.decode(encoding, errors="ignore"))
    text = io.TextIOWrapper(raw, encoding=encoding, errors="replace" if encoding == "cp1252" else "strict", newline="")
    try:
        # Excel's dialect (doubled quotes, quoted delimiters and line breaks) with the file's delimiter.
        rows = _numbered_rows(_csv_rows(csv.reader(text, csv.excel, delimiter=delimiter)))
        header_row, headers = _first_row(rows)
        yield Sheet(header_row, headers, rows, None)
    finally:
        # Leave the caller's file open: closing the wrapper would close it too.
        text.detach()


def _delimiter(sample):
    """The delimiter that splits the header row into the most columns (a comma on a tie).

    Only the delimiter is guessed: csv.Sniffer also guesses the quoting from what it sees, and
    from a header without quotes it decides that doubled quotes mean nothing.
    """
    best, most = _DELIMITERS[0], 0
    for delimiter in _DELIMITERS:
        try:
            reader = csv.reader(io.StringIO(sample), csv.excel, delimiter=delimiter)
            header = next((row for row in reader if any(cell.strip() for cell in row)), [])
        except csv.Error:
            continue
        if len(header) > most:
            best, most = delimiter, len(header)
    return best


def _csv_rows(reader):
    """The rows of a CSV, with the text `csv_cell` escaped on export read back as it was."""
    try:
        for row in reader:
            yield [csv_text(cell) if cell[:1] == "'" else cell for cell in row]
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
    target,
    headers,
    rows,
    *,
    sheet_title,
    row_count=None,
    column_widths=None,
    number_formats=None,
    extra_sheets=(),
    header_notes=None,
):
    """Stream rows into an .xlsx at `target` (a path or binary file); bold, frozen header row.

    Give `row_count` when known: the sheet then states its size up front, as Excel's own files
    do, and readers (our import among them) need not scan the whole sheet to learn it.
    `header_notes` (one text or None per header) become comments on the header cells, which
    Excel and LibreOffice show when the pointer rests on them.
    """
    import openpyxl  # see _open_xlsx
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

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
    header_cells = _bold_row(worksheet, headers, bold)
    for cell, note in zip(header_cells, header_notes or [], strict=False):
        if note:
            cell.comment = Comment(str(note), "TokoKu", width=320, height=120)
    worksheet.append(header_cells)
    formats = number_formats or {}
    for row in rows:
        worksheet.append([_formatted(worksheet, value, formats.get(i)) for i, value in enumerate(row)])
    for title, sheet_rows, widths in extra_sheets:
        extra = workbook.create_sheet(title)
        for index, width in enumerate(widths):
            extra.column_dimensions[openpyxl.utils.get_column_letter(index + 1)].width = width
        for i, row in enumerate(sheet_rows):
            extra.append(_bold_row(extra, row, bold) if i == 0 else [xlsx_cell(extra, value) for value in row])
    workbook.save(target)


def _bold_row(worksheet, values, bold):
    cells = [_cell(worksheet, value) for value in values]
    for cell in cells:
        cell.font = bold
        if isinstance(cell.value, str):
            cell.data_type = "s"  # a heading is text, even one that reads like a formula (see xlsx_cell)
    return cells


def _formatted(worksheet, value, number_format):
    if number_format is None or not isinstance(value, int | float):
        return xlsx_cell(worksheet, value)
    cell = _cell(worksheet, value)
    cell.number_format = number_format
    return cell


def xlsx_cell(worksheet, value):
    """`value` as it may go into a write-only sheet: text is stored as text, which Excel and
    LibreOffice show and never run, even when it reads "=HYPERLINK(…)"."""
    if isinstance(value, str) and value.startswith(_XLSX_RETYPED_STARTS):
        cell = _cell(worksheet, value)
        cell.data_type = "s"
        return cell
    return value


def _cell(worksheet, value):
    from openpyxl.cell import WriteOnlyCell  # see _open_xlsx

    return WriteOnlyCell(worksheet, value=value)


def write_csv(target, headers, rows):
    """UTF-8 with a byte-order mark, which Excel needs to show Indonesian text correctly."""
    text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow([csv_cell(value) for value in headers])
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    text.detach()


def csv_cell(value):
    """`value` as it may go into a CSV, which has no types: text a spreadsheet would run as a
    formula gets a leading apostrophe, so it is shown instead; anything else is unchanged.

    `csv_text` reads it back: apostrophes in front of such text are counted, so text that
    already starts with "'=" survives the round trip too.
    """
    if isinstance(value, str) and value.startswith(_CSV_ESCAPED_STARTS) and _formula_like(value):
        return "'" + value
    return value


def csv_text(cell):
    """A CSV cell as it was before `csv_cell` (the import reads exported files back unchanged)."""
    if cell[:1] == "'" and _formula_like(cell[1:]):
        return cell[1:]
    return cell


def _formula_like(text):
    bare = text.lstrip("'")
    return bare.startswith(_FORMULA_STARTS) and not _SIGNED_NUMBER.fullmatch(bare)
