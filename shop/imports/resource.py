"""The product spreadsheet: one row per product, keyed by SKU (a django-import-export Resource).

The same columns are written by the export and read by the import, so an exported file imports
back with no change. Stock in a file is a level, not a field: the resource never sets
`Product.stock`; it hands the levels to `shop.services.stock.import_stock_levels`, which writes
the difference to the ledger. Pictures in a file are names of files in the .zip uploaded with it:
the resource checks them with the rows and, once the products are saved, gives each product those
it has not got yet (`shop.imports.pictures`). The columns are listed in `shop.imports.columns`, and
each cell is read and written by a widget from `shop.imports.widgets`.
"""

import tablib
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources
from import_export.instance_loaders import BaseInstanceLoader

from shop.catalog.models import MAX_PRICE, Product
from shop.imports.columns import HEADERS, KEYS, ROW_NUMBER
from shop.imports.export import export_rows
from shop.imports.pictures import attach_pictures, galleries, give_variants_their_pictures
from shop.imports.variants import VariantRows, parent_of
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
from shop.imports.writes import (
    SeenSkus,
    assign_slugs,
    clean_rich_text,
    create_default_variants,
    default_variant_ids,
    fill_missing_ids,
    update_default_variants,
    update_products,
)
from shop.inventory.services import import_stock_levels

MAX_INT = 2_147_483_647


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
    # Rows of products with options (shop.imports.variants); export_rows writes them.
    parent_sku = fields.Field(attribute=None, column_name="parent_sku", widget=SkuWidget(), readonly=True)
    option1_name = fields.Field(attribute=None, column_name="option1_name", widget=TextWidget(30), readonly=True)
    option1 = fields.Field(attribute=None, column_name="option1", widget=TextWidget(50), readonly=True)
    option2_name = fields.Field(attribute=None, column_name="option2_name", widget=TextWidget(30), readonly=True)
    option2 = fields.Field(attribute=None, column_name="option2", widget=TextWidget(50), readonly=True)
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
        self.variant_rows = VariantRows(self)
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

    def export(self, queryset=None, **kwargs):
        queryset = self.get_queryset() if queryset is None else queryset
        dataset = tablib.Dataset(headers=self.get_export_headers())
        for row in self.export_rows(self.filter_export(queryset)):
            dataset.append(row)
        return dataset

    def export_rows(self, queryset):
        return export_rows(self, queryset)

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
        self.variant_rows.load(dataset)
        # The pictures the chunk's products have, so a picture they have is not added again.
        self.galleries = {}
        if self.pictures is not None and "image" in dataset.headers:
            sku_widget = self.fields["sku"].widget
            skus = {sku_widget.clean(value) for value in dataset["sku"]}
            if "parent_sku" in dataset.headers:
                skus |= {sku_widget.clean(value) for value in dataset["parent_sku"]}
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

    def import_row(self, row, instance_loader, **kwargs):
        if "parent_sku" in row and parent_of(row):
            return self.variant_rows.import_row(row, kwargs.get("row_number"))
        return super().import_row(row, instance_loader, **kwargs)

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
            self._check_without_options(instance, sku, errors)
        for key in ("option1_name", "option1", "option2_name", "option2"):
            if row.get(key) not in (None, ""):
                errors.setdefault(key, []).append(
                    ValidationError(_("Diisi tanpa SKU induk: isi SKU induk untuk produk bervarian, atau kosongkan."))
                )
        level = self._read_only_value("stock", row, errors)
        pictures = self._read_only_value("image", row, errors) or []
        if errors:
            raise ValidationError(errors)
        instance._import_stock_level = level
        instance._import_pictures = pictures

    def _check_without_options(self, instance, sku, errors):
        """A row without SKU induk is a product without options: not one that has options, nor a
        SKU that is another product's variant or a parent SKU of this file."""
        message = None
        if instance.pk and (instance.option1_name or instance.option2_name):
            message = _(
                "Produk %(sku)s punya varian (%(names)s): tulis satu baris per varian dengan SKU induk %(sku)s "
                "dan pilihannya."
            ) % {"sku": sku, "names": " / ".join(n for n in (instance.option1_name, instance.option2_name) if n)}
        elif (owner := self.variant_rows.owners.get(sku)) is not None and owner[1] != sku:
            message = _("SKU %(sku)s sudah dipakai oleh varian produk lain (SKU %(product)s).") % {
                "sku": sku,
                "product": owner[1],
            }
        elif (parent_row := self.seen_skus.parent_row(sku)) is not None:
            message = _("SKU %(sku)s dipakai sebagai SKU induk di baris %(row)s berkas ini.") % {
                "sku": sku,
                "row": parent_row,
            }
        if message:
            errors.setdefault("sku", []).append(ValidationError(message))

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
        created, failures = list(self.create_instances), len(result.base_errors) if result is not None else 0
        super().bulk_create(using_transactions, dry_run, raise_errors, batch_size=batch_size, result=result)
        if created and (result is None or len(result.base_errors) == failures):
            try:
                create_default_variants(created)
            except Exception as error:
                self.handle_import_error(result, error, raise_errors)

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if dry_run or self.refused or (result is not None and (result.has_errors() or result.has_validation_errors())):
            self.refused = self.refused or not dry_run
            self.update_instances.clear()
            return
        try:
            update_products(self.update_instances, self.get_bulk_update_fields())
            update_default_variants(self.update_instances)
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
        fill_missing_ids([instance for instance, _level in self.stock_levels + self.picture_rows])
        variant_levels, variant_pictures = self.variant_rows.write(self.now)
        self.picture_rows += variant_pictures
        # Products without options have exactly one variant, which holds their stock.
        variants = default_variant_ids([instance.pk for instance, _level in self.stock_levels])
        levels = {variants[instance.pk]: level for instance, level in self.stock_levels}
        levels.update((variant.pk, level) for variant, level in variant_levels)
        self.stock_movements += import_stock_levels(levels, actor=self.actor, note=self.note)
        if self.picture_rows:
            next_orders = {pk: order for pk, (_hashes, order) in self.galleries.items()}
            self.pictures_added += attach_pictures(
                self.picture_rows, self.pictures, actor=self.actor, next_orders=next_orders
            )
        give_variants_their_pictures(self.variant_rows.variant_pictures)

    def row_note(self, index):
        """(changed columns, stock delta, pictures added) of the index-th row (from 1) of the last chunk."""
        return self.row_notes.get(index, ([], 0, 0))
