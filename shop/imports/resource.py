"""The product spreadsheet: one row per product, keyed by SKU (a django-import-export Resource).

The same columns are written by the export and read by the import, so an exported file imports
back with no change. Stock in a file is a level, not a field: the resource never sets
`Product.stock`; it hands the levels to `shop.services.stock.import_stock_levels`, which writes
the difference to the ledger.
"""

import html
import re
import sqlite3
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.instance_loaders import BaseInstanceLoader

from shop.catalog.models import Category, Product
from shop.imports.numbers import NumberError, is_blank, parse_whole_number
from shop.inventory.services import import_stock_levels

MAX_BIGINT = 9_223_372_036_854_775_807
MAX_INT = 2_147_483_647
# Excel cannot hold more in one cell, so a longer description means a broken file.
MAX_DESCRIPTION = 32_767
YES = {"ya", "y", "yes", "true", "benar", "1", "aktif", "on"}
NO = {"tidak", "t", "no", "n", "false", "salah", "0", "nonaktif", "tidak aktif", "off"}
# "Induk > Anak" (or › as the admin shows it); not "/", which real category names contain.
PATH_SEPARATOR = re.compile(r"\s*[›>]\s*")
# The tags of Wagtail rich text: a description holding one of them is HTML, anything else is text.
HTML_TAG = re.compile(r"</?(p|br|b|i|u|s|strong|em|ul|ol|li|a|h[1-6]|hr|blockquote|code|sub|sup|embed|div|span)\b[^>]*>", re.I)


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
        "sku", gettext_lazy("SKU"), gettext_lazy("Kode unik produk. Baris dengan SKU yang sudah ada memperbarui produk itu."),
        "KAOS-HTM-M", True, ("kode", "kode produk", "kode barang"),
    ),
    Column("name", gettext_lazy("Nama"), gettext_lazy("Nama produk, paling banyak 200 karakter."), "Kaos Polos Hitam M", True,
           ("nama", "nama produk")),
    Column(
        "category", gettext_lazy("Kategori"),
        gettext_lazy("Nama kategori yang sudah ada. Untuk subkategori boleh ditulis lengkap: Pakaian > Kaos."),
        "Pakaian", False, ("kategori",),
    ),
    Column("price", gettext_lazy("Harga"), gettext_lazy("Rupiah bulat: 150000, 150.000 atau Rp 150.000."), 150000, True,
           ("harga", "harga (rp)", "harga jual")),
    Column(
        "compare_at_price", gettext_lazy("Harga coret"),
        gettext_lazy("Harga sebelum diskon, ditampilkan dicoret. Kosongkan bila tidak ada."), 175000, False,
        ("compare at price", "harga coret", "harga coret (rp)", "harga sebelum diskon"),
    ),
    Column("weight_grams", gettext_lazy("Berat (gram)"), gettext_lazy("Berat untuk ongkos kirim, dalam gram. Kosong = 0."), 250,
           False, ("weight grams", "berat", "berat (gram)", "berat gram", "berat (g)")),
    Column(
        "stock", gettext_lazy("Stok"),
        gettext_lazy(
            "Jumlah stok sekarang. Selisihnya dicatat di riwayat stok sebagai Impor. "
            "Kosongkan agar stok produk yang sudah ada tidak diubah."
        ),
        10, False, ("stok", "jumlah stok"),
    ),
    Column("is_active", gettext_lazy("Aktif"), gettext_lazy("ya atau tidak. Produk nonaktif tidak tampil di toko. Kosong = ya."),
           "ya", False, ("is active", "aktif", "status aktif")),
    Column("description", gettext_lazy("Deskripsi"), gettext_lazy("Teks biasa; baris kosong memisahkan paragraf."),
           "Kaos katun combed 30s, nyaman dipakai sehari-hari.", False, ("deskripsi", "keterangan")),
]
REQUIRED_COLUMNS = [c.key for c in COLUMNS if c.required]
ROW_NUMBER = "__row__"


def normalise_header(text):
    return " ".join(str(text or "").replace("_", " ").lower().split())


# Headers are matched by these names in any case, so the listing's own export (Nama, Harga coret,
# Berat (gram), ...) and files typed by hand import as well as the template.
HEADER_ALIASES = {normalise_header(name): c.key for c in COLUMNS for name in (c.key, *c.aliases)}


class SkuWidget(widgets.Widget):
    """Excel turns a numeric SKU into a number; read it back as the text the owner typed."""

    def clean(self, value, row=None, **kwargs):
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()


class TextWidget(widgets.Widget):
    def __init__(self, max_length, required=False):
        super().__init__()
        self.max_length, self.required = max_length, required

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if self.required and not text:
            raise ValueError(_("Wajib diisi."))
        if len(text) > self.max_length:
            raise ValueError(
                _("Terlalu panjang: %(length)s karakter, paling banyak %(maximum)s.")
                % {"length": len(text), "maximum": self.max_length}
            )
        return text


class WholeNumberWidget(widgets.Widget):
    def __init__(self, maximum, required=False, blank=None, what=None):
        super().__init__(coerce_to_string=False)
        self.maximum, self.required, self.blank, self.what = maximum, required, blank, what

    def clean(self, value, row=None, **kwargs):
        try:
            number = parse_whole_number(value, maximum=self.maximum, what=self.what)
        except NumberError as error:
            raise ValueError(str(error)) from None
        if number is None:
            if self.required:
                raise ValueError(_("Wajib diisi."))
            return self.blank
        return number

    def render(self, value, obj=None, **kwargs):
        return value


class YesNoWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return True
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        word = str(value).strip().lower()
        if word in YES:
            return True
        if word in NO:
            return False
        raise ValueError(_("Tulis “ya” atau “tidak” (tertulis “%(value)s”).") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        return _("ya") if value else _("tidak")


class Paragraphs(str):
    """HTML this module made from plain text: already safe, so not cleaned again."""


class DescriptionWidget(widgets.Widget):
    """Plain text becomes paragraphs; HTML is kept (and cleaned when it changes, see the resource)."""

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if len(text) > MAX_DESCRIPTION:
            raise ValueError(
                _("Terlalu panjang: %(length)s karakter, paling banyak %(maximum)s.")
                % {"length": len(text), "maximum": MAX_DESCRIPTION}
            )
        if text and not HTML_TAG.search(text):
            paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if p.strip()]
            text = Paragraphs("".join(f"<p>{html.escape(p).replace(chr(10), '<br/>')}</p>" for p in paragraphs))
        return text


class CategoryWidget(widgets.Widget):
    """A category by name, or by its path ("Pakaian > Kaos") when the name is not unique.

    All categories are read once per import; a missing one is refused unless the import was
    started with "create categories", and then it is created (only when the import is saved).
    """

    def __init__(self, create_missing=False):
        super().__init__()
        self.create_missing = create_missing
        self.dry_run = True
        self._by_path = None

    def load(self):
        categories = {c.pk: c for c in Category.objects.all()}
        self._paths = {}
        for category in categories.values():
            names, node, seen = [], category, set()
            while node is not None and node.pk not in seen:
                seen.add(node.pk)
                names.append(node.name)
                node = categories.get(node.parent_id)
            self._paths[category.pk] = list(reversed(names))
        self._by_path = {self._key(path): categories[pk] for pk, path in self._paths.items()}
        keys = [self._key(path) for path in self._paths.values()]
        self._twins = {key for key in keys if keys.count(key) > 1} if len(keys) != len(self._by_path) else set()
        self._by_name = {}
        self._created = []
        for pk, path in self._paths.items():
            self._by_name.setdefault(self._key(path[-1:]), []).append(categories[pk])

    @staticmethod
    def _key(names):
        return tuple(" ".join(n.split()).casefold() for n in names)

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        if self._by_path is None:
            self.load()
        names = [n for n in PATH_SEPARATOR.split(str(value).strip()) if n]
        key = self._key(names)
        if key in self._twins:
            raise ValueError(
                _("Ada lebih dari satu kategori “%(name)s” dengan induk yang sama; ganti nama salah satunya dulu.")
                % {"name": str(value).strip()}
            )
        if len(names) == 1:
            matches = self._by_name.get(key, [])
            if len(matches) > 1:
                raise ValueError(
                    _("Ada %(count)s kategori bernama “%(name)s”; tulis lengkap, mis. “%(example)s”.")
                    % {"count": len(matches), "name": names[0], "example": self.render(matches[0])}
                )
            if matches:
                return matches[0]
        elif key in self._by_path:
            return self._by_path[key]
        if not self.create_missing:
            raise ValueError(
                _("Kategori “%(name)s” belum ada. Buat dulu di Katalog › Kategori, atau centang “Buat kategori yang belum ada”.")
                % {"name": str(value).strip()}
            )
        return self._create(names)

    def _create(self, names):
        if any(len(name) > 100 for name in names):
            raise ValueError(_("Nama kategori terlalu panjang: paling banyak 100 karakter."))
        parent = None
        for depth in range(1, len(names) + 1):
            key = self._key(names[:depth])
            found = self._by_path.get(key)
            if found is None:
                found = Category(name=names[depth - 1], parent=parent, slug=self._free_slug(names[:depth]))
                if not self.dry_run:
                    found.save()
                self._by_path[key] = found
                self._created.append(" > ".join(names[:depth]))
                self._by_name.setdefault(self._key(names[depth - 1 : depth]), []).append(found)
            parent = found
        return parent

    def created_names(self):
        """Categories this import created (or, in a dry run, would create)."""
        return list(getattr(self, "_created", []))

    def _free_slug(self, names):
        base = slugify("-".join(names))[:110] or "kategori"
        slug, n = base, 2
        while Category.objects.filter(slug=slug).exists() or slug in self._new_slugs():
            slug, n = f"{base}-{n}", n + 1
        return slug

    def _new_slugs(self):
        return {c.slug for c in self._by_path.values() if c.pk is None}

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        if self._by_path is None:
            self.load()
        path = self._paths.get(value.pk) or [value.name]
        # The bare name is enough, and easier to type, unless another category shares it.
        if len(self._by_name.get(self._key(path[-1:]), [])) <= 1:
            return path[-1]
        return " > ".join(path)


class SeenSkus:
    """The SKUs already read in this import, kept on disk so memory does not grow with the file."""

    def __init__(self):
        # An empty file name gives a private temporary database, deleted when it is closed.
        self._db = sqlite3.connect("")
        self._db.execute("CREATE TABLE seen (sku TEXT PRIMARY KEY, row INTEGER) WITHOUT ROWID")

    def first_row(self, sku, row_number):
        """The row where `sku` appeared before, or None (and remember this row)."""
        cursor = self._db.execute("INSERT INTO seen VALUES (?, ?) ON CONFLICT(sku) DO NOTHING", (sku, row_number))
        if cursor.rowcount:
            return None
        return self._db.execute("SELECT row FROM seen WHERE sku = ?", (sku,)).fetchone()[0]

    def close(self):
        self._db.close()


class ProductsBySku(BaseInstanceLoader):
    """The chunk's existing products in one query, like import-export's CachedInstanceLoader, but
    reading the SKU column directly instead of turning every row into a dict first."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.sku_widget = resource.fields["sku"].widget
        skus = {self.sku_widget.clean(value) for value in dataset["sku"]} if dataset and dataset.height else set()
        skus.discard("")
        self.products = {p.sku: p for p in Product.objects.filter(sku__in=skus)} if skus else {}

    def get_instance(self, row):
        return self.products.get(self.sku_widget.clean(row["sku"]))


class ProductResource(resources.ModelResource):
    sku = fields.Field(attribute="sku", column_name="sku", widget=SkuWidget())
    name = fields.Field(attribute="name", column_name="name", widget=TextWidget(max_length=200, required=True))
    category = fields.Field(attribute="category", column_name="category", widget=CategoryWidget())
    price = fields.Field(
        attribute="price", column_name="price", widget=WholeNumberWidget(MAX_BIGINT, required=True, what="rupiah")
    )
    compare_at_price = fields.Field(
        attribute="compare_at_price", column_name="compare_at_price", widget=WholeNumberWidget(MAX_BIGINT, what="rupiah")
    )
    weight_grams = fields.Field(attribute="weight_grams", column_name="weight_grams", widget=WholeNumberWidget(MAX_INT, blank=0))
    # Read-only for import-export: the level goes to the ledger, never onto the instance.
    stock = fields.Field(attribute="stock", column_name="stock", widget=WholeNumberWidget(MAX_INT), readonly=True)
    is_active = fields.Field(attribute="is_active", column_name="is_active", widget=YesNoWidget())
    description = fields.Field(attribute="description", column_name="description", widget=DescriptionWidget())

    # What "unchanged" compares, by column (category by id, so no query per row).
    COMPARED = {
        "name": "name",
        "category": "category_id",
        "price": "price",
        "compare_at_price": "compare_at_price",
        "weight_grams": "weight_grams",
        "is_active": "is_active",
        "description": "description",
    }

    class Meta:
        model = Product
        fields = [c.key for c in COLUMNS]
        export_order = [c.key for c in COLUMNS]
        import_id_fields = ["sku"]
        instance_loader_class = ProductsBySku
        use_bulk = True
        batch_size = 1000
        # Diffs deep-copy every instance; the resource compares the few columns itself.
        skip_diff = True
        report_skipped = True
        use_transactions = True
        chunk_size = 2000

    def __init__(self, *, actor=None, create_categories=False, note=""):
        super().__init__()
        self.actor, self.note = actor, note
        self.fields["category"].widget.create_missing = create_categories
        self.seen_skus = SeenSkus()
        self.now = timezone.now()
        self.refused = False  # once a row is refused, nothing more is written
        self.row_notes = {}
        self.stock_levels = []
        self.stock_movements = 0
        self._import_fields = None

    def close(self):
        self.seen_skus.close()

    # -- export --------------------------------------------------------------------------

    def get_queryset(self):
        return Product.objects.all()

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("category").order_by("sku")

    # -- import, row by row --------------------------------------------------------------

    def import_data(self, dataset, dry_run=False, **kwargs):
        """One call per chunk of a file; the resource remembers SKUs across calls."""
        self.fields["category"].widget.dry_run = dry_run or self.refused
        self.row_notes = {}
        self.stock_levels = []
        kwargs.setdefault("rollback_on_validation_errors", True)
        return super().import_data(dataset, dry_run=dry_run, **kwargs)

    def after_init_instance(self, instance, new, row, **kwargs):
        if not new:
            instance._import_before = tuple(getattr(instance, a) for a in self.COMPARED.values())

    def init_instance(self, row=None):
        # ClusterableModel.__init__ searches the model's child relations on every call only to
        # find none in empty kwargs; Model.__init__ alone builds the same new product.
        product = Product.__new__(Product)
        models.Model.__init__(product)
        return product

    def get_import_fields(self):
        # import-export asks for these once per row; they do not change during an import.
        if self._import_fields is None:
            self._import_fields = [f for f in super().get_import_fields() if not f.readonly]
        return self._import_fields

    def import_instance(self, instance, row, **kwargs):
        """Each column through its widget onto the instance, as import-export's own loop does (a
        widget's ValueError becomes that column's error), minus the per-field indirection that
        costs more than the widgets themselves over 100,000 rows."""
        instance._import_row = kwargs.get("row_number")
        errors = {}
        for resource_field in self.get_import_fields():
            if resource_field.column_name not in row:
                continue
            try:
                value = resource_field.widget.clean(row[resource_field.column_name], row=row)
            except ValueError as error:
                errors[resource_field.attribute] = [ValidationError(str(error), code="invalid")]
            else:
                setattr(instance, resource_field.attribute, value)
        row_number = row.get(ROW_NUMBER, kwargs.get("row_number"))
        sku = instance.sku
        if not sku:
            errors.setdefault("sku", []).append(ValidationError(_("Wajib diisi.")))
        elif len(sku) > 64:
            errors.setdefault("sku", []).append(
                ValidationError(_("Terlalu panjang: %(length)s karakter, paling banyak 64.") % {"length": len(sku)})
            )
        else:
            earlier = self.seen_skus.first_row(sku, row_number)
            if earlier is not None:
                errors.setdefault("sku", []).append(
                    ValidationError(_("SKU %(sku)s sudah ada di baris %(row)s berkas ini.") % {"sku": sku, "row": earlier})
                )
        level = None
        if "stock" in row:
            try:
                level = self.fields["stock"].widget.clean(row["stock"])
            except ValueError as error:
                errors.setdefault("stock", []).append(ValidationError(str(error)))
        if errors:
            raise ValidationError(errors)
        instance._import_stock_level = level

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors:
            return False
        changed = self._changed_columns(instance)
        level = getattr(instance, "_import_stock_level", None)
        stock_delta = 0 if level is None else level - instance.stock
        self.row_notes[instance._import_row] = (changed, stock_delta)
        if stock_delta:
            self.stock_levels.append((instance, level))
        return not changed and not stock_delta and instance.pk is not None

    def _changed_columns(self, instance):
        before = getattr(instance, "_import_before", None)
        if before is None:
            return list(self.COMPARED)
        after = tuple(getattr(instance, a) for a in self.COMPARED.values())
        return [column for column, old, new in zip(self.COMPARED, before, after) if old != new]

    def before_save_instance(self, instance, row, **kwargs):
        if instance.pk is None:
            instance.stock = 0  # stock only enters through the ledger below
        else:
            instance.updated_at = self.now
        if isinstance(instance.description, Paragraphs):
            instance.description = str(instance.description)
        elif "description" in self._changed_columns(instance) and "<" in instance.description:
            instance.description = clean_rich_text(instance.description)

    # -- import, in bulk -----------------------------------------------------------------

    def get_bulk_update_fields(self):
        # Never "stock": writing back the value read earlier would undo concurrent sales.
        return ["name", "category", "price", "compare_at_price", "weight_grams", "is_active", "description", "updated_at"]

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if dry_run or self.refused or (result is not None and (result.has_errors() or result.has_validation_errors())):
            self.refused = self.refused or not dry_run
            self.create_instances.clear()
            return
        assign_slugs(self.create_instances)
        super().bulk_create(using_transactions, dry_run, raise_errors, batch_size=batch_size, result=result)

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if dry_run or self.refused or (result is not None and (result.has_errors() or result.has_validation_errors())):
            self.refused = self.refused or not dry_run
            self.update_instances.clear()
            return
        try:
            update_products(self.update_instances, self.get_bulk_update_fields())
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
        finally:
            self.update_instances.clear()

    def after_import(self, dataset, result, **kwargs):
        # ModelResource resets the id sequence here; the file never carries ids, and a reset
        # inside a long transaction could hand out ids that concurrent inserts already hold.
        if kwargs.get("dry_run") or self.refused or result.has_errors() or result.has_validation_errors():
            self.refused = self.refused or not kwargs.get("dry_run")
            return
        unsaved = [instance.sku for instance, _level in self.stock_levels if instance.pk is None]
        if unsaved:  # databases that do not return ids from bulk_create (MySQL)
            ids = dict(Product.objects.filter(sku__in=unsaved).values_list("sku", "pk"))
            for instance, _level in self.stock_levels:
                instance.pk = instance.pk or ids[instance.sku]
        levels = {instance.pk: level for instance, level in self.stock_levels}
        self.stock_movements += import_stock_levels(levels, actor=self.actor, note=self.note)

    def row_note(self, index):
        """(changed columns, stock delta) of the index-th row (from 1) of the last chunk."""
        return self.row_notes.get(index, ([], 0))


def update_products(products, field_names):
    """One parametrised UPDATE per product, sent as a batch (executemany).

    Django's bulk_update builds a CASE expression per column and row, which for a few thousand
    products takes seconds of Python; the database is as quick with plain row updates.
    """
    if not products:
        return
    fields = [Product._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(Product._meta.db_table)} SET {assignments} WHERE {quote(Product._meta.pk.column)} = %s"
    rows = [
        [f.get_db_prep_save(getattr(product, f.attname), connection) for f in fields] + [product.pk] for product in products
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def clean_rich_text(text):
    """Keep only the formatting the rich text editor allows (no scripts from a supplier's file)."""
    from wagtail.admin.rich_text.converters.editor_html import EditorHTMLConverter

    return EditorHTMLConverter().to_database_format(text)


def assign_slugs(products):
    """A unique URL slug for each new product: its name, or its name and SKU when that is taken."""
    new = [p for p in products if not p.slug]
    if not new:
        return
    by_name = {id(p): slugify(p.name)[:150] or "produk" for p in new}
    with_sku = {id(p): f"{by_name[id(p)]}-{slugify(p.sku) or 'sku'}"[:200] for p in new}
    candidates = set(by_name.values()) | set(with_sku.values())
    taken = set(Product.objects.filter(slug__in=candidates).values_list("slug", flat=True))
    for product in new:
        slug, n = by_name[id(product)], 2
        if slug in taken:
            slug = with_sku[id(product)]
        while slug in taken:
            slug, n = f"{with_sku[id(product)]}-{n}", n + 1
        taken.add(slug)
        product.slug = slug
