"""The product spreadsheet as the export writes it (the product listing's "Ekspor format impor")."""

from shop.catalog.models import ProductVariant
from shop.imports.columns import KEYS


def export_rows(resource, queryset):
    """One row per product without options, one per variant of a product with options (in
    the product's order of variants, all carrying its SKU in SKU induk): what the import reads
    back with no change."""
    variants = (
        ProductVariant.objects.filter(product__in=queryset.values("pk"))
        .select_related("product", "product__category")
        .order_by("product__sku", "sort_order", "pk")
    )
    at = {key: KEYS.index(key) for key in KEYS}
    widgets = {key: resource.fields[key].widget for key in KEYS}
    for variant in variants.iterator(chunk_size=2000):
        product = variant.product
        row = resource.export_resource(product)
        if product.has_options:
            for key, value in (
                ("sku", variant.sku),
                ("price", variant.price),
                ("weight_grams", variant.weight_grams),
                ("stock", variant.stock),
                ("is_active", variant.is_active),
                ("parent_sku", product.sku),
                ("option1_name", product.option1_name),
                ("option1", variant.option1),
                ("option2_name", product.option2_name),
                ("option2", variant.option2),
            ):
                row[at[key]] = widgets[key].render(value)
        yield row
