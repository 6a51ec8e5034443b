"""ProductResource and the import pass: new and updated products, stock through the ledger,
round trip, all or nothing, categories."""

import pytest

from shop.imports.columns import COLUMNS
from shop.imports.report import report_rows
from shop.imports.resource import ProductResource
from shop.models import Category, Product, ProductImport, StockMovement
from shop.orders.errors import OrderError
from shop.services.stock import import_stock_levels
from tests import factories
from tests.factories import import_row, product_sheet
from tests.helpers import IMPORT_URL, assert_ledger_balances, sheet_rows

pytestmark = pytest.mark.django_db


def report(job, status=None):
    rows, _count = report_rows(job, status=status, limit=10_000)
    return {row["row"]: row for row in rows}


def test_new_products_with_stock_enter_through_the_ledger(admin_user, category):
    upload = product_sheet(
        [
            import_row("KAOS-1", "Kaos Hitam", category.name, "Rp 150.000", "175.000", 250, 12, "ya", "Katun combed."),
            import_row("TOPI-1", "Topi Rimba", "", 85000, "", "", "", "tidak"),
        ]
    )
    job = factories.product_import(upload, admin_user)
    assert job.status == ProductImport.Status.CHECKED
    assert (job.total_rows, job.new_rows, job.error_rows) == (2, 2, 0)
    assert not Product.objects.exists(), "the preview writes nothing"

    job = factories.confirmed_import(job)

    assert job.status == ProductImport.Status.DONE
    kaos = Product.objects.get(sku="KAOS-1")
    assert (kaos.name, kaos.category, kaos.price, kaos.compare_at_price, kaos.weight_grams) == (
        "Kaos Hitam",
        category,
        150_000,
        175_000,
        250,
    )
    assert kaos.stock == 12 and kaos.is_active and kaos.description == "<p>Katun combed.</p>"
    movement = kaos.stock_movements.get()
    assert (movement.delta, movement.reason, movement.actor) == (12, StockMovement.Reason.IMPORT, admin_user)
    assert f"Impor #{job.pk}" in movement.note
    topi = Product.objects.get(sku="TOPI-1")
    assert (topi.stock, topi.is_active, topi.weight_grams, topi.compare_at_price) == (0, False, 0, None)
    assert not topi.stock_movements.exists(), "no stock given, no movement"
    assert kaos.slug == "kaos-hitam" and topi.slug == "topi-rimba"
    assert job.stock_movements == 1
    assert_ledger_balances()


def test_update_writes_fields_and_the_stock_difference(admin_user, product):
    assert product.stock == 10
    upload = product_sheet([import_row(product.sku, "Nama Baru", product.category.name, 99_000, "", 300, 7)])
    job = factories.product_import(upload, admin_user)
    row = report(job)[2]
    assert row["status"] == "update"
    assert set(row["changes"]) == {"name", "price", "weight_grams"}
    assert row["stock"] == -3

    factories.confirmed_import(job)

    product.refresh_from_db()
    assert (product.name, product.price, product.weight_grams, product.stock) == ("Nama Baru", 99_000, 300, 7)
    movement = product.stock_movements.filter(reason=StockMovement.Reason.IMPORT).get()
    assert movement.delta == -3
    assert_ledger_balances()


def test_blank_stock_leaves_an_existing_products_stock_alone(admin_user, product):
    upload = product_sheet([import_row(product.sku, product.name, product.category.name, 1_000, stock="")])
    factories.confirmed_import(factories.product_import(upload, admin_user))
    product.refresh_from_db()
    assert product.price == 1_000 and product.stock == 10
    assert not product.stock_movements.filter(reason=StockMovement.Reason.IMPORT).exists()


def test_export_imports_back_with_no_change(admin_user):
    clothes = factories.category("Pakaian")
    kids = factories.category("Anak")
    factories.category("Kaos", parent=clothes)
    kids_tees = factories.category("Kaos", parent=kids)
    factories.product(
        sku="A-1",
        name="Kaos Anak",
        category=kids_tees,
        stock=5,
        compare_at_price=60_000,
        description="<p>Lembut <b>sekali</b></p><ul><li>S</li></ul>",
    )
    factories.product(sku="A-2", name="Sepatu", category=None, stock=0, is_active=False, weight_grams=0)
    factories.product(sku="00123", name="Angka", category=clothes, stock=3)
    before = list(Product.objects.order_by("sku").values())

    resource = ProductResource()
    dataset = resource.export(Product.objects.all())
    resource.close()
    assert dataset.headers == [*(c.header for c in COLUMNS)]
    assert dataset.headers[:2] == ["SKU", "Nama produk"] and dataset.headers[-1] == "Gambar"
    exported = {row[0]: row for row in dataset}
    assert exported["A-1"][2] == "Anak > Kaos", "a shared category name is written as its path"
    assert exported["00123"][2] == "Pakaian"

    upload = product_sheet([list(row) for row in dataset], headers=dataset.headers)
    job = factories.product_import(upload, admin_user)
    assert (job.total_rows, job.unchanged_rows) == (3, 3), report(job)
    job = factories.confirmed_import(job)
    assert job.status == ProductImport.Status.DONE and job.stock_movements == 0
    assert list(Product.objects.order_by("sku").values()) == before


def test_an_error_in_the_last_row_leaves_the_database_as_it_was(admin_user, product):
    rows = [import_row(f"BARU-{n:04d}", f"Produk {n}", stock=n % 7) for n in range(1, 1_500)]
    rows.append(import_row(product.sku, "Diubah", price=5_000, stock=1))
    upload = product_sheet(rows)
    job = factories.product_import(upload, admin_user)
    assert job.can_confirm
    # The file changes meaning between preview and confirmation: the last row now fails.
    rows[-1] = import_row(product.sku, "Diubah", price="lima ribu", stock=1)
    ProductImport.objects.filter(pk=job.pk).update(
        file=factories.product_import(product_sheet(rows), checked=False).file.name
    )
    products_before = list(Product.objects.values())
    movements_before = StockMovement.objects.count()

    job = factories.confirmed_import(job)

    assert job.status == ProductImport.Status.FAILED
    assert "Tidak ada yang disimpan" in job.message
    assert job.error_rows == 1 and job.total_rows == 1_500
    assert list(Product.objects.values()) == products_before
    assert StockMovement.objects.count() == movements_before
    assert report(job, "error")[1_501]["errors"][0][0] == "price"


def test_unknown_category_is_refused_unless_creation_was_asked(admin_user):
    upload = product_sheet([import_row("X-1", category="Minuman > Kopi")])
    job = factories.product_import(upload, admin_user)
    assert job.error_rows == 1
    [(column, message)] = report(job)[2]["errors"]
    assert column == "category" and "belum ada" in message
    assert not Category.objects.exists()

    job = factories.product_import(
        product_sheet([import_row("X-1", category="Minuman > Kopi"), import_row("X-2", category="Minuman")]),
        admin_user,
        create_categories=True,
    )
    assert job.error_rows == 0 and "Minuman > Kopi" in job.message
    assert not Category.objects.exists(), "the preview creates nothing"
    factories.confirmed_import(job)
    coffee = Category.objects.get(name="Kopi")
    assert coffee.parent.name == "Minuman"
    assert Product.objects.get(sku="X-1").category == coffee
    assert Product.objects.get(sku="X-2").category == coffee.parent
    assert Category.objects.count() == 2


def test_a_shared_category_name_must_be_written_as_a_path(admin_user):
    factories.category("Kaos", parent=factories.category("Pria"))
    factories.category("Kaos", parent=factories.category("Wanita"))
    job = factories.product_import(
        product_sheet([import_row("X-1", category="Kaos"), import_row("X-2", category="wanita › kaos")]), admin_user
    )
    rows = report(job)
    assert rows[2]["status"] == "error" and "tulis lengkap" in rows[2]["errors"][0][1]
    assert rows[3]["status"] == "new"


def test_new_products_with_the_same_name_get_distinct_slugs(admin_user):
    factories.product(sku="LAMA", name="Kaos", slug="kaos")
    upload = product_sheet([import_row("K-1", "Kaos"), import_row("K-2", "Kaos"), import_row("K 2", "Kaos")])
    factories.confirmed_import(factories.product_import(upload, admin_user))
    slugs = set(Product.objects.values_list("slug", flat=True))
    assert len(slugs) == 4


def test_description_from_a_file_is_cleaned_of_scripts(admin_user):
    upload = product_sheet(
        [
            import_row("D-1", description='<p onclick="x()">Bagus</p><script>alert(1)</script>'),
            import_row("D-2", description="Baris satu\nbaris dua\n\nParagraf <dua> & tiga"),
        ]
    )
    factories.confirmed_import(factories.product_import(upload, admin_user))
    assert "script" not in Product.objects.get(sku="D-1").description
    assert "onclick" not in Product.objects.get(sku="D-1").description
    assert Product.objects.get(sku="D-2").description == (
        "<p>Baris satu<br/>baris dua</p><p>Paragraf &lt;dua&gt; &amp; tiga</p>"
    )


@pytest.mark.fulltext
def test_imported_products_are_found_by_storefront_search(admin_user):
    factories.confirmed_import(
        factories.product_import(product_sheet([import_row("S-1", "Batik Tulis Pekalongan")]), admin_user)
    )
    assert [p.sku for p in Product.objects.search("batik")] == ["S-1"]


def test_import_stock_levels_keeps_stock_equal_to_the_ledger(admin_user):
    a = factories.product(stock=5)
    b = factories.product(stock=0)
    c = factories.product(stock=3)
    a_, b_, c_ = (p.default_variant().pk for p in (a, b, c))
    written = import_stock_levels({a_: 2, b_: 9, c_: 3}, actor=admin_user, note="uji")
    assert written == 2
    assert {p.pk: p.stock for p in Product.objects.all()} == {a.pk: 2, b.pk: 9, c.pk: 3}
    assert_ledger_balances()
    with pytest.raises(OrderError):
        import_stock_levels({a_: -1})
    a.refresh_from_db()
    assert a.stock == 2


def test_the_template_example_row_imports(admin_client):
    factories.category("Makanan Ringan")
    rows = sheet_rows(admin_client.get(f"{IMPORT_URL}templat/"))
    assert rows[1][-1] == "keripik-pisang-1.jpg; keripik-pisang-2.jpg"
    rows[1][-1] = ""  # its pictures are shown in tests/imports/test_import_headers_and_pictures.py
    job = factories.product_import(product_sheet(rows[1:], headers=rows[0]), None)
    assert (job.new_rows, job.error_rows) == (3, 0), report(job)


def test_twin_categories_are_refused_rather_than_guessed(admin_user):
    factories.category("Promo")
    factories.category("Promo")
    job = factories.product_import(product_sheet([import_row("X-1", category="Promo")]), admin_user)
    [(column, message)] = report(job)[2]["errors"]
    assert column == "category" and "lebih dari satu" in message


def test_a_slash_belongs_to_the_category_name(admin_user):
    bags = factories.category("Tas/Dompet")
    factories.confirmed_import(
        factories.product_import(product_sheet([import_row("X-1", category="tas/dompet")]), admin_user)
    )
    assert Product.objects.get().category == bags


def test_a_database_error_in_a_batch_fails_the_import_and_writes_nothing(admin_user, monkeypatch):
    import shop.imports.resource

    def same_slug_for_all(products):
        for product in products:
            product.slug = "sama"

    monkeypatch.setattr(shop.imports.resource, "assign_slugs", same_slug_for_all)
    job = factories.product_import(product_sheet([import_row("A-1", stock=2), import_row("A-2", stock=3)]), admin_user)
    job = factories.confirmed_import(job)
    assert job.status == ProductImport.Status.FAILED and "Tidak ada yang disimpan" in job.message
    assert "gagal disimpan" in report(job, "error")[2]["errors"][0][1]
    assert not Product.objects.exists() and not StockMovement.objects.exists()
