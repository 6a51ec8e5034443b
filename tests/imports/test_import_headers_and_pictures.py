"""Issue 17 item 7: the template speaks Indonesian (English headers still import, unknown ones are
refused by name), its example is a snack in the snack category, and products get their pictures in
bulk from a .zip uploaded next to the spreadsheet."""

import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from wagtail.images import get_image_model

from shop.core.storage import private_storage
from shop.imports import jobs as product_import
from shop.imports import pictures
from shop.imports.cleanup import clear_old_import_files
from shop.imports.report import report_rows
from shop.models import Product, ProductImage, ProductImport, ProductVariant, StockMovement
from tests import factories
from tests.factories import import_row, product_sheet
from tests.helpers import IMPORT_URL, workbook

pytestmark = pytest.mark.django_db

Image = get_image_model()

HEADERS_ID = ["SKU", "Nama produk", "Kategori", "Harga", "Harga coret", "Berat (gram)", "Stok", "Aktif", "Deskripsi"]
WITH_PICTURES = [*factories.IMPORT_HEADERS, "Gambar"]
VARIANT_HEADERS = ["SKU induk", "Jenis pilihan 1", "Pilihan 1", "Jenis pilihan 2", "Pilihan 2"]


def picture(kind="JPEG", size=(40, 30), colour=(200, 120, 40)):
    out = io.BytesIO()
    PILImage.new("RGB", size, colour).save(out, kind)
    return out.getvalue()


def pictures_zip(files, name="gambar.zip"):
    """An uploaded .zip of {member name: bytes}."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in files.items():
            archive.writestr(member, data)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/zip")


def row_with_pictures(sku, names, **fields):
    return [*import_row(sku, **fields), names]


def upload(client, sheet, archive=None, **data):
    files = {"file": sheet, **({"pictures": archive} if archive is not None else {})}
    return client.post(IMPORT_URL, {**files, **data})


def form_errors(response, field):
    assert response.status_code == 200, "a refused upload stays on the form"
    return " ".join(response.context["form"].errors.get(field, []))


def errors_by_row(job):
    rows, _count = report_rows(job, status="error", limit=10_000)
    return {row["row"]: row["errors"] for row in rows}


def assert_nothing_written():
    assert not Product.objects.exists()
    assert not StockMovement.objects.exists()
    assert not ProductImage.objects.exists()
    assert not Image.objects.exists()


def stored_image_files():
    storage = Image._meta.get_field("file").storage
    return storage.listdir("original_images")[1] if storage.exists("original_images") else []


# --- headers ----------------------------------------------------------------------------------


def test_indonesian_headers_import(importer, category):
    sheet = product_sheet(
        [["KRP-1", "Keripik Pisang", category.name, "Rp 18.000", "22.000", 220, 25, "tidak", "Renyah."]],
        headers=HEADERS_ID,
    )
    upload(importer, sheet)
    job = ProductImport.objects.get()
    assert job.status == ProductImport.Status.CHECKED and job.new_rows == 1, job.message
    importer.post(f"{IMPORT_URL}{job.pk}/konfirmasi/")
    product = Product.objects.get(sku="KRP-1")
    assert (product.name, product.category, product.price, product.compare_at_price) == (
        "Keripik Pisang",
        category,
        18_000,
        22_000,
    )
    assert (product.weight_grams, product.stock, product.is_active, product.description) == (
        220,
        25,
        False,
        "<p>Renyah.</p>",
    )


def test_english_headers_still_import_in_any_case_and_spacing(importer):
    headers = ["  SKU ", "Name", "PRICE", "compare at price", "Weight_Grams", "Stock", "is active", "description"]
    sheet = product_sheet([["EN-1", "Kopi Gayo", 85_000, "", 250, 4, "yes", ""]], headers=headers, name="produk.csv")
    upload(importer, sheet)
    job = ProductImport.objects.get()
    assert (job.status, job.new_rows, job.error_rows) == (ProductImport.Status.CHECKED, 1, 0), job.message
    importer.post(f"{IMPORT_URL}{job.pk}/konfirmasi/")
    assert Product.objects.get(sku="EN-1").stock == 4


def test_unknown_headers_are_refused_by_name_before_anything_is_stored(importer):
    sheet = product_sheet(
        [["A-1", "Kaos", 50_000, "x", 1]], headers=["SKU", "Nama produk", "Harga", "Hrga coret", "Gudang"]
    )
    message = form_errors(upload(importer, sheet), "file")
    assert "Judul kolom tidak dikenal: “Hrga coret”, “Gudang”" in message
    assert "Nama produk" in message and "Gambar" in message, "the message lists the headers to use"
    assert not ProductImport.objects.exists()
    assert_nothing_written()


# --- the template -----------------------------------------------------------------------------


def test_template_has_indonesian_headers_a_snack_in_the_snack_category_and_explains_pictures(importer):
    factories.category("Pakaian")
    snacks = factories.category("Makanan Ringan", sort_order=3)
    book = workbook(importer.get(f"{IMPORT_URL}templat/"))
    sheet = book["Produk"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == [*HEADERS_ID, *VARIANT_HEADERS, "Gambar"]
    example = dict(zip(rows[0], rows[1], strict=True))
    assert example["Nama produk"] == "Keripik Pisang Cokelat 200 g" and example["Kategori"] == snacks.name
    assert example["Harga"] == 18_000 and example["Stok"] == 25 and example["Aktif"] == "ya"
    assert example["Gambar"] == "keripik-pisang-1.jpg; keripik-pisang-2.jpg"
    assert "Rupiah bulat" in sheet["D1"].comment.text, "each header explains its format"

    notes = list(book["Petunjuk"].iter_rows(values_only=True))
    assert [row[0] for row in notes[1:16]] == [*HEADERS_ID, *VARIANT_HEADERS, "Gambar"]
    by_header = {row[0]: row for row in notes[1:16]}
    assert "name" in by_header["Nama produk"][4] and "price" in by_header["Harga"][4], "English names still accepted"
    text = " ".join(str(cell) for row in notes for cell in row if cell)
    assert ".zip" in text and "JPEG, PNG atau WebP" in text


def test_template_example_category_is_blank_in_a_shop_without_snacks(importer):
    factories.category("Pakaian")
    rows = [list(row) for row in workbook(importer.get(f"{IMPORT_URL}templat/"))["Produk"].iter_rows(values_only=True)]
    assert rows[1][2] is None, "never a snack in the clothes category"


def test_the_template_example_row_imports_with_its_pictures(importer):
    factories.category("Makanan Ringan")
    rows = [list(row) for row in workbook(importer.get(f"{IMPORT_URL}templat/"))["Produk"].iter_rows(values_only=True)]
    archive = pictures_zip(
        {"keripik-pisang-1.jpg": picture(), "keripik-pisang-2.jpg": picture("PNG", colour=(1, 2, 3))}
    )
    upload(importer, product_sheet(rows[1:], headers=rows[0]), archive)
    job = ProductImport.objects.get()
    assert job.can_confirm, errors_by_row(job)
    importer.post(f"{IMPORT_URL}{job.pk}/konfirmasi/")
    assert Product.objects.get(sku="KRP-PSG-200").gallery.count() == 2


def test_the_import_screen_offers_the_zip_and_names_the_headers(importer):
    page = importer.get(IMPORT_URL).content.decode()
    assert 'name="pictures"' in page and 'accept=".zip,application/zip"' in page
    assert "Nama produk" in page and "Gambar produk sekaligus (.zip)" in page


# --- pictures from a .zip ---------------------------------------------------------------------


def test_pictures_in_a_zip_are_attached_after_confirmation(importer, admin_user):
    sheet = product_sheet(
        [
            row_with_pictures("KRP-1", "keripik-1.JPG; keripik-2.png", name="Keripik Pisang"),
            row_with_pictures("KOPI-1", "kopi.webp", name="Kopi Gayo"),
            row_with_pictures("POLOS-1", "", name="Tanpa gambar"),
        ],
        headers=WITH_PICTURES,
    )
    archive = pictures_zip(
        {
            "foto/keripik-1.jpg": picture(),
            "foto/keripik-2.png": picture("PNG", colour=(10, 200, 10)),
            "kopi.webp": picture("WEBP", colour=(90, 60, 30)),
            "__MACOSX/foto/._keripik-1.jpg": b"resource fork",
            "catatan.txt": b"not named by any row",
        }
    )
    response = upload(importer, sheet, archive)
    job = ProductImport.objects.get()
    assert response.status_code == 302 and job.status == ProductImport.Status.CHECKED, errors_by_row(job)
    assert "Gambar baru dari .zip: 3." in job.message
    page = importer.get(f"{IMPORT_URL}{job.pk}/").content.decode()
    assert "2 gambar baru." in page and "1 gambar baru." in page and "Dengan berkas .zip gambar." in page
    assert not Image.objects.exists() and not stored_image_files(), "the preview stores no picture"

    importer.post(f"{IMPORT_URL}{job.pk}/konfirmasi/")
    job.refresh_from_db()
    assert job.status == ProductImport.Status.DONE, job.message
    chips = Product.objects.get(sku="KRP-1")
    gallery = list(chips.gallery.order_by("sort_order"))
    assert [item.image.file.name.rsplit(".", 1)[-1] for item in gallery] == ["jpg", "png"]
    assert [item.sort_order for item in gallery] == [0, 1]
    first = gallery[0].image
    assert (first.title, first.collection.name, first.uploaded_by_user) == ("Keripik Pisang", "Produk", admin_user)
    assert (first.width, first.height) == (40, 30) and len(first.file_hash) == 40
    assert Product.objects.get(sku="KOPI-1").main_image.file.name.endswith(".webp")
    assert not Product.objects.get(sku="POLOS-1").gallery.exists()
    assert Image.objects.count() == 3


def test_reimporting_the_same_pictures_adds_nothing(importer):
    rows = [row_with_pictures("KRP-1", "a.jpg; b.png"), row_with_pictures("KRP-2", "a.jpg")]
    files = {"a.jpg": picture(), "b.png": picture("PNG", colour=(0, 0, 255))}
    for _attempt in range(2):
        upload(importer, product_sheet(rows, headers=WITH_PICTURES), pictures_zip(files))
        job = ProductImport.objects.latest("pk")
        importer.post(f"{IMPORT_URL}{job.pk}/konfirmasi/")
    job.refresh_from_db()
    assert (job.status, job.unchanged_rows, job.new_rows) == (ProductImport.Status.DONE, 2, 0)
    assert Image.objects.count() == 2, "one image per picture, shared by the products using it"
    assert ProductImage.objects.count() == 3
    assert len(stored_image_files()) == 2


def test_a_new_picture_for_an_existing_product_goes_after_those_it_has(importer):
    product = factories.product(sku="KRP-1", name="Kaos Polos", price=150_000, weight_grams=250)
    upload(
        importer,
        product_sheet([row_with_pictures("KRP-1", "a.jpg")], headers=WITH_PICTURES),
        pictures_zip({"a.jpg": picture()}),
    )
    importer.post(f"{IMPORT_URL}{ProductImport.objects.latest('pk').pk}/konfirmasi/")
    # The same picture under another name, and a new one: only the new one is added.
    archive = pictures_zip({"lagi.jpg": picture(), "c.png": picture("PNG", colour=(9, 9, 9))})
    upload(importer, product_sheet([row_with_pictures("KRP-1", "lagi.jpg;c.png")], headers=WITH_PICTURES), archive)
    job = ProductImport.objects.latest("pk")
    assert (job.updated_rows, job.unchanged_rows) == (1, 0) and "Gambar baru dari .zip: 1." in job.message
    importer.post(f"{IMPORT_URL}{job.pk}/konfirmasi/")
    assert list(product.gallery.order_by("sort_order").values_list("sort_order", flat=True)) == [0, 1]
    assert ProductImage.objects.count() == 2 and Image.objects.count() == 2


def truncated_jpeg():
    data = picture(size=(200, 200))
    return data[: len(data) // 2]


def gif():
    out = io.BytesIO()
    PILImage.new("RGB", (4, 4)).save(out, "GIF")
    return out.getvalue()


@pytest.mark.parametrize(
    "cell, files, message",
    [
        ("hilang.jpg", {"ada.jpg": picture()}, "Gambar “hilang.jpg” tidak ada di berkas .zip."),
        ("palsu.jpg", {"palsu.jpg": b"<html>bukan gambar</html>"}, "“palsu.jpg” bukan gambar JPEG, PNG atau WebP."),
        ("animasi.jpg", {"animasi.jpg": gif()}, "bukan gambar JPEG, PNG atau WebP"),
        ("putus.jpg", {"putus.jpg": truncated_jpeg()}, "“putus.jpg” rusak atau terpotong."),
        ("../../etc/passwd", {"ada.jpg": picture()}, "tulis nama berkasnya saja, tanpa folder"),
        ("foto\\a.jpg", {"a.jpg": picture()}, "tanpa folder"),
        ("jahat.jpg", {"../jahat.jpg": picture()}, "jalur yang tidak aman (../jahat.jpg)"),
        ("kembar.jpg", {"a/kembar.jpg": picture(), "b/KEMBAR.jpg": picture()}, "Ada 2 berkas bernama “kembar.jpg”"),
    ],
)
def test_a_bad_picture_is_a_row_error_and_nothing_is_written(importer, cell, files, message):
    rows = [row_with_pictures("OK-1", "", stock=3), row_with_pictures("BAD-1", cell, stock=2)]
    upload(importer, product_sheet(rows, headers=WITH_PICTURES), pictures_zip(files))
    job = ProductImport.objects.get()
    assert job.status == ProductImport.Status.CHECKED and not job.can_confirm
    [(column, text)] = errors_by_row(job)[3]
    assert column == "image" and message in text
    page = importer.get(f"{IMPORT_URL}{job.pk}/").content.decode()
    assert "Kolom Gambar (image):" in page
    importer.post(f"{IMPORT_URL}{job.pk}/konfirmasi/")
    assert_nothing_written()


def test_an_oversized_or_huge_picture_is_a_row_error(importer, monkeypatch):
    monkeypatch.setattr(pictures, "MAX_PICTURE_BYTES", 2000)
    monkeypatch.setattr(pictures, "MAX_PICTURE_PIXELS", 10_000)
    big = picture("PNG", size=(300, 300))
    noisy = io.BytesIO()
    PILImage.effect_noise((60, 60), 80).convert("RGB").save(noisy, "PNG")
    assert len(noisy.getvalue()) > 2000 and len(big) < 2000
    files = {"besar.png": noisy.getvalue(), "lebar.png": big, "kecil.png": picture("PNG", size=(10, 10))}
    rows = [
        row_with_pictures("A-1", "besar.png"),
        row_with_pictures("A-2", "lebar.png"),
        row_with_pictures("A-3", "kecil.png"),
    ]
    upload(importer, product_sheet(rows, headers=WITH_PICTURES), pictures_zip(files))
    errors = errors_by_row(ProductImport.objects.get())
    assert errors[2][0][0] == "image" and "Gambar “besar.png” terlalu besar" in errors[2][0][1]
    assert "300 × 300 piksel" in errors[3][0][1]
    assert 4 not in errors
    assert_nothing_written()


def test_several_pictures_of_one_row_are_all_reported(importer):
    upload(
        importer,
        product_sheet([row_with_pictures("A-1", "satu.jpg; dua.jpg; ada.jpg")], headers=WITH_PICTURES),
        pictures_zip({"ada.jpg": picture()}),
    )
    [(column, text)] = errors_by_row(ProductImport.objects.get())[2]
    assert "“satu.jpg” tidak ada" in text and "“dua.jpg” tidak ada" in text


def test_the_picture_column_without_a_zip_is_refused(importer, admin_user):
    sheet = product_sheet([row_with_pictures("A-1", ""), row_with_pictures("A-2", "kaos.jpg")], headers=WITH_PICTURES)
    message = form_errors(upload(importer, sheet), "file")
    assert "Kolom Gambar diisi (baris 3), tetapi berkas .zip gambarnya tidak diunggah" in message
    assert not ProductImport.objects.exists()

    # A file too long to be read in the request is refused by its check, with the same words.
    sheet.seek(0)
    job = factories.product_import(sheet, admin_user)
    assert job.status == ProductImport.Status.FAILED and "Kolom Gambar diisi (baris 3)" in job.message
    assert_nothing_written()


def test_a_blank_picture_column_needs_no_zip(importer):
    upload(importer, product_sheet([row_with_pictures("A-1", "")], headers=WITH_PICTURES))
    assert ProductImport.objects.get().can_confirm


def test_a_zip_with_a_sheet_without_the_picture_column_is_said_to_be_unused(importer):
    upload(importer, product_sheet([import_row("A-1")]), pictures_zip({"a.jpg": picture()}))
    assert "Berkas .zip gambar tidak dipakai" in ProductImport.objects.get().message


def bomb():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("nol.jpg", b"\0" * (20 * 1048576))
    return SimpleUploadedFile("bom.zip", out.getvalue())


@pytest.mark.parametrize(
    "archive, limits, message",
    [
        (SimpleUploadedFile("gambar.rar", b"Rar!"), {}, "satu berkas .zip"),
        (SimpleUploadedFile("gambar.zip", b"bukan zip sama sekali"), {}, "bukan .zip yang sah"),
        (pictures_zip({"a.jpg": picture()}), {"MAX_ARCHIVE_BYTES": 100}, "Berkas .zip terlalu besar"),
        (pictures_zip({f"{n}.jpg": b"x" for n in range(4)}), {"MAX_FILES": 3}, "berisi 4 berkas, paling banyak 3"),
        (pictures_zip({"a.jpg": b"x" * 5000}), {"MAX_UNPACKED_BYTES": 4000}, "terlalu besar setelah dibuka"),
        (bomb(), {}, "tidak wajar"),
    ],
    ids=["not-zip-name", "not-zip", "too-large", "too-many-files", "unpacked", "bomb"],
)
def test_an_unusable_zip_is_refused_on_the_form(importer, monkeypatch, archive, limits, message):
    for name, value in limits.items():
        monkeypatch.setattr(pictures, name, value)
    sheet = product_sheet([row_with_pictures("A-1", "a.jpg")], headers=WITH_PICTURES)
    response = upload(importer, sheet, archive)
    assert message in form_errors(response, "pictures")
    assert "tidak diunggah" not in form_errors(response, "file"), "a refused .zip is not reported missing"
    assert not ProductImport.objects.exists()
    assert not private_storage.exists("imports/products") or not private_storage.listdir("imports/products")[1]


def test_picture_files_of_an_import_rolled_back_are_removed(importer, monkeypatch):
    def failing_bulk_create(*args, **kwargs):
        raise RuntimeError("disk penuh")

    upload(
        importer,
        product_sheet([row_with_pictures("A-1", "a.jpg")], headers=WITH_PICTURES),
        pictures_zip({"a.jpg": picture()}),
    )
    job = ProductImport.objects.get()
    monkeypatch.setattr(ProductImage.objects, "bulk_create", failing_bulk_create)
    importer.post(f"{IMPORT_URL}{job.pk}/konfirmasi/")
    job.refresh_from_db()
    assert job.status == ProductImport.Status.FAILED and "Tidak ada yang disimpan" in job.message
    assert_nothing_written()
    assert not stored_image_files(), "no orphan picture file is left behind"


def test_a_large_zip_is_checked_in_the_background(importer, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(product_import, "FOREGROUND_ARCHIVE_BYTES", 10)
    with django_capture_on_commit_callbacks() as queued:
        upload(
            importer,
            product_sheet([row_with_pictures("A-1", "a.jpg")], headers=WITH_PICTURES),
            pictures_zip({"a.jpg": picture()}),
        )
    job = ProductImport.objects.get()
    assert job.status == ProductImport.Status.CHECK_QUEUED and len(queued) == 1


def test_the_zip_is_kept_privately_and_deleted_with_the_old_files(importer, settings):
    upload(
        importer,
        product_sheet([row_with_pictures("A-1", "a.jpg")], headers=WITH_PICTURES),
        pictures_zip({"a.jpg": picture()}),
    )
    job = ProductImport.objects.get()
    name = pictures.archive_name(job)
    assert name.startswith("imports/products/") and name.endswith("-gambar.zip") and private_storage.exists(name)
    settings.IMPORT_FILES_KEEP_DAYS = 0
    assert clear_old_import_files() == 1
    assert not private_storage.exists(name)


def test_the_first_picture_of_a_variants_row_becomes_that_colours_picture(importer):
    headers = [*factories.IMPORT_HEADERS, *VARIANT_HEADERS, "Gambar"]

    def colour_row(sku, colour, names):
        return [*import_row(sku, "Hijab Voal", "", 45_000, "", 120, 3), "HJB", "Warna", colour, "", "", names]

    files = {
        "semua.jpg": picture(),
        "hitam.jpg": picture(colour=(0, 0, 0)),
        "navy.jpg": picture(colour=(0, 0, 128)),
    }
    rows = [
        colour_row("HJB-HIT", "Hitam", "hitam.jpg; semua.jpg"),
        colour_row("HJB-NAV", "Navy", "navy.jpg"),
        colour_row("HJB-SAG", "Sage", ""),
    ]
    upload(importer, product_sheet(rows, headers=headers), pictures_zip(files))
    importer.post(f"{IMPORT_URL}{ProductImport.objects.latest('pk').pk}/konfirmasi/")

    hijab = Product.objects.get(sku="HJB")
    sha1 = {name: hashlib.sha1(data).hexdigest() for name, data in files.items()}
    assert [item.image.file_hash for item in hijab.gallery.order_by("sort_order")] == [
        sha1["hitam.jpg"],
        sha1["semua.jpg"],
        sha1["navy.jpg"],
    ]
    own = {v.option1: v.image.file_hash if v.image else None for v in hijab.variants.select_related("image")}
    assert own == {"Hitam": sha1["hitam.jpg"], "Navy": sha1["navy.jpg"], "Sage": None}

    # Sage now names a picture the hijab already has: it becomes Sage's, and the gallery keeps three.
    rows[2] = colour_row("HJB-SAG", "Sage", "navy.jpg")
    upload(importer, product_sheet(rows, headers=headers), pictures_zip(files))
    importer.post(f"{IMPORT_URL}{ProductImport.objects.latest('pk').pk}/konfirmasi/")
    assert ProductVariant.objects.get(sku="HJB-SAG").image.file_hash == sha1["navy.jpg"]
    assert hijab.gallery.count() == 3 and Image.objects.count() == 3
