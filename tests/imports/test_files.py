"""Bad input: each file or row problem gets a clear Indonesian message, and nothing is written."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shop.imports import jobs as product_import
from shop.imports.report import report_rows
from shop.models import Product, ProductImport, StockMovement
from tests import factories
from tests.factories import import_row, product_sheet
from tests.helpers import IMPORT_URL

pytestmark = pytest.mark.django_db


def upload(client, sheet, **data):
    return client.post(IMPORT_URL, {"file": sheet, **data})


def form_errors(response):
    assert response.status_code == 200, "a refused file stays on the form"
    return " ".join(response.context["form"].errors.get("file", []))


def errors_by_row(job):
    rows, _count = report_rows(job, status="error", limit=10_000)
    return {row["row"]: row["errors"] for row in rows}


def assert_nothing_written():
    assert not Product.objects.exists()
    assert not StockMovement.objects.exists()


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("produk.pdf", b"%PDF-1.4 bukan lembar kerja", "Jenis berkas tidak didukung"),
        ("produk.xls", b"\xd0\xcf\x11\xe0 excel lama", "Berkas .xls tidak didukung"),
        ("produk.xlsx", b"ini teks biasa, bukan xlsx", "bukan .xlsx yang sah"),
        ("produk.xlsx", b"", "kosong"),
        ("produk.csv", b"", "kosong"),
        ("produk.csv", b"sku,name\x00\x01", "bukan CSV teks"),
    ],
)
def test_wrong_type_corrupt_or_empty_file_is_refused(admin_client, name, content, message):
    response = upload(admin_client, SimpleUploadedFile(name, content))
    assert message in form_errors(response)
    assert not ProductImport.objects.exists()
    assert_nothing_written()


def test_corrupt_xlsx_is_refused(admin_client):
    good = product_sheet([import_row("A-1")]).read()
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]  # cut mid-XML, as a broken download would
            target.writestr(item, data)
    response = upload(admin_client, SimpleUploadedFile("rusak.xlsx", damaged.getvalue()))
    assert "rusak" in form_errors(response)
    assert_nothing_written()


def test_a_zip_that_is_not_a_workbook_is_refused(admin_client):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as target:
        target.writestr("foto.jpg", b"\xff\xd8\xff")
    response = upload(admin_client, SimpleUploadedFile("produk.xlsx", archive.getvalue()))
    assert "rusak" in form_errors(response)


def test_missing_required_columns_are_named(admin_client):
    sheet = product_sheet([["A-1", 10]], headers=["sku", "stock"])
    message = form_errors(upload(admin_client, sheet))
    assert "Kolom wajib tidak ada" in message and "Nama produk (name)" in message and "Harga (price)" in message


def test_a_file_with_only_headers_is_refused(admin_client):
    assert "belum ada baris produk" in form_errors(upload(admin_client, product_sheet([[None] * 9, []])))


def test_a_column_given_twice_is_refused(admin_client):
    sheet = product_sheet([["A", "B", 1, 2]], headers=["sku", "name", "price", "Harga"])
    assert "muncul dua kali" in form_errors(upload(admin_client, sheet))


def test_oversized_file_is_refused(admin_client, monkeypatch):
    monkeypatch.setattr(product_import, "MAX_BYTES", 1024)
    sheet = SimpleUploadedFile("besar.csv", b"sku,name,price\n" + b"A,Kaos,1000\n" * 200)
    assert "terlalu besar" in form_errors(upload(admin_client, sheet)).lower()
    assert not ProductImport.objects.exists()


def test_too_many_rows_is_refused_with_nothing_written(admin_user, monkeypatch):
    monkeypatch.setattr(product_import, "MAX_ROWS", 5)
    job = factories.product_import(product_sheet([import_row(f"A-{n}") for n in range(8)]), admin_user)
    assert job.status == ProductImport.Status.FAILED and "Terlalu banyak baris" in job.message
    assert_nothing_written()


def test_duplicate_skus_inside_the_file(admin_user):
    rows = [import_row("KAOS-1"), import_row("TOPI-1"), import_row("KAOS-1", "Kaos lagi")]
    job = factories.product_import(product_sheet(rows), admin_user)
    assert errors_by_row(job) == {4: [["sku", "SKU KAOS-1 sudah ada di baris 2 berkas ini."]]}
    assert not job.can_confirm
    assert_nothing_written()


@pytest.mark.parametrize(
    "column, value, message",
    [
        ("price", "seratus ribu", "bukan angka"),
        ("price", -5000, "negatif"),
        ("price", "1.500,50", "bulat"),
        ("price", "", "Wajib diisi"),
        ("stock", "banyak", "bukan angka"),
        ("stock", -1, "negatif"),
        ("stock", 2.5, "bulat"),
        ("weight_grams", "-250", "negatif"),
        ("weight_grams", "berat", "bukan angka"),
        ("compare_at_price", "Rp -1", "negatif"),
        ("is_active", "mungkin", "“ya” atau “tidak”"),
        ("name", "", "Wajib diisi"),
        ("name", "x" * 201, "Terlalu panjang: 201 karakter, paling banyak 200"),
        ("sku", "S" * 65, "Terlalu panjang: 65 karakter, paling banyak 64"),
        ("sku", "", "Wajib diisi"),
    ],
)
def test_bad_values_are_reported_by_row_and_column(admin_user, column, value, message):
    row = dict(zip(factories.IMPORT_HEADERS, import_row("OK-1", stock=3), strict=True))
    row[column] = value
    sheet = product_sheet([import_row("OK-0", stock=1), list(row.values())])
    job = factories.product_import(sheet, admin_user)
    assert job.status == ProductImport.Status.CHECKED and not job.can_confirm
    [(error_column, error_message)] = errors_by_row(job)[3]
    assert error_column == column
    assert message in error_message
    assert_nothing_written()


def test_several_problems_in_one_row_are_all_reported(admin_user):
    job = factories.product_import(product_sheet([import_row("A", "", price="x", stock=-2)]), admin_user)
    assert sorted(column for column, _message in errors_by_row(job)[2]) == ["name", "price", "stock"]


def test_indonesian_number_formats_are_read(admin_user):
    rows = [
        import_row("N-1", price="150.000", stock="1.200"),
        import_row("N-2", price="Rp 150.000", compare_at_price="Rp 175.000,-", weight_grams="1.250"),
        import_row("N-3", price="1.250.000,00", stock=" 7 "),
        import_row("N-4", price=99000.0, stock=4.0),
    ]
    job = factories.confirmed_import(factories.product_import(product_sheet(rows), admin_user))
    assert job.status == ProductImport.Status.DONE, errors_by_row(job)
    values = {p.sku: (p.price, p.compare_at_price, p.weight_grams, p.stock) for p in Product.objects.all()}
    assert values["N-1"] == (150_000, None, 250, 1_200)
    assert values["N-2"] == (150_000, 175_000, 1_250, 0)
    assert values["N-3"] == (1_250_000, None, 250, 7)
    assert values["N-4"] == (99_000, None, 250, 4)


def test_blank_rows_are_skipped_and_row_numbers_stay_those_of_the_sheet(admin_user):
    rows = [import_row("A-1"), [None] * 9, ["", "  ", None, "", "", "", "", "", ""], import_row("A-2", price="x")]
    job = factories.product_import(product_sheet(rows), admin_user)
    assert job.total_rows == 2
    assert list(errors_by_row(job)) == [5]


def test_csv_from_excel_with_semicolons_and_windows_encoding(admin_user):
    content = "sku;Nama;Kategori;Harga;Stok\r\nK-1;Kopi Gayo Café;;Rp 85.000;12\r\n".encode("cp1252")
    job = factories.confirmed_import(factories.product_import(SimpleUploadedFile("produk.csv", content), admin_user))
    assert job.status == ProductImport.Status.DONE, errors_by_row(job)
    product = Product.objects.get(sku="K-1")
    assert (product.name, product.price, product.stock) == ("Kopi Gayo Café", 85_000, 12)


def test_indonesian_headers_and_unknown_columns(admin_user):
    sheet = product_sheet([["A-1", "Kaos", 50_000]], headers=["SKU", "Nama Produk", "Harga (Rp)"])
    assert factories.product_import(sheet, admin_user).new_rows == 1

    # A header that is none of the accepted names is refused by name: a misspelt column is not skipped.
    sheet = product_sheet(
        [["A-2", "Kaos", 50_000, "catatan gudang"]], headers=["SKU", "Nama Produk", "Harga (Rp)", "Gudang"]
    )
    job = factories.product_import(sheet, admin_user)
    assert job.status == ProductImport.Status.FAILED and "Judul kolom tidak dikenal: “Gudang”" in job.message
    assert not Product.objects.filter(sku="A-2").exists()


def test_numeric_sku_typed_in_excel_is_read_as_text(admin_user):
    factories.confirmed_import(factories.product_import(product_sheet([import_row(12345)]), admin_user))
    assert Product.objects.get().sku == "12345"


def test_bad_rows_make_the_confirm_step_refuse(admin_user, client):
    job = factories.product_import(product_sheet([import_row("A-1"), import_row("A-2", price="x")]), admin_user)
    client.force_login(admin_user)
    response = client.post(f"{IMPORT_URL}{job.pk}/konfirmasi/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ProductImport.Status.CHECKED
    assert_nothing_written()
