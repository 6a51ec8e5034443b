"""What the import template holds: the Indonesian header row (each header with a comment saying
what goes in it), an example product without options (a snack) and one with options (a hijab in
two colours, one row per colour), and the Petunjuk sheet that explains every column."""

from django.utils.translation import gettext as _

from shop.catalog.models import Category
from shop.imports import jobs
from shop.imports.columns import (
    COLUMNS,
    EXAMPLE_CATEGORY_WORDS,
    KEYS,
    VARIANT_KEYS,
    accepted_names,
    normalise_header,
)
from shop.imports.pictures import MAX_ARCHIVE_BYTES, MAX_FILES, MAX_PER_PRODUCT, MAX_PICTURE_BYTES
from shop.imports.widgets import CategoryWidget

NOTES_WIDTHS = [18, 8, 80, 36, 40]


def headers():
    return [c.header for c in COLUMNS]


def header_notes():
    return [f"{c.header}{' (wajib)' if c.required else ''}: {c.help}" for c in COLUMNS]


# The example with options: a hijab in two colours, sharing its parent SKU.
HIJAB_WORDS = ("fashion muslim", "busana muslim", "hijab", "jilbab", "kerudung")
HIJAB = {
    "name": "Hijab Voal Polos",
    "price": 45000,
    "compare_at_price": None,
    "weight_grams": 120,
    "is_active": "ya",
    "description": "Hijab voal lembut dan tidak menerawang, mudah dibentuk.",
    "parent_sku": "HJB-VOAL",
    "option1_name": "Warna",
    "option2_name": None,
    "option2": None,
    "image": None,
}
HIJAB_COLOURS = [("HJB-VOAL-HTM", "Hitam", 12), ("HJB-VOAL-NVY", "Navy", 8)]


def example_row():
    """The snack: a product without options."""
    row = [c.example for c in COLUMNS]
    row[KEYS.index("category")] = example_category()
    for key in VARIANT_KEYS:
        row[KEYS.index(key)] = None
    return row


def example_rows():
    """The snack, then the hijab's two rows."""
    rows = [example_row()]
    category = example_category(HIJAB_WORDS)
    for sku, colour, stock in HIJAB_COLOURS:
        values = {**HIJAB, "sku": sku, "option1": colour, "stock": stock, "category": category or None}
        rows.append([values[key] for key in KEYS])
    return rows


def example_category(words=EXAMPLE_CATEGORY_WORDS):
    """The shop's own category for an example (a snack by default), as the import reads it;
    blank when the shop has none, rather than a category the example does not fit."""
    categories = sorted(Category.objects.all(), key=lambda c: c.parent_id is not None)
    for category in categories:
        name = normalise_header(category.name)
        if any(word in name for word in words):
            return CategoryWidget().render(category)
    return ""


def notes():
    """The rows of the Petunjuk sheet."""
    rows = [[_("Judul kolom"), _("Wajib"), _("Keterangan"), _("Contoh"), _("Judul lain yang diterima")]]
    for column in COLUMNS:
        rows.append(
            [
                column.header,
                _("ya") if column.required else "",
                str(column.help),
                column.example,
                ", ".join(accepted_names(column)),
            ]
        )
    general = [
        _(
            "Baris pertama lembar Produk adalah judul kolom. Judul bahasa Inggris (sku, name, price, …) juga diterima; judul lain ditolak agar salah ketik tidak terlewat."
        ),
        _(
            "Hapus baris contoh sebelum impor. Baris kosong dilewati. Bila ada satu baris bermasalah, tidak ada yang disimpan."
        ),
        _("Paling banyak %(rows)s baris dan %(size)s MB per berkas.")
        % {
            "rows": f"{jobs.MAX_ROWS:,}".replace(",", "."),
            "size": jobs.MAX_BYTES // 1048576,
        },
        _(
            "Produk bervarian (misalnya hijab dalam beberapa warna): satu baris per varian. Semua barisnya "
            "memakai SKU induk yang sama (SKU produknya) dan jenis pilihan yang sama; nama, kategori, harga coret "
            "dan deskripsi diambil dari baris pertamanya. SKU, harga, berat, stok dan status aktif tiap baris "
            "adalah milik variannya; harga produk adalah harga varian termurah. Gambar pertama di baris sebuah "
            "varian menjadi gambar varian itu, yang tampil saat pembeli memilihnya. Lihat contoh hijab di lembar Produk."
        ),
        _(
            "Gambar: kumpulkan foto produk dalam satu berkas .zip (boleh di dalam folder), tulis nama berkasnya di "
            "kolom Gambar, lalu unggah .zip itu bersama berkas ini. JPEG, PNG atau WebP; paling besar %(picture)s MB "
            "per gambar dan %(per_product)s gambar per produk; .zip paling besar %(archive)s MB berisi %(files)s berkas."
        )
        % {
            "picture": MAX_PICTURE_BYTES // 1048576,
            "per_product": MAX_PER_PRODUCT,
            "archive": MAX_ARCHIVE_BYTES // 1048576,
            "files": f"{MAX_FILES:,}".replace(",", "."),
        },
    ]
    return rows + [[]] + [["", "", note] for note in general]
