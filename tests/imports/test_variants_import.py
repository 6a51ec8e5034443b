"""Products with options in the import file: one row per variant, grouped by SKU induk; the
export writes them back the same way; a file without those columns imports as before."""

import pytest

from shop.imports.report import report_rows
from shop.imports.resource import ProductResource
from shop.models import Product, ProductImport, ProductVariant, StockMovement
from tests import factories
from tests.factories import IMPORT_HEADERS, import_row, product_sheet
from tests.helpers import IMPORT_URL, assert_ledger_balances

pytestmark = pytest.mark.django_db

HEADERS = [*IMPORT_HEADERS, "SKU induk", "Jenis pilihan 1", "Pilihan 1", "Jenis pilihan 2", "Pilihan 2"]
ENGLISH = [*IMPORT_HEADERS, "parent_sku", "option1_name", "option1", "option2_name", "option2"]
COLOURS = ["Hitam", "Navy", "Maroon", "Dusty Pink", "Sage", "Mocca"]


def variant_row(sku, parent, option1, *, name="Hijab Voal", price=45_000, stock="", names=("Warna", ""), option2=""):
    return [
        *import_row(sku, name, "", price, "", 120, stock, "ya", "Voal lembut."),
        parent,
        names[0],
        option1,
        names[1],
        option2,
    ]


def hijab_rows(stocks=(5, 3, 0, 7, 2, 4), price=45_000):
    return [
        variant_row(f"HJB-{colour[:3].upper()}", "HJB", colour, stock=stock, price=price + 1_000 * n)
        for n, (colour, stock) in enumerate(zip(COLOURS, stocks, strict=True))
    ]


def run(rows, user=None, headers=HEADERS):
    job = factories.product_import(product_sheet(rows, headers=headers), user)
    assert job.can_confirm, errors(job)
    return factories.confirmed_import(job)


def errors(job):
    rows, _count = report_rows(job, status="error", limit=10_000)
    return {row["row"]: row["errors"] for row in rows}


def report(job):
    rows, _count = report_rows(job, limit=10_000)
    return {row["row"]: row for row in rows}


def database():
    return (
        list(Product.objects.order_by("pk").values()),
        list(ProductVariant.objects.order_by("pk").values()),
        list(StockMovement.objects.order_by("pk").values()),
    )


def test_a_hijab_in_six_colours_is_one_product_with_six_variants(admin_user):
    job = factories.product_import(product_sheet(hijab_rows(), headers=HEADERS), admin_user)
    assert (job.total_rows, job.new_rows, job.error_rows) == (6, 6, 0)
    preview = report(job)
    assert preview[2]["parent"] == "HJB" and preview[3]["options"] == "Navy", "the preview groups by parent"
    assert not Product.objects.exists()

    job = factories.confirmed_import(job)

    assert job.status == ProductImport.Status.DONE, job.message
    hijab = Product.objects.get()
    assert (hijab.sku, hijab.name, hijab.option1_name, hijab.option2_name) == ("HJB", "Hijab Voal", "Warna", "")
    assert hijab.price == 45_000, "the lowest variant price"
    variants = list(hijab.variants.order_by("sort_order"))
    assert [v.option1 for v in variants] == COLOURS
    assert [v.sku for v in variants] == [f"HJB-{c[:3].upper()}" for c in COLOURS]
    assert [v.price for v in variants] == [45_000 + 1_000 * n for n in range(6)]
    assert [v.stock for v in variants] == [5, 3, 0, 7, 2, 4]
    assert hijab.stock == 21 == sum(v.stock for v in variants)
    movements = StockMovement.objects.filter(reason=StockMovement.Reason.IMPORT)
    assert movements.count() == 5 == job.stock_movements, "a colour imported with no stock needs no movement"
    assert {m.variant.option1 for m in movements} == set(COLOURS) - {"Maroon"}
    assert_ledger_balances()


def test_six_colours_with_stock_make_six_import_movements(admin_user):
    job = run(hijab_rows(stocks=(1, 2, 3, 4, 5, 6)), admin_user)
    assert job.stock_movements == 6
    assert StockMovement.objects.filter(reason=StockMovement.Reason.IMPORT, product__sku="HJB").count() == 6
    assert Product.objects.get().stock == 21
    assert_ledger_balances()


def test_reimport_with_one_colour_changed_moves_only_that_colour(admin_user):
    run(hijab_rows(), admin_user)
    movements = StockMovement.objects.count()

    job = run(hijab_rows(stocks=(5, 9, 0, 7, 2, 4)), admin_user)

    assert (job.updated_rows, job.unchanged_rows, job.new_rows, job.stock_movements) == (1, 5, 0, 1)
    moved = StockMovement.objects.order_by("-pk").first()
    assert StockMovement.objects.count() == movements + 1
    assert (moved.variant.option1, moved.delta, moved.reason) == ("Navy", 6, StockMovement.Reason.IMPORT)
    assert Product.objects.get().stock == 27
    assert_ledger_balances()


# Row numbers as Excel shows them: the header is row 1, BARU-1 row 2, the hijab's colours rows 3-8.
BAD_ROWS = {
    "option type names differ": (
        lambda rows: rows.__setitem__(5, variant_row("HJB-SAG", "HJB", "Sage", names=("Corak", ""))),
        "option1_name",
        "Jenis pilihan berbeda dengan baris 3",
    ),
    "an option value is missing": (
        lambda rows: rows.__setitem__(6, variant_row("HJB-MOC", "HJB", "")),
        "option1",
        "Wajib diisi",
    ),
    "a combination is given twice": (
        lambda rows: rows.__setitem__(4, variant_row("HJB-DUS", "HJB", "navy")),
        "option1",
        "sudah ada di baris 4",
    ),
    "a variant SKU is another product's SKU": (
        lambda rows: rows.__setitem__(2, variant_row("LAIN-1", "HJB", "Navy")),
        "sku",
        "produk lain",
    ),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_a_bad_variant_row_anywhere_leaves_the_database_unchanged(admin_user, case):
    spoil, column, message = BAD_ROWS[case]
    factories.product(sku="LAIN-1", name="Produk lain", stock=2)
    run(hijab_rows(), admin_user)
    before = database()

    rows = [import_row("BARU-1", "Baru", stock=3), *hijab_rows(stocks=(1, 1, 1, 1, 1, 1))]
    good = factories.product_import(product_sheet(rows, headers=HEADERS), admin_user)
    assert good.can_confirm, errors(good)
    spoil(rows)
    bad = factories.product_import(product_sheet(rows, headers=HEADERS), admin_user)
    found = [e for errs in errors(bad).values() for e in errs]
    assert any(col == column and message in text for col, text in found), found
    # The file changes between the preview and the confirmation: nothing at all is written.
    ProductImport.objects.filter(pk=good.pk).update(file=bad.file.name)
    job = factories.confirmed_import(good)

    assert job.status == ProductImport.Status.FAILED and "Tidak ada yang disimpan" in job.message
    assert database() == before


def test_export_then_import_changes_nothing(admin_user):
    run(
        [
            *hijab_rows(),
            variant_row("MKN-S-PTH", "MKN", "Putih", names=("Warna", "Ukuran"), option2="S", stock=2),
            variant_row("MKN-M-PTH", "MKN", "Putih", names=("Warna", "Ukuran"), option2="M", stock=1),
            import_row("KRP-1", "Keripik", "", 18_000, 22_000, 220, 25, "ya", "Renyah."),
        ],
        admin_user,
    )
    ProductVariant.objects.filter(sku="HJB-SAG").update(is_active=False)
    factories.product(sku="A-1", name="Kaos", stock=4, is_active=False)
    before = database()

    resource = ProductResource()
    dataset = resource.export(Product.objects.all())
    resource.close()
    assert len(dataset) == 6 + 2 + 2
    exported = {row[0]: dict(zip(dataset.headers, row, strict=True)) for row in dataset}
    assert exported["HJB-NAV"]["SKU induk"] == "HJB" and exported["HJB-NAV"]["Pilihan 1"] == "Navy"
    assert exported["MKN-M-PTH"]["Pilihan 2"] == "M" and exported["HJB-SAG"]["Aktif"] == "tidak"
    assert exported["KRP-1"]["SKU induk"] in ("", None)

    job = run([list(row) for row in dataset], admin_user, headers=dataset.headers)

    assert (job.total_rows, job.unchanged_rows, job.stock_movements) == (10, 10, 0), report(job)
    assert database() == before


def test_a_file_without_variant_columns_imports_as_before(admin_user, category):
    existing = factories.product(sku="LAMA-1", name="Lama", stock=4, price=20_000, weight_grams=100)
    job = run(
        [
            import_row("BARU-1", "Kaos Baru", category.name, 150_000, "", 300, 5),
            import_row("LAMA-1", "Lama", "", 25_000, "", 150, 9),
        ],
        admin_user,
        headers=IMPORT_HEADERS,
    )
    assert (job.new_rows, job.updated_rows, job.stock_movements) == (1, 1, 2)
    new = Product.objects.get(sku="BARU-1")
    (variant,) = new.variants.all()
    assert (variant.sku, variant.price, variant.weight_grams, variant.stock, variant.label) == (
        "BARU-1",
        150_000,
        300,
        5,
        "",
    )
    (kept,) = existing.variants.all()
    assert (kept.sku, kept.price, kept.weight_grams, kept.stock) == ("LAMA-1", 25_000, 150, 9)
    assert_ledger_balances()


def test_english_variant_headers_are_accepted(admin_user):
    run(hijab_rows(), admin_user, headers=ENGLISH)
    assert Product.objects.get().variants.count() == 6


def test_a_product_without_options_may_be_given_options(admin_user):
    """Its default variant, with its stock history, becomes the variant of the row whose SKU is
    the parent SKU (else the group's first new row): nothing is orphaned."""
    plain = factories.product(sku="HJB", name="Hijab Voal", stock=4)
    default = plain.default_variant()

    run([variant_row("HJB-HTM", "HJB", "Hitam", stock=6), variant_row("HJB", "HJB", "Navy", stock=4)], admin_user)

    plain.refresh_from_db()
    assert plain.option1_name == "Warna" and plain.variants.count() == 2
    default.refresh_from_db()
    assert (default.sku, default.option1, default.stock) == ("HJB", "Navy", 4), "unchanged stock, no movement"
    assert plain.stock == 10
    assert_ledger_balances()


def test_a_row_without_parent_for_a_product_with_options_is_refused(admin_user):
    run(hijab_rows(), admin_user)
    job = factories.product_import(product_sheet([import_row("HJB", "Hijab Voal")], headers=HEADERS), admin_user)
    assert "punya varian" in errors(job)[2][0][1]
    job = factories.product_import(product_sheet([import_row("BARU", "Baru"), import_row("HJB-NAV")]), admin_user)
    assert "varian produk lain" in errors(job)[3][0][1]


def test_the_preview_shows_the_parent_of_each_variant_row(importer):
    importer.post(IMPORT_URL, {"file": product_sheet(hijab_rows(), headers=HEADERS)})
    job = ProductImport.objects.get()
    page = importer.get(f"{IMPORT_URL}{job.pk}/").content.decode()
    assert "Produk induk" in page and "Varian: Dusty Pink" in page


def test_two_colours_swapped_between_their_skus_import_in_one_go(admin_user):
    run(hijab_rows(), admin_user)
    before = dict(ProductVariant.objects.values_list("sku", "pk"))
    rows = hijab_rows()
    rows[0] = variant_row("HJB-HIT", "HJB", "Navy", price=45_000)
    rows[1] = variant_row("HJB-NAV", "HJB", "Hitam", price=46_000)

    job = run(rows, admin_user)

    assert job.status == ProductImport.Status.DONE, job.message
    options = dict(ProductVariant.objects.values_list("sku", "option1"))
    assert (options["HJB-HIT"], options["HJB-NAV"], options["HJB-MAR"]) == ("Navy", "Hitam", "Maroon")
    assert dict(ProductVariant.objects.values_list("sku", "pk")) == before, "each SKU keeps its stock and history"
    assert "Hitam" in Product.objects.get(sku="HJB").variant_words
    assert_ledger_balances()
