"""What the import template holds: the Indonesian header row (each header with a comment saying
what goes in it), one example product, and the Petunjuk sheet that explains every column."""

from django.utils.translation import gettext as _

from shop.catalog.models import Category
from shop.imports import jobs
from shop.imports.columns import COLUMNS, EXAMPLE_CATEGORY_WORDS, accepted_names, normalise_header
from shop.imports.pictures import MAX_ARCHIVE_BYTES, MAX_FILES, MAX_PER_PRODUCT, MAX_PICTURE_BYTES
from shop.imports.widgets import CategoryWidget

NOTES_WIDTHS = [18, 8, 80, 36, 40]


def headers():
    return [c.header for c in COLUMNS]


def header_notes():
    return [f"{c.header}{' (wajib)' if c.required else ''}: {c.help}" for c in COLUMNS]


def example_row():
    row = [c.example for c in COLUMNS]
    row[[c.key for c in COLUMNS].index("category")] = example_category()
    return row


def example_category():
    """The shop's own snack category, as the import reads it (the example product is a snack);
    blank when the shop has none, rather than a category the example does not fit."""
    categories = sorted(Category.objects.all(), key=lambda c: c.parent_id is not None)
    for category in categories:
        name = normalise_header(category.name)
        if any(word in name for word in EXAMPLE_CATEGORY_WORDS):
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
