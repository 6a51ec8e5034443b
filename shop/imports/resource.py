"""The product spreadsheet: one row per product, keyed by SKU (a django-import-export Resource).

The same columns are written by the export and read by the import, so an exported file imports
back with no change. Stock in a file is a level, not a field: the resource never sets
`Product.stock`; it hands the levels to `shop.services.stock.import_stock_levels`, which writes
the difference to the ledger. Pictures in a file are names of files in the .zip uploaded with it:
the resource checks them with the rows and, once the products are saved, gives each product those
it has not got yet (`shop.imports.pictures`). The columns are listed in `shop.imports.columns`, and
each cell is read and written by a widget from `shop.imports.widgets`.
"""

import sqlite3

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from import_export import fields, resources
from import_export.instance_loaders import BaseInstanceLoader
from wagtail.admin.rich_text.converters.editor_html import EditorHTMLConverter

from shop.catalog.models import MAX_PRICE, Product
from shop.imports.columns import HEADERS, KEYS, ROW_NUMBER
from shop.imports.pictures import attach_pictures, galleries
from shop.imports.widgets import (
    CategoryWidget,
    DescriptionWidget,
    Paragraphs,
    PicturesWidget,
    SkuWidget,
    TextWidget,
    WholeNumberWidget,
    YesNoWidget,
)
from shop.inventory.services import import_stock_levels

MAX_INT = 2_147_483_647


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
        attribute="price", column_name="price", widget=WholeNumberWidget(MAX_PRICE, required=True, what="rupiah")
    )
    compare_at_price = fields.Field(
        attribute="compare_at_price",
        column_name="compare_at_price",
        widget=WholeNumberWidget(MAX_PRICE, what="rupiah"),
    )
    weight_grams = fields.Field(
        attribute="weight_grams", column_name="weight_grams", widget=WholeNumberWidget(MAX_INT, blank=0)
    )
    # Read-only for import-export: the level goes to the ledger, never onto the instance.
    stock = fields.Field(attribute="stock", column_name="stock", widget=WholeNumberWidget(MAX_INT), readonly=True)
    is_active = fields.Field(attribute="is_active", column_name="is_active", widget=YesNoWidget())
    description = fields.Field(attribute="description", column_name="description", widget=DescriptionWidget())
    # Read-only too: pictures are added once the products are saved (after_import).
    image = fields.Field(attribute=None, column_name="image", widget=PicturesWidget(), readonly=True)

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
        fields = KEYS
        export_order = KEYS
        import_id_fields = ["sku"]
        instance_loader_class = ProductsBySku
        use_bulk = True
        batch_size = 1000
        # Diffs deep-copy every instance; the resource compares the few columns itself.
        skip_diff = True
        report_skipped = True
        use_transactions = True
        chunk_size = 2000

    def __init__(self, *, actor=None, create_categories=False, note="", pictures=None):
        super().__init__()
        self.actor, self.note, self.pictures = actor, note, pictures
        self.fields["category"].widget.create_missing = create_categories
        self.fields["image"].widget.archive = pictures
        self.seen_skus = SeenSkus()
        self.now = timezone.now()
        self.refused = False  # once a row is refused, nothing more is written
        self.row_notes = {}
        self.stock_levels = []
        self.stock_movements = 0
        self.galleries = {}
        self.picture_rows = []
        self.pictures_added = 0
        self._import_fields = None

    def close(self):
        self.seen_skus.close()

    # -- export --------------------------------------------------------------------------

    def get_queryset(self):
        return Product.objects.all()

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("category").order_by("sku")

    def get_export_headers(self, selected_fields=None):
        return [HEADERS[field.column_name] for field in self.get_export_fields(selected_fields)]

    # -- import, row by row --------------------------------------------------------------

    def import_data(self, dataset, dry_run=False, **kwargs):
        """One call per chunk of a file; the resource remembers SKUs across calls."""
        self.fields["category"].widget.dry_run = dry_run or self.refused
        self.row_notes = {}
        self.stock_levels = []
        self.picture_rows = []
        kwargs.setdefault("rollback_on_validation_errors", True)
        return super().import_data(dataset, dry_run=dry_run, **kwargs)

    def before_import(self, dataset, **kwargs):
        # The pictures the chunk's products have, so a picture they have is not added again.
        self.galleries = {}
        if self.pictures is not None and "image" in dataset.headers:
            sku_widget = self.fields["sku"].widget
            skus = {sku_widget.clean(value) for value in dataset["sku"]}
            self.galleries = galleries(Product.objects.filter(sku__in=skus - {""}).values("pk"))

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
                    ValidationError(
                        _("SKU %(sku)s sudah ada di baris %(row)s berkas ini.") % {"sku": sku, "row": earlier}
                    )
                )
        level = self._read_only_value("stock", row, errors)
        pictures = self._read_only_value("image", row, errors) or []
        if errors:
            raise ValidationError(errors)
        instance._import_stock_level = level
        instance._import_pictures = pictures

    def _read_only_value(self, column, row, errors):
        """A read-only column's cell through its widget (None without the column); errors go to `errors`."""
        if column not in row:
            return None
        try:
            return self.fields[column].widget.clean(row[column])
        except ValueError as error:
            errors.setdefault(column, []).append(ValidationError(str(error)))
            return None

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors:
            return False
        changed = self._changed_columns(instance)
        level = getattr(instance, "_import_stock_level", None)
        stock_delta = 0 if level is None else level - instance.stock
        known = self.galleries.get(instance.pk, (set(), 0))[0] if instance.pk else set()
        new_pictures = [p for p in getattr(instance, "_import_pictures", []) if p.sha1 not in known]
        self.row_notes[instance._import_row] = (changed, stock_delta, len(new_pictures))
        if stock_delta:
            self.stock_levels.append((instance, level))
        if new_pictures:
            self.picture_rows.append((instance, new_pictures))
        return not changed and not stock_delta and not new_pictures and instance.pk is not None

    def _changed_columns(self, instance):
        before = getattr(instance, "_import_before", None)
        if before is None:
            return list(self.COMPARED)
        after = tuple(getattr(instance, a) for a in self.COMPARED.values())
        return [column for column, old, new in zip(self.COMPARED, before, after, strict=True) if old != new]

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
        return [
            "name",
            "category",
            "price",
            "compare_at_price",
            "weight_grams",
            "is_active",
            "description",
            "updated_at",
        ]

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
        written = [instance for instance, _level in self.stock_levels + self.picture_rows]
        unsaved = [instance.sku for instance in written if instance.pk is None]
        if unsaved:  # databases that do not return ids from bulk_create (MySQL)
            ids = dict(Product.objects.filter(sku__in=unsaved).values_list("sku", "pk"))
            for instance in written:
                instance.pk = instance.pk or ids[instance.sku]
        levels = {instance.pk: level for instance, level in self.stock_levels}
        self.stock_movements += import_stock_levels(levels, actor=self.actor, note=self.note)
        if self.picture_rows:
            next_orders = {pk: order for pk, (_hashes, order) in self.galleries.items()}
            self.pictures_added += attach_pictures(
                self.picture_rows, self.pictures, actor=self.actor, next_orders=next_orders
            )

    def row_note(self, index):
        """(changed columns, stock delta, pictures added) of the index-th row (from 1) of the last chunk."""
        return self.row_notes.get(index, ([], 0, 0))


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
        [f.get_db_prep_save(getattr(product, f.attname), connection) for f in fields] + [product.pk]
        for product in products
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def clean_rich_text(text):
    """Keep only the formatting the rich text editor allows (no scripts from a supplier's file)."""
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
