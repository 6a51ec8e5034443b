"""The columns of the product spreadsheet, in file order, with what the template says about each.

The template, the export and the import all follow this list. A file's headers are the Indonesian
`header` of each column (what the template and the export write); the English `key` and the
`aliases` are accepted too, in any case and spacing. `ROW_NUMBER` is the extra column the import
adds to carry each row's number in the sheet.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class HeaderError(Exception):
    """The header row cannot be read as the product sheet; the message is for the shop owner."""


@dataclass(frozen=True)
class Column:
    key: str
    # Part of the file format, like the key: the same in every admin language, so not translated.
    header: str
    help: str
    example: object
    required: bool = False
    aliases: tuple = field(default_factory=tuple)


COLUMNS = [
    Column(
        "sku",
        "SKU",
        gettext_lazy("Kode unik produk. Baris dengan SKU yang sudah ada memperbarui produk itu."),
        "KRP-PSG-200",
        True,
        ("kode", "kode produk", "kode barang"),
    ),
    Column(
        "name",
        "Nama produk",
        gettext_lazy("Nama produk, paling banyak 200 karakter."),
        "Keripik Pisang Cokelat 200 g",
        True,
        ("nama", "nama barang"),
    ),
    Column(
        "category",
        "Kategori",
        gettext_lazy("Nama kategori yang sudah ada. Untuk subkategori boleh ditulis lengkap: Pakaian > Kaos."),
        "Makanan Ringan",
        False,
    ),
    Column(
        "price",
        "Harga",
        gettext_lazy("Rupiah bulat: 150000, 150.000 atau Rp 150.000."),
        18000,
        True,
        ("harga (rp)", "harga jual"),
    ),
    Column(
        "compare_at_price",
        "Harga coret",
        gettext_lazy("Harga sebelum diskon, ditampilkan dicoret. Kosongkan bila tidak ada."),
        22000,
        False,
        ("harga coret (rp)", "harga sebelum diskon"),
    ),
    Column(
        "weight_grams",
        "Berat (gram)",
        gettext_lazy("Berat untuk ongkos kirim, dalam gram. Kosong = 0."),
        220,
        False,
        ("weight", "berat", "berat gram", "berat (g)"),
    ),
    Column(
        "stock",
        "Stok",
        gettext_lazy(
            "Jumlah stok sekarang. Selisihnya dicatat di riwayat stok sebagai Impor. "
            "Kosongkan agar stok produk yang sudah ada tidak diubah."
        ),
        25,
        False,
        ("jumlah stok",),
    ),
    Column(
        "is_active",
        "Aktif",
        gettext_lazy("ya atau tidak. Produk nonaktif tidak tampil di toko. Kosong = ya."),
        "ya",
        False,
        ("active", "status aktif"),
    ),
    Column(
        "description",
        "Deskripsi",
        gettext_lazy("Teks biasa; baris kosong memisahkan paragraf."),
        "Keripik pisang kepok renyah berbalut cokelat, tanpa pengawet. Cocok untuk camilan dan oleh-oleh.",
        False,
        ("keterangan",),
    ),
    # A product with options (a hijab in six colours) is one row per variant: the rows share the
    # product's SKU in "SKU induk" and name their options here (shop.imports.variants).
    Column(
        "parent_sku",
        "SKU induk",
        gettext_lazy(
            "Hanya untuk produk bervarian: SKU produknya, sama di setiap baris variannya; SKU baris itu "
            "adalah SKU varian. Kosongkan untuk produk tanpa varian."
        ),
        "HJB-VOAL",
        False,
        ("sku produk induk", "kode induk"),
    ),
    Column(
        "option1_name",
        "Jenis pilihan 1",
        gettext_lazy("Jenis pilihan pertama produk bervarian, sama di setiap barisnya. Misalnya Warna."),
        "Warna",
        False,
        ("jenis varian 1", "nama pilihan 1"),
    ),
    Column(
        "option1",
        "Pilihan 1",
        gettext_lazy("Pilihan pertama varian ini. Misalnya Navy."),
        "Navy",
        False,
        ("varian 1", "nilai pilihan 1"),
    ),
    Column(
        "option2_name",
        "Jenis pilihan 2",
        gettext_lazy("Jenis pilihan kedua, bila ada. Misalnya Ukuran."),
        "Ukuran",
        False,
        ("jenis varian 2", "nama pilihan 2"),
    ),
    Column(
        "option2",
        "Pilihan 2",
        gettext_lazy("Pilihan kedua varian ini, bila ada jenis pilihan 2. Misalnya L."),
        "L",
        False,
        ("varian 2", "nilai pilihan 2"),
    ),
    Column(
        "image",
        "Gambar",
        gettext_lazy(
            "Nama berkas gambar di .zip yang diunggah bersama berkas ini; beberapa gambar dipisah titik koma (;). "
            "Gambar yang sudah ada di produk tidak ditambahkan lagi. Kosong = gambar tidak diubah."
        ),
        "keripik-pisang-1.jpg; keripik-pisang-2.jpg",
        False,
        ("images", "gambar produk", "foto", "foto produk", "picture", "pictures"),
    ),
]
KEYS = [c.key for c in COLUMNS]
HEADERS = {c.key: c.header for c in COLUMNS}
REQUIRED_COLUMNS = [c.key for c in COLUMNS if c.required]
VARIANT_KEYS = ["parent_sku", "option1_name", "option1", "option2_name", "option2"]
ROW_NUMBER = "__row__"
# The template's example product is a snack: its category is the shop's own snack category when
# there is one (found by these words), and blank otherwise, never a category it does not fit.
EXAMPLE_CATEGORY_WORDS = ("makanan ringan", "camilan", "cemilan", "snack", "jajanan", "keripik")


def normalise_header(text):
    return " ".join(str(text or "").replace("_", " ").lower().split())


# Headers are matched by these names in any case, so the template, the export, the listing's own
# download (Nama, Harga coret, Berat (gram), ...), older English files and files typed by hand all
# import alike.
HEADER_ALIASES = {normalise_header(name): c.key for c in COLUMNS for name in (c.header, c.key, *c.aliases)}


def map_columns(headers):
    """Which column each header of a file feeds (None for a blank header).

    Raises HeaderError for a column given twice, a required column missing, or a header that is
    none of the accepted names: a misspelt "Hrga coret" must not be skipped in silence.
    """
    keys, unknown, seen = [], [], {}
    for position, header in enumerate(headers, 1):
        key = HEADER_ALIASES.get(normalise_header(header))
        if key and key in seen:
            raise HeaderError(
                _("Kolom “%(header)s” muncul dua kali (kolom ke-%(first)s dan ke-%(second)s).")
                % {"header": header, "first": seen[key], "second": position}
            )
        if key:
            seen[key] = position
        elif header:
            unknown.append(header)
        keys.append(key)
    if unknown:
        raise HeaderError(
            _(
                "Judul kolom tidak dikenal: %(unknown)s. Pakai judul dari templat (%(known)s), "
                "atau hapus kolom itu dari berkas."
            )
            % {
                "unknown": ", ".join(f"“{header}”" for header in unknown),
                "known": ", ".join(c.header for c in COLUMNS),
            }
        )
    missing = [key for key in REQUIRED_COLUMNS if key not in seen]
    if missing:
        raise HeaderError(
            _("Kolom wajib tidak ada: %(columns)s. Pakai templat dari halaman Impor Produk.")
            % {"columns": ", ".join(f"{HEADERS[key]} ({key})" for key in missing)}
        )
    return keys


def accepted_names(column):
    """The other headers accepted for `column`, as the Petunjuk sheet and the screen list them."""
    names = {normalise_header(column.header): None}
    for name in (column.key, *column.aliases):
        names.setdefault(normalise_header(name), name)
    return [name for name in names.values() if name]
