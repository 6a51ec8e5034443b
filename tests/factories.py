"""Small builders for test data. Stock always enters through the service, as in the shop."""

import itertools

from wagtail.models import Page

from home.models import CatalogPage
from shop.models import Category, Product
from shop.services.stock import set_opening_stock

_seq = itertools.count(1)


def catalog_page():
    page = CatalogPage.objects.first()
    if page is None:
        home = Page.objects.get(depth=2)
        page = home.add_child(instance=CatalogPage(title="Produk", slug="produk"))
    return page


def category(name=None, parent=None, sort_order=0):
    n = next(_seq)
    name = name or f"Kategori {n}"
    return Category.objects.create(name=name, slug=f"kategori-{n}", parent=parent, sort_order=sort_order)


def product(stock=0, **fields):
    n = next(_seq)
    defaults = {
        "sku": f"SKU-{n:05d}",
        "name": f"Produk {n}",
        "slug": f"produk-{n}",
        "price": 10_000 + n,
        "weight_grams": 250,
        "is_active": True,
    }
    defaults.update(fields)
    created = Product.objects.create(**defaults)
    if stock:
        set_opening_stock(created, stock)
        created.refresh_from_db(fields=["stock"])
    return created


def variant_product(options, *, option_name="Warna", **fields):
    """make_variant_product with one option type: `options` maps each value to its opening stock."""
    return make_variant_product(list(options.items()), option_names=(option_name,), **fields)


HIJAB_COLOURS = ("Hitam", "Navy", "Maroon", "Mocca", "Dusty Pink", "Sage")


def make_variant_product(variants=None, *, option_names=("Warna",), price=85_000, **fields):
    """A product with options, its variants made as the admin makes them (stock through the ledger).

    `variants` is a list of (options, stock) or (options, stock, {"price": …, "is_active": …}),
    options being a value or a tuple of one value per option name. By default: "Hijab Voal" in
    HIJAB_COLOURS, 5 of each colour but Maroon (sold out), Sage priced Rp 95.000.
    Returns (product, {label: variant}), labels as ProductVariant.label ("Navy", "Navy / L")."""
    from shop.models import ProductVariant

    if variants is None:
        variants = [
            (colour, 0 if colour == "Maroon" else 5, {"price": 95_000} if colour == "Sage" else {})
            for colour in HIJAB_COLOURS
        ]
        fields.setdefault("name", "Hijab Voal")
    names = dict(zip(("option1_name", "option2_name"), option_names, strict=False))
    made = product(price=price, **names, **fields)
    made_variants = {}
    for n, (options, stock, *extra) in enumerate(variants):
        values = options if isinstance(options, tuple) else (options,)
        attrs = {"price": price, **(extra[0] if extra else {})}
        option_values = dict(zip(("option1", "option2"), values, strict=False))
        variant = ProductVariant.objects.create(
            product=made, sku=f"{made.sku}-V{n + 1}", sort_order=n, **option_values, **attrs
        )
        if stock:
            set_opening_stock(made, stock, variant=variant)
            variant.refresh_from_db(fields=["stock"])
        made_variants[variant.label] = variant
    made.refresh_from_db(fields=["stock"])
    return made, made_variants


def _order_item(thing, quantity):
    """An order line as place_order takes it, of a product without options or of a variant."""
    if hasattr(thing, "option1"):
        return {"variant_id": thing.pk, "quantity": quantity, "unit_price": thing.price}
    return {"product_id": thing.pk, "quantity": quantity, "unit_price": thing.price}


def shipping_address(**fields):
    """A shipping address as place_order takes it."""
    address = {
        "recipient_name": "Siti Rahayu",
        "phone": "081234567890",
        "email": "siti@example.com",
        "province": "DI Yogyakarta",
        "city": "Sleman",
        "district": "Ngaglik",
        "postal_code": "55581",
        "street": "Jl. Kaliurang Km 10 No. 5",
    }
    address.update(fields)
    return address


def order(user, *lines, payment_method="bank_transfer", shipping_cost=15_000, payment_channel=None):
    """An order placed through the service, as checkout places it; lines are (product, quantity).

    A "tripay" order is paid by QRIS unless another channel is named; TriPay must be set up
    (the `simulated_tripay` fixture, or recorded answers from tests.integrations.tripay_api).
    """
    from shop.services.orders import place_order

    if payment_method == "tripay":
        payment_channel = payment_channel or "QRIS"
    return place_order(
        user,
        items=[_order_item(thing, quantity) for thing, quantity in lines],
        address=shipping_address(),
        shipping={"courier": "JNE", "service": "REG", "cost": shipping_cost},
        payment_method=payment_method,
        payment_channel=payment_channel,
    )


def picture_bytes(kind="jpeg", size=(40, 60)):
    """A real picture of that size, as a phone or a screenshot tool would save it."""
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", size, "white").save(out, {"jpeg": "JPEG", "png": "PNG"}[kind])
    return out.getvalue()


def proof_file(kind="jpeg", name=None, size=2048):
    """An upload of `size` bytes: a real JPEG or PNG (padded after its end, which readers ignore),
    a PDF, or anything else as plain text."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    if kind in ("jpeg", "png"):
        head = picture_bytes(kind)
    elif kind == "pdf":
        head = b"%PDF-1.4\n"
    else:
        head = b"just some text, not an image"
    content = (head + b"\x00" * max(0, size - len(head)))[:size]
    return SimpleUploadedFile(name or f"bukti.{kind}", content, content_type="image/jpeg")


IMPORT_HEADERS = [
    "sku",
    "name",
    "category",
    "price",
    "compare_at_price",
    "weight_grams",
    "stock",
    "is_active",
    "description",
]


def product_sheet(rows, headers=None, name="produk.xlsx"):
    """An uploaded product spreadsheet, .xlsx or .csv by its name; headers default to the template's."""
    import csv
    import io

    import openpyxl
    from django.core.files.uploadedfile import SimpleUploadedFile

    headers = IMPORT_HEADERS if headers is None else headers
    out = io.BytesIO()
    if name.endswith(".csv"):
        text = io.StringIO()
        csv.writer(text).writerows([headers, *rows])
        out.write(text.getvalue().encode("utf-8"))
    else:
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = "Produk"
        for row in [headers, *rows]:
            sheet.append(list(row))
        workbook.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def import_row(
    sku,
    name="Kaos Polos",
    category="",
    price=150_000,
    compare_at_price="",
    weight_grams=250,
    stock="",
    is_active="ya",
    description="",
):
    """One row of the import template, in IMPORT_HEADERS order."""
    return [sku, name, category, price, compare_at_price, weight_grams, stock, is_active, description]


def product_import(upload, user=None, create_categories=False, checked=True):
    """A ProductImport of an uploaded sheet, checked (the preview) unless told otherwise."""
    from shop.imports import jobs as importing
    from shop.models import ProductImport

    job = ProductImport(original_name=upload.name, created_by=user, create_categories=create_categories)
    job.file.save(upload.name, upload, save=False)
    job.save()
    if checked:
        importing.check_import(job.pk)
        job.refresh_from_db()
    return job


def confirmed_import(job):
    """Confirm a checked import and run it in the foreground, as the Confirm button does for small files."""
    from shop.imports import jobs as importing
    from shop.models import ProductImport

    ProductImport.objects.filter(pk=job.pk).update(status=ProductImport.Status.IMPORT_QUEUED)
    importing.run_import(job.pk)
    job.refresh_from_db()
    return job


def shipping_rate(courier="JNE", service="REG", cost=10_000, etd="2-3 hari", **fields):
    """A flat rate per kilogram, as the owner keeps them in the admin."""
    from shop.models import ShippingRate

    return ShippingRate.objects.create(courier=courier, service=service, cost=cost, etd=etd, **fields)


def saved_address(user, **fields):
    """An entry in a buyer's address book."""
    from shop.models import Address

    values = {
        "recipient_name": "Budi Santoso",
        "phone": "+6281234567890",
        "province": "Jawa Barat",
        "city": "Bandung",
        "district": "Coblong",
        "postal_code": "40132",
        "street": "Jl. Dago No. 1",
    }
    values.update(fields)
    return Address.objects.create(user=user, **values)


# --- Regions (issue 13) --------------------------------------------------------------------------
# Real villages of the Kemendagri list that migration 0014 loads into every test database.
SARIHARJO = "34.04.12.2001"  # Sariharjo, Ngaglik, Kabupaten Sleman, DI Yogyakarta; postal code 55581
MINOMARTANI = "34.04.12.2002"  # its neighbour in Ngaglik, same postal code
LEBAK_GEDE = "32.73.02.1002"  # Lebak Gede, Coblong, Kota Bandung, Jawa Barat; 40132
KARUWISI = "73.71.09.1001"  # Karuwisi, Panakkukang, Kota Makassar, Sulawesi Selatan; 90232


# The new-address part of the checkout form, as a buyer fills it in (prefix "alamat").
CHECKOUT_ADDRESS = {
    "alamat-recipient_name": "Siti Rahayu",
    "alamat-phone": "0812-3456-7890",
    "alamat-region_code": SARIHARJO,
    "alamat-postal_code": "55581",
    "alamat-street": "Jl. Kaliurang Km 10 No. 5",
}


def region_fields(code=SARIHARJO):
    """What picking village `code` puts in an address: its names, its code and its postal code."""
    from shop.shipping.regions import village_address

    village = village_address(code)
    return {
        "province": village["province"],
        "city": village["city"],
        "district": village["district"],
        "village": village["village"],
        "region_code": code,
        "postal_code": village["postal_code"],
    }


def village_saved_address(user, code=SARIHARJO, **fields):
    """An entry in a buyer's address book whose village was picked from the region list."""
    return saved_address(user, **{**region_fields(code), **fields})
