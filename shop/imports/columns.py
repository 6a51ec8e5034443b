"""The columns of the product spreadsheet, in file order, with what the template says about each.

The template, the export and the import all follow this list. `HEADER_ALIASES` is how a file's
header row is matched to it; `ROW_NUMBER` is the extra column the import adds to carry each row's
number in the sheet.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    help: str
    example: object
    required: bool = False
    aliases: tuple = field(default_factory=tuple)


COLUMNS = [
    Column(
        "sku",
        gettext_lazy("SKU"),
        gettext_lazy("Kode unik produk. Baris dengan SKU yang sudah ada memperbarui produk itu."),
        "KAOS-HTM-M",
        True,
        ("kode", "kode produk", "kode barang"),
    ),
    Column(
        "name",
        gettext_lazy("Nama"),
        gettext_lazy("Nama produk, paling banyak 200 karakter."),
        "Kaos Polos Hitam M",
        True,
        ("nama", "nama produk"),
    ),
    Column(
        "category",
        gettext_lazy("Kategori"),
        gettext_lazy("Nama kategori yang sudah ada. Untuk subkategori boleh ditulis lengkap: Pakaian > Kaos."),
        "Pakaian",
        False,
        ("kategori",),
    ),
    Column(
        "price",
        gettext_lazy("Harga"),
        gettext_lazy("Rupiah bulat: 150000, 150.000 atau Rp 150.000."),
        150000,
        True,
        ("harga", "harga (rp)", "harga jual"),
    ),
    Column(
        "compare_at_price",
        gettext_lazy("Harga coret"),
        gettext_lazy("Harga sebelum diskon, ditampilkan dicoret. Kosongkan bila tidak ada."),
        175000,
        False,
        ("compare at price", "harga coret", "harga coret (rp)", "harga sebelum diskon"),
    ),
    Column(
        "weight_grams",
        gettext_lazy("Berat (gram)"),
        gettext_lazy("Berat untuk ongkos kirim, dalam gram. Kosong = 0."),
        250,
        False,
        ("weight grams", "berat", "berat (gram)", "berat gram", "berat (g)"),
    ),
    Column(
        "stock",
        gettext_lazy("Stok"),
        gettext_lazy(
            "Jumlah stok sekarang. Selisihnya dicatat di riwayat stok sebagai Impor. "
            "Kosongkan agar stok produk yang sudah ada tidak diubah."
        ),
        10,
        False,
        ("stok", "jumlah stok"),
    ),
    Column(
        "is_active",
        gettext_lazy("Aktif"),
        gettext_lazy("ya atau tidak. Produk nonaktif tidak tampil di toko. Kosong = ya."),
        "ya",
        False,
        ("is active", "aktif", "status aktif"),
    ),
    Column(
        "description",
        gettext_lazy("Deskripsi"),
        gettext_lazy("Teks biasa; baris kosong memisahkan paragraf."),
        "Kaos katun combed 30s, nyaman dipakai sehari-hari.",
        False,
        ("deskripsi", "keterangan"),
    ),
]
REQUIRED_COLUMNS = [c.key for c in COLUMNS if c.required]
ROW_NUMBER = "__row__"


def normalise_header(text):
    return " ".join(str(text or "").replace("_", " ").lower().split())


# Headers are matched by these names in any case, so the listing's own export (Nama, Harga coret,
# Berat (gram), ...) and files typed by hand import as well as the template.
HEADER_ALIASES = {normalise_header(name): c.key for c in COLUMNS for name in (c.key, *c.aliases)}
