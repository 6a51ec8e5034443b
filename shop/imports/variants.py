"""Rows of products with options: one row per variant, grouped by the "SKU induk" column.

Rows sharing a parent SKU are one product whose own SKU is the parent SKU. The product's name,
category, compare-at price, description and option type names come from the group's first row in
the file; each row's SKU, option values, price, weight, stock and active flag are its variant's.
The product's price is then its lowest variant price (of its active variants, when it has any),
and it is active while any variant is; both are worked out again only when a variant is added or
its price or active flag changes, so a product hidden in the admin stays hidden when an unchanged
export is imported back. Variants the file does not name are left as they are: an import never
deletes.

An existing product without options may be given options by a file: its default variant (which
carries the product's stock history and its orders) becomes the variant of the group's row whose
SKU is the parent SKU, or else of the group's first new row, so no history is orphaned.

Rows are checked as they are read (`import_row`) and the chunk's products and variants written
in bulk once it has been read without errors (`write`); the stock levels and pictures are handed
back to the resource, which writes them with those of the products without options.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export.results import RowResult

from shop.catalog.models import Product, ProductVariant
from shop.catalog.variants import release_variant_values, variant_words
from shop.imports.columns import ROW_NUMBER
from shop.imports.widgets import Paragraphs, SkuWidget, TextWidget
from shop.imports.writes import assign_slugs, clean_rich_text, fill_missing_ids, update_products, update_rows

PRODUCT_FIELDS = {
    "name": "name",
    "category": "category_id",
    "compare_at_price": "compare_at_price",
    "description": "description",
    "option1_name": "option1_name",
    "option2_name": "option2_name",
}
VARIANT_FIELDS = {
    "sku": "sku",
    "option1": "option1",
    "option2": "option2",
    "price": "price",
    "weight_grams": "weight_grams",
    "is_active": "is_active",
}
CELLS = ("sku", "name", "category", "price", "compare_at_price", "weight_grams", "is_active", "description")
NAME_WIDGET, VALUE_WIDGET, SKU_WIDGET = TextWidget(30), TextWidget(50), SkuWidget()


def parent_of(row):
    """The row's parent SKU ('' for a product without options)."""
    return SKU_WIDGET.clean(row.get("parent_sku"))


class VariantRows:
    def __init__(self, resource):
        self.resource = resource
        self.seen = resource.seen_skus
        # Default variants given options by an earlier row (another chunk may still name them).
        self.claimed = set()
        self.load(None)

    # -- a chunk ----------------------------------------------------------------------------

    def load(self, dataset):
        """What the chunk's rows are checked against: its existing products and variants."""
        self.products, self.loaded, self.variants, self.owners, self.product_skus = {}, {}, {}, {}, {}
        self.group_skus = {}
        self.new_products, self.changed_products, self.dirty = {}, {}, {}
        self.new_variants, self.changed_variants, self.levels, self.pictures = [], {}, [], {}
        self.variant_pictures = []  # [(variant, SHA-1 of the first picture of its row)]
        self.moved = set()  # pks of variants whose SKU or options change: see release_variant_values
        if dataset is None or not dataset.height:
            return
        skus = {SKU_WIDGET.clean(value) for value in dataset["sku"]} - {""}
        parents = (
            {SKU_WIDGET.clean(v) for v in dataset["parent_sku"]} - {""} if "parent_sku" in dataset.headers else set()
        )
        # Every chunk: a new product's SKU must not be another product's variant's SKU either.
        self.owners = {
            sku: (product_id, product_sku)
            for sku, product_id, product_sku in ProductVariant.objects.filter(sku__in=skus | parents).values_list(
                "sku", "product_id", "product__sku"
            )
        }
        if not parents:
            return
        self.products = {p.sku: p for p in Product.objects.filter(sku__in=parents)}
        for variant in ProductVariant.objects.filter(product__in=list(self.products.values())).order_by(
            "sort_order", "pk"
        ):
            self.loaded.setdefault(variant.product_id, []).append(variant)
        for parent, sku in zip(dataset["parent_sku"], dataset["sku"], strict=True):
            self.group_skus.setdefault(SKU_WIDGET.clean(parent), set()).add(SKU_WIDGET.clean(sku))
        self.product_skus = dict(Product.objects.filter(sku__in=skus - parents).values_list("sku", "pk"))

    def import_row(self, row, index):
        result = RowResult()
        try:
            result.import_type = self._row(row, index)
        except ValidationError as error:
            result.import_type = RowResult.IMPORT_TYPE_INVALID
            result.validation_error = error
        return result

    def _row(self, row, index):
        resource, errors, values = self.resource, {}, {}
        number = row.get(ROW_NUMBER, index)
        for key in CELLS:
            if key in row:
                try:
                    values[key] = resource.fields[key].widget.clean(row[key], row=row)
                except ValueError as error:
                    errors[key] = [ValidationError(str(error))]
        names = tuple(self._text(NAME_WIDGET, row, key, errors) for key in ("option1_name", "option2_name"))
        options = tuple(self._text(VALUE_WIDGET, row, key, errors) for key in ("option1", "option2"))
        level = resource._read_only_value("stock", row, errors)
        pictures = resource._read_only_value("image", row, errors) or []
        parent, sku = parent_of(row), values.get("sku", "")
        self._check_options(names, options, errors)
        group = self._check_skus(parent, sku, names, options, number, errors)
        if errors:
            raise ValidationError(errors)

        product = self.products.get(parent)
        new_product = product is None
        if new_product:
            product = self.products[parent] = self.new_products[parent] = Product(sku=parent, stock=0)
        changes = []
        if group is None or new_product:
            changes = self._apply_product(product, values, names, new_product)
        variant, new_variant = self._variant(product, sku, options)
        changes += self._apply_variant(product, variant, values, sku, options, new_variant)
        stock_delta = 0 if level is None else level - (0 if new_variant else variant.stock)
        if stock_delta:
            self.levels.append((variant, level))
        known = self.resource.galleries.get(product.pk, (set(), 0))[0] if product.pk else set()
        wanted = self.pictures.setdefault(id(product), (product, {}))[1]
        new_pictures = [p for p in pictures if p.sha1 not in known and p.sha1 not in wanted]
        wanted.update((p.sha1, p) for p in new_pictures)
        if pictures and product.has_options:
            self.variant_pictures.append((variant, pictures[0].sha1))
        resource.row_notes[index] = (changes if not new_variant else [], stock_delta, len(new_pictures))
        if new_variant:
            return RowResult.IMPORT_TYPE_NEW
        return RowResult.IMPORT_TYPE_UPDATE if changes or stock_delta or new_pictures else RowResult.IMPORT_TYPE_SKIP

    @staticmethod
    def _text(widget, row, key, errors):
        try:
            return widget.clean(row.get(key))
        except ValueError as error:
            errors.setdefault(key, []).append(ValidationError(str(error)))
            return ""

    @staticmethod
    def _check_options(names, options, errors):
        if not names[0]:
            errors.setdefault("option1_name", []).append(
                ValidationError(_("Wajib diisi untuk produk bervarian (baris dengan SKU induk)."))
            )
        elif not options[0]:
            errors.setdefault("option1", []).append(
                ValidationError(_("Wajib diisi: pilihan %(name)s varian ini.") % {"name": names[0]})
            )
        if names[1] and not options[1]:
            errors.setdefault("option2", []).append(
                ValidationError(_("Wajib diisi: pilihan %(name)s varian ini.") % {"name": names[1]})
            )
        elif options[1] and not names[1]:
            errors.setdefault("option2_name", []).append(ValidationError(_("Wajib diisi bila Pilihan 2 diisi.")))
        if names[1] and names[0].casefold() == names[1].casefold():
            errors.setdefault("option2_name", []).append(ValidationError(_("Sama dengan jenis pilihan 1.")))

    def _check_skus(self, parent, sku, names, options, number, errors):
        """The SKU and parent SKU checks; returns (first row, option type names) of the group's
        earlier row, None when this row is the group's first."""

        def refuse(column, message):
            errors.setdefault(column, []).append(ValidationError(message))

        group = None
        if len(parent) > 64:
            refuse("parent_sku", _("Terlalu panjang: %(length)s karakter, paling banyak 64.") % {"length": len(parent)})
            parent = ""
        if parent:
            group = self.seen.parent(parent, number, names)
            if group is not None and group[1] != names:
                refuse(
                    "option1_name",
                    _(
                        "Jenis pilihan berbeda dengan baris %(row)s (%(names)s); "
                        "semua baris satu SKU induk harus memakai jenis pilihan yang sama."
                    )
                    % {"row": group[0], "names": " / ".join(name for name in group[1] if name)},
                )
            earlier = self.seen.sku_row(parent)
            if earlier is not None and earlier[1] != parent:
                refuse(
                    "parent_sku",
                    _("SKU induk %(sku)s sudah dipakai sebagai SKU baris %(row)s berkas ini.")
                    % {"sku": parent, "row": earlier[0]},
                )
            owner = self.owners.get(parent)
            if owner is not None and owner[1] != parent:
                refuse(
                    "parent_sku",
                    _("SKU induk %(sku)s sudah dipakai oleh varian produk lain (SKU %(product)s).")
                    % {"sku": parent, "product": owner[1]},
                )
            if options[0] and not errors:
                earlier_row = self.seen.combination(parent, options, number)
                if earlier_row is not None:
                    refuse(
                        "option1",
                        _("Kombinasi pilihan %(options)s sudah ada di baris %(row)s untuk SKU induk ini.")
                        % {"options": " / ".join(o for o in options if o), "row": earlier_row},
                    )
        if not sku:
            refuse("sku", _("Wajib diisi."))
        elif len(sku) > 64:
            refuse("sku", _("Terlalu panjang: %(length)s karakter, paling banyak 64.") % {"length": len(sku)})
        else:
            earlier_row = self.seen.first_row(sku, number, parent)
            if earlier_row is not None:
                refuse(
                    "sku", _("SKU %(sku)s sudah ada di baris %(row)s berkas ini.") % {"sku": sku, "row": earlier_row}
                )
            parent_row = self.seen.parent_row(sku) if sku != parent else None
            if parent_row is not None:
                refuse(
                    "sku",
                    _("SKU %(sku)s dipakai sebagai SKU induk di baris %(row)s berkas ini.")
                    % {"sku": sku, "row": parent_row},
                )
            owner = self.owners.get(sku)
            if parent and owner is not None and owner[1] != parent:
                refuse(
                    "sku",
                    _("SKU %(sku)s sudah dipakai oleh produk lain (SKU %(product)s).")
                    % {"sku": sku, "product": owner[1]},
                )
            elif parent and sku != parent and sku in self.product_skus:
                refuse("sku", _("SKU %(sku)s adalah SKU produk lain.") % {"sku": sku})
        return group

    def _apply_product(self, product, values, names, new):
        """The group's first row onto its product; returns the columns that change."""
        before = None if new else tuple(getattr(product, a) for a in PRODUCT_FIELDS.values())
        product.name = values["name"]
        for key in ("category", "compare_at_price", "description"):
            if key in values:
                setattr(product, key, values[key])
        product.option1_name, product.option2_name = names
        if new:
            product.price, product.weight_grams = values["price"], values.get("weight_grams", 0)
            product.is_active = True
            return list(PRODUCT_FIELDS)
        after = tuple(getattr(product, a) for a in PRODUCT_FIELDS.values())
        changed = [key for key, old, new_value in zip(PRODUCT_FIELDS, before, after, strict=True) if old != new_value]
        if changed:
            self.changed_products[id(product)] = product
            product._import_description_changed = "description" in changed
        return changed

    def _variant(self, product, sku, options):
        """The product's variant this row is (by SKU, else by options, else the default variant
        of a product being given options), or a new one; and whether it is new."""
        existing = self.variants.setdefault(id(product), list(self.loaded.get(product.pk, ())))
        found = next((v for v in existing if v.sku == sku), None)
        found = found or next((v for v in existing if v.pk and (v.option1, v.option2) == options), None)
        if found is None:
            default = next((v for v in existing if v.pk and not v.label and v.pk not in self.claimed), None)
            # Not when a row of the group further on is that variant by its SKU.
            if default is not None and default.sku not in self.group_skus.get(product.sku, ()):
                found = default
        if found is not None:
            self.claimed.add(found.pk)
            return found, False
        order = max((v.sort_order or 0 for v in existing), default=-1) + 1
        variant = ProductVariant(stock=0, sort_order=order)
        variant._import_product = product
        existing.append(variant)
        return variant, True

    def _apply_variant(self, product, variant, values, sku, options, new):
        before = None if new else tuple(getattr(variant, a) for a in VARIANT_FIELDS.values())
        variant.sku, (variant.option1, variant.option2) = sku, options
        variant.price = values["price"]
        if "weight_grams" in values:
            variant.weight_grams = values["weight_grams"]
        if "is_active" in values:
            variant.is_active = values["is_active"]
        if new:
            self.new_variants.append(variant)
            if product.pk:
                self.dirty[id(product)] = product
            return []
        after = tuple(getattr(variant, a) for a in VARIANT_FIELDS.values())
        changed = [key for key, old, new_value in zip(VARIANT_FIELDS, before, after, strict=True) if old != new_value]
        if changed:
            self.changed_variants[variant.pk] = variant
            self.changed_products.setdefault(id(product), product)
            if {"price", "is_active", "sku", "option1", "option2"} & set(changed):
                self.dirty[id(product)] = product
            if {"sku", "option1", "option2"} & set(changed):
                self.moved.add(variant.pk)
        return changed

    # -- writing ----------------------------------------------------------------------------

    def write(self, now):
        """The chunk's products and variants; returns ([(variant, stock level)], [(product, [Picture])])."""
        created = list(self.new_products.values())
        if created:
            of_product = {}
            for variant in self.new_variants:
                of_product.setdefault(id(variant._import_product), []).append(variant)
            assign_slugs(created)
            for product in created:
                product.description = _html(product.description, changed=True)
                summarise(
                    product, [(v.price, v.is_active, v.option1, v.option2, v.sku) for v in of_product[id(product)]]
                )
            Product.objects.bulk_create(created)
            fill_missing_ids(created)
        for variant in self.new_variants:
            variant.product_id = variant._import_product.pk
        moved = [variant for pk, variant in self.changed_variants.items() if pk in self.moved]
        release_variant_values(moved)
        update_rows(ProductVariant, list(self.changed_variants.values()), list(VARIANT_FIELDS.values()))
        if self.new_variants:
            ProductVariant.objects.bulk_create(self.new_variants)
            fill_missing_ids(self.new_variants, ProductVariant)
        self._update_products(now)
        pictures = [(product, list(wanted.values())) for product, wanted in self.pictures.values() if wanted]
        return self.levels, pictures

    def _update_products(self, now):
        """The existing products the chunk changed, with the price and active flag of those whose
        variants were added or changed price or active flag worked out again."""
        dirty = {product.pk: product for product in self.dirty.values()}
        variants = {}
        rows = (
            ProductVariant.objects.filter(product_id__in=list(dirty))
            .order_by("sort_order", "pk")
            .values_list("product_id", "price", "is_active", "option1", "option2", "sku")
        )
        for product_id, *variant in rows if dirty else ():
            variants.setdefault(product_id, []).append(variant)
        for product_id, product in dirty.items():
            summarise(product, variants[product_id])
        updated = {
            id(p): p for p in [*self.changed_products.values(), *dirty.values()] if p.sku not in self.new_products
        }
        for product in updated.values():
            product.updated_at = now
            product.description = _html(
                product.description, changed=getattr(product, "_import_description_changed", False)
            )
        fields = ["name", "category", "price", "compare_at_price", "is_active", "description"]
        update_products(
            list(updated.values()), [*fields, "option1_name", "option2_name", "variant_words", "updated_at"]
        )


def summarise(product, variants):
    """A product with options costs its lowest variant price (of its active variants, when it has
    any), is active while any variant is, and is found by its variants' words. `variants` are
    (price, is_active, option1, option2, sku) in the product's order."""
    active = [price for price, is_active, *_rest in variants if is_active]
    product.price = min(active or [price for price, *_rest in variants])
    product.is_active = bool(active)
    product.variant_words = (
        variant_words(
            product.option_names,
            ((option1, option2, sku, is_active) for _price, is_active, option1, option2, sku in variants),
        )
        if product.has_options
        else ""
    )


def _html(description, *, changed):
    if isinstance(description, Paragraphs):
        return str(description)
    if changed and "<" in description:
        return clean_rich_text(description)
    return description
