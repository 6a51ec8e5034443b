"""The Impor Produk screen through the test client: template, upload, preview, confirm, result,
export, and who may use it."""

import csv
import io

import pytest

from shop.models import Product, ProductImport, StockMovement
from tests import factories
from tests.factories import import_row, product_sheet
from tests.helpers import IMPORT_URL, sheet_rows, workbook

pytestmark = pytest.mark.django_db

TEMPLATE_HEADERS = [
    "SKU",
    "Nama produk",
    "Kategori",
    "Harga",
    "Harga coret",
    "Berat (gram)",
    "Stok",
    "Aktif",
    "Deskripsi",
    "SKU induk",
    "Jenis pilihan 1",
    "Pilihan 1",
    "Jenis pilihan 2",
    "Pilihan 2",
    "Gambar",
]


def test_menu_item_and_screen_for_importers(importer):
    assert "Impor Produk" in importer.get("/admin/").content.decode()
    response = importer.get(IMPORT_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'type="file"' in page and "Buat kategori yang belum ada" in page
    assert f"{IMPORT_URL}templat/" in page and f"{IMPORT_URL}ekspor/" in page


def test_template_has_headers_an_example_row_and_notes(importer):
    snacks = factories.category("Makanan Ringan")
    response = importer.get(f"{IMPORT_URL}templat/")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "templat-impor-produk.xlsx" in response["Content-Disposition"]
    book = workbook(response)
    assert book.sheetnames == ["Produk", "Petunjuk"]
    rows = [list(r) for r in book["Produk"].iter_rows(values_only=True)]
    assert rows[0] == TEMPLATE_HEADERS
    assert len(rows) == 4 and rows[1][2] == snacks.name and rows[1][3] == 18_000
    assert [row[9:12] for row in rows[2:]] == [["HJB-VOAL", "Warna", "Hitam"], ["HJB-VOAL", "Warna", "Navy"]]
    notes = [row[0] for row in book["Petunjuk"].iter_rows(values_only=True)]
    assert set(TEMPLATE_HEADERS) <= set(notes)


def test_upload_preview_then_confirm(importer, admin_user, category):
    kept = factories.product(sku="LAMA-1", name="Lama", category=category, stock=4, price=20_000)
    same = factories.product(sku="SAMA-1", name="Sama", category=category, stock=2, price=30_000)
    sheet = product_sheet(
        [
            import_row("BARU-1", "Kaos Baru", category.name, "Rp 150.000", stock=5),
            import_row("LAMA-1", "Lama", category.name, 25_000, stock=9),
            import_row("SAMA-1", "Sama", category.name, 30_000, "", 250, 2),
        ]
    )

    response = importer.post(IMPORT_URL, {"file": sheet})
    job = ProductImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{IMPORT_URL}{job.pk}/"
    assert job.status == ProductImport.Status.CHECKED
    assert not Product.objects.filter(sku="BARU-1").exists(), "nothing written before confirmation"

    page = importer.get(f"{IMPORT_URL}{job.pk}/").content.decode()
    for text in [
        "BARU-1",
        "Baru",
        "Diperbarui",
        "Tidak berubah",
        "Berubah: Harga",
        "Stok +5",
        "Stok +5.",
        "Konfirmasi impor 3 baris",
    ]:
        assert text in page
    assert "Stok +5" in page and "Stok +5." in page

    response = importer.post(f"{IMPORT_URL}{job.pk}/konfirmasi/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ProductImport.Status.DONE
    assert (job.new_rows, job.updated_rows, job.unchanged_rows, job.stock_movements) == (1, 1, 1, 2)
    page = importer.get(f"{IMPORT_URL}{job.pk}/").content.decode()
    assert "Impor selesai" in page and "Produk baru" in page
    kept.refresh_from_db()
    same.refresh_from_db()
    assert (kept.price, kept.stock, same.stock) == (25_000, 9, 2)
    new = Product.objects.get(sku="BARU-1")
    assert new.stock == 5 and new.stock_movements.get().actor == admin_user


def test_preview_lists_errors_with_row_column_and_message_and_offers_no_confirm(importer):
    sheet = product_sheet([import_row("A-1"), import_row("A-2", price="seratus", stock=-3)])
    importer.post(IMPORT_URL, {"file": sheet})
    job = ProductImport.objects.get()
    page = importer.get(f"{IMPORT_URL}{job.pk}/").content.decode()
    assert "Konfirmasi impor" not in page
    assert "1 baris bermasalah" in page
    assert "Kolom Harga (price):" in page and "“seratus” bukan angka." in page
    assert "Kolom Stok (stock):" in page and "negatif" in page
    assert "A-1" not in page, "with errors, the preview opens on the rows to fix"
    assert "A-1" in importer.get(f"{IMPORT_URL}{job.pk}/?status=all").content.decode()

    rows = sheet_rows(importer.get(f"{IMPORT_URL}{job.pk}/masalah.xlsx"))
    assert rows[0] == ["Baris", "SKU", "Kolom", "Masalah"]
    assert [row[:3] for row in rows[1:]] == [[3, "A-2", "Harga"], [3, "A-2", "Stok"]]
    assert not Product.objects.exists()


def test_confirming_twice_imports_once(importer):
    importer.post(IMPORT_URL, {"file": product_sheet([import_row("A-1", stock=3)])})
    job = ProductImport.objects.get()
    importer.post(f"{IMPORT_URL}{job.pk}/konfirmasi/")
    response = importer.post(f"{IMPORT_URL}{job.pk}/konfirmasi/", follow=True)
    assert "tidak bisa dikonfirmasi" in response.content.decode()
    assert Product.objects.count() == 1 and StockMovement.objects.count() == 1


def test_preview_pages_through_many_rows(importer):
    importer.post(IMPORT_URL, {"file": product_sheet([import_row(f"P-{n:03d}") for n in range(250)])})
    job = ProductImport.objects.get()
    page = importer.get(f"{IMPORT_URL}{job.pk}/?status=new&p=3").content.decode()
    assert "Halaman 3 dari 3 (250 baris)" in page
    assert "P-249" in page and "P-199" not in page


@pytest.mark.parametrize("user_fixture", ["cs1_user", "cs2_user"])
def test_customer_service_may_not_import(request, client, admin_user, user_fixture):
    job = factories.product_import(product_sheet([import_row("A-1", stock=5)]), admin_user)
    client.force_login(request.getfixturevalue(user_fixture))

    for url in [IMPORT_URL, f"{IMPORT_URL}templat/", f"{IMPORT_URL}{job.pk}/", f"{IMPORT_URL}{job.pk}/masalah.xlsx"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/admin/", url
    assert client.post(IMPORT_URL, {"file": product_sheet([import_row("B-1", stock=1)])}).status_code == 302
    assert client.post(f"{IMPORT_URL}{job.pk}/konfirmasi/").status_code == 302
    assert "Impor Produk" not in client.get("/admin/").content.decode()

    assert ProductImport.objects.count() == 1
    job.refresh_from_db()
    assert job.status == ProductImport.Status.CHECKED
    assert not Product.objects.exists() and not StockMovement.objects.exists()


def test_anonymous_and_buyers_are_sent_to_log_in(client, buyer):
    assert client.get(IMPORT_URL).status_code == 302 and "login" in client.get(IMPORT_URL)["Location"]
    client.force_login(buyer)
    assert client.post(IMPORT_URL, {"file": product_sheet([import_row("A-1")])}).status_code == 302
    assert client.get(f"{IMPORT_URL}ekspor/").status_code == 302
    assert not ProductImport.objects.exists()


# The search filter (?q=) reads the full-text index.
@pytest.mark.fulltext
def test_export_all_or_filtered_in_the_import_format(importer):
    clothes, food = factories.category("Pakaian"), factories.category("Makanan")
    factories.product(sku="K-1", name="Kaos Merah", category=clothes, stock=3)
    factories.product(sku="K-2", name="Kemeja", category=clothes, is_active=False)
    factories.product(sku="M-1", name="Keripik", category=food, stock=0, compare_at_price=20_000)

    rows = sheet_rows(importer.get(f"{IMPORT_URL}ekspor/"))
    assert rows[0] == TEMPLATE_HEADERS
    assert [row[0] for row in rows[1:]] == ["K-1", "K-2", "M-1"]
    assert rows[1][2:10] == ["Pakaian", rows[1][3], None, 250, 3, "ya", None, None], "Gambar is left blank"
    assert rows[2][7] == "tidak" and rows[3][4] == 20_000

    assert [r[0] for r in sheet_rows(importer.get(f"{IMPORT_URL}ekspor/?category={clothes.pk}"))[1:]] == ["K-1", "K-2"]
    assert [r[0] for r in sheet_rows(importer.get(f"{IMPORT_URL}ekspor/?is_active=false"))[1:]] == ["K-2"]
    assert [r[0] for r in sheet_rows(importer.get(f"{IMPORT_URL}ekspor/?stock_state=out"))[1:]] == ["K-2", "M-1"]
    assert [r[0] for r in sheet_rows(importer.get(f"{IMPORT_URL}ekspor/?q=kaos"))[1:]] == ["K-1"]

    response = importer.get(f"{IMPORT_URL}ekspor/?format=csv&category={food.pk}")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1][:5] == [
        "M-1",
        "Keripik",
        "Makanan",
        str(Product.objects.get(sku="M-1").price),
        "20000",
    ]


def test_an_export_uploaded_again_changes_nothing(importer):
    factories.product(
        sku="K-1", name="Kaos", category=factories.category("Pakaian"), stock=3, description="<p>Adem</p>"
    )
    factories.product(sku="K-2", name="Topi", stock=0, is_active=False)
    response = importer.get(f"{IMPORT_URL}ekspor/")
    exported = b"".join(response.streaming_content)
    from django.core.files.uploadedfile import SimpleUploadedFile

    importer.post(IMPORT_URL, {"file": SimpleUploadedFile("produk.xlsx", exported)})
    job = ProductImport.objects.get()
    assert (job.total_rows, job.unchanged_rows, job.error_rows) == (2, 2, 0)


def test_customer_service_may_export_the_listing_they_can_see(client, cs1_user):
    factories.product(sku="K-1")
    client.force_login(cs1_user)
    rows = sheet_rows(client.get(f"{IMPORT_URL}ekspor/"))
    assert [row[0] for row in rows[1:]] == ["K-1"]


def test_product_listing_buttons_carry_the_listing_filters(rf, admin_user, cs1_user, category):
    viewset = Product.snippet_viewset
    view = viewset.index_view
    request = rf.get("/admin/snippets/shop/product/", {"category": category.pk, "q": "kaos"})
    request.user = admin_user
    page = view(request).render().content.decode()
    assert f"{IMPORT_URL}ekspor/?category={category.pk}&amp;q=kaos" in page
    assert f'href="{IMPORT_URL}"' in page and "Impor Produk" in page

    request.user = cs1_user
    page = view(request).render().content.decode()
    assert f"{IMPORT_URL}ekspor/?" in page and f'href="{IMPORT_URL}"' not in page


def test_the_listings_own_download_imports_too(importer, category):
    """Wagtail's "Download XLSX" on the product listing uses Indonesian headings; they are accepted."""
    factories.product(sku="K-1", name="Kaos", category=category, stock=3)
    response = importer.get("/admin/snippets/shop/product/?export=xlsx")
    from django.core.files.uploadedfile import SimpleUploadedFile

    importer.post(IMPORT_URL, {"file": SimpleUploadedFile("produk.xlsx", b"".join(response.streaming_content))})
    job = ProductImport.objects.get()
    assert (job.total_rows, job.unchanged_rows, job.error_rows) == (1, 1, 0), job.message
