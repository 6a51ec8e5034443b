"""Catalog screens in the Wagtail admin: products and categories, as snippet viewsets."""

from django import forms
from django.conf import settings
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, ObjectList, TabbedInterface
from wagtail.admin.ui.tables import BooleanColumn, BulkActionsCheckboxColumn, Column, TitleColumn
from wagtail.snippets.views.snippets import CreateView, EditView, IndexView, SnippetViewSet, SnippetViewSetGroup

from shop.catalog.filters import ProductFilterSet
from shop.catalog.models import Category, Product, ProductVariant
from shop.catalog.variant_admin import (
    VariantInlinePanel,
    check_variants,
    fill_from_product,
    opening_stock_for_new_variants,
    release_taken_values,
    validation_error_for_option_names,
    variant_panels,
)
from shop.imports.admin import ImportButtonsMixin
from shop.inventory.services import set_opening_stock
from shop.staff.viewsets import RupiahColumn, SafeSpreadsheetExportMixin


class ProductForm(WagtailAdminModelForm):
    opening_stock = forms.IntegerField(
        label=_("Stok awal"),
        min_value=0,
        initial=0,
        required=False,
        help_text=_("Untuk produk tanpa varian. Perubahan stok berikutnya tercatat di riwayat stok."),
    )

    class Media:
        js = ["js/admin-product-variants.js"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            # Stock after creation changes only through the ledger, never in this form.
            del self.fields["opening_stock"]
        variants = self.formsets.get("variants")
        if variants is not None:
            variants.form_kwargs["option_names"] = (self.submitted("option1_name"), self.submitted("option2_name"))

    def submitted(self, name):
        """An option type as submitted (or stored), read before and whatever the validation."""
        if self.is_bound:
            return (self.data.get(self.add_prefix(name)) or "").strip()
        return getattr(self.instance, name)

    @property
    def names_options(self):
        return bool(self.submitted("option1_name") or self.submitted("option2_name"))

    def clean_sku(self):
        sku = self.cleaned_data["sku"]
        # A product without options sells as a variant carrying its SKU, and variant SKUs are unique.
        clash = ProductVariant.objects.filter(sku__iexact=sku)
        if self.instance.pk:
            clash = clash.exclude(product=self.instance)
        if clash.exists():
            raise forms.ValidationError(_("SKU ini sudah dipakai varian produk lain."))
        return sku

    def clean(self):
        cleaned = super().clean()
        refused = validation_error_for_option_names(
            self.instance, cleaned.get("option1_name", ""), cleaned.get("option2_name", "")
        )
        if refused:
            self.add_error(*refused)
        if self.names_options and cleaned.get("opening_stock"):
            self.add_error("opening_stock", _("Produk dengan varian: isi stok awal di tiap varian."))
        return cleaned

    def without_variants(self):
        """The formsets that count: the variants only when the product names an option type."""
        return {} if self.names_options else {"variants": self.formsets.pop("variants", None)}

    def is_valid(self):
        skipped = self.without_variants()
        try:
            valid = super().is_valid()
        finally:
            self.formsets.update({name: formset for name, formset in skipped.items() if formset is not None})
        if valid and self.names_options:
            data = self.cleaned_data
            variants = self.formsets["variants"]
            valid = check_variants(variants, (data["option1_name"], data["option2_name"]), data["sku"])
            if valid:
                fill_from_product(variants, data["price"], data["weight_grams"])
        return valid

    def save(self, commit=True):
        skipped = self.without_variants()
        try:
            if commit and self.names_options:
                release_taken_values(self.formsets["variants"])
            return super().save(commit)
        finally:
            self.formsets.update({name: formset for name, formset in skipped.items() if formset is not None})

    def record_opening_stock(self, product, actor):
        """After the save: the opening stock of the product, or of each variant added, through the ledger."""
        if product.has_options:
            opening_stock_for_new_variants(self.formsets["variants"], product, actor)
        elif "opening_stock" in self.fields:
            set_opening_stock(product, self.cleaned_data.get("opening_stock") or 0, actor=actor)
        product.refresh_from_db(fields=["stock"])


class ProductCreateView(CreateView):
    def save_instance(self):
        product = super().save_instance()
        self.form.record_opening_stock(product, self.request.user)
        return product


class ProductEditView(EditView):
    def save_instance(self):
        product = super().save_instance()
        self.form.record_opening_stock(product, self.request.user)
        return product


class ThumbnailColumn(Column):
    cell_template_name = "shop/admin/thumbnail_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["image"] = instance.main_image
        return context


class StockColumn(Column):
    cell_template_name = "shop/admin/stock_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        # The variants are prefetched with the page (ProductViewSet.get_queryset).
        variants = list(instance.variants.all())
        active = [variant for variant in variants if variant.is_active]
        context.update(
            product=instance,
            variant_count=len(variants) if instance.has_options else 0,
            low=any(0 < variant.stock <= settings.LOW_STOCK_THRESHOLD for variant in active),
            short=[variant for variant in active if variant.stock <= settings.LOW_STOCK_THRESHOLD]
            if instance.has_options
            else [],
        )
        return context


class ProductIndexView(SafeSpreadsheetExportMixin, ImportButtonsMixin, IndexView):
    @cached_property
    def may_delete(self):
        return self.permission_policy.user_has_permission(self.request.user, "delete")

    @cached_property
    def columns(self):
        # An explicit TitleColumn carries no row buttons (Edit, Delete, stock actions from hooks):
        # rebuild it the way Wagtail builds its own title column.
        return [
            self._get_title_column("name") if isinstance(column, TitleColumn) else column
            for column in super().columns
            if self.may_delete or not isinstance(column, BulkActionsCheckboxColumn)
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"may_delete": self.may_delete}


class ProductViewSet(SnippetViewSet):
    model = Product
    icon = "tag"
    menu_label = _("Produk")
    menu_order = 100
    index_view_class = ProductIndexView
    # Without checkboxes there is nothing to bulk-delete: the bulk footer only for those who may delete.
    index_template_name = "shop/admin/product_index.html"
    add_view_class = ProductCreateView
    edit_view_class = ProductEditView
    filterset_class = ProductFilterSet
    search_fields = ["name", "sku", "description"]
    # Staff look up partial SKUs ("KOPI-"), which plain icontains matching does best on every database.
    search_backend_name = None
    list_per_page = 50
    ordering = ["-created_at", "-pk"]
    list_display = [
        ThumbnailColumn("thumbnail", label=""),
        Column("sku", label=_("SKU"), sort_key="sku"),
        TitleColumn("name", label=_("Nama"), sort_key="name", url_name="wagtailsnippets_shop_product:edit"),
        Column("category", label=_("Kategori")),
        RupiahColumn("price", label=_("Harga"), sort_key="price"),
        StockColumn("stock", label=_("Stok"), sort_key="stock"),
        BooleanColumn("is_active", label=_("Aktif"), sort_key="is_active"),
    ]
    list_export = ["sku", "name", "category", "price", "compare_at_price", "weight_grams", "stock", "is_active"]
    export_headings = {
        "sku": "SKU",
        "name": "Nama",
        "category": "Kategori",
        "price": "Harga",
        "compare_at_price": "Harga coret",
        "weight_grams": "Berat (gram)",
        "stock": "Stok",
        "is_active": "Aktif",
    }
    export_filename = "produk"

    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    FieldRowPanel([FieldPanel("name"), FieldPanel("sku")]),
                    FieldRowPanel([FieldPanel("slug"), FieldPanel("category")]),
                    FieldRowPanel([FieldPanel("price"), FieldPanel("compare_at_price")]),
                    FieldRowPanel(
                        [FieldPanel("weight_grams"), FieldPanel("opening_stock"), FieldPanel("stock", read_only=True)]
                    ),
                    FieldPanel("is_active"),
                    FieldPanel("description"),
                ],
                heading=_("Produk"),
            ),
            ObjectList(
                [
                    FieldRowPanel([FieldPanel("option1_name"), FieldPanel("option2_name")]),
                    VariantInlinePanel(
                        "variants",
                        panels=variant_panels(),
                        label=_("Varian"),
                        heading=_("Varian"),
                        help_text=_(
                            "Satu baris untuk tiap pilihan yang dijual. Harga dan berat yang dikosongkan "
                            "mengikuti produk. Stok awal dicatat saat disimpan; setelah itu stok diubah lewat "
                            "Sesuaikan stok. Varian yang sudah pernah terjual dinonaktifkan, bukan dihapus."
                        ),
                        attrs={"data-product-variants": ""},
                    ),
                ],
                heading=_("Varian"),
            ),
            ObjectList([InlinePanel("gallery", label=_("Gambar"))], heading=_("Galeri")),
        ],
        base_form_class=ProductForm,
    )

    def get_queryset(self, request):
        return Product.objects.select_related("category").prefetch_related("gallery__image", "variants")


class CategoryViewSet(SnippetViewSet):
    model = Category
    icon = "folder-open-inverse"
    menu_label = _("Kategori")
    menu_order = 200
    list_display = [
        TitleColumn("name", label=_("Nama"), url_name="wagtailsnippets_shop_category:edit"),
        "slug",
        "parent",
        "sort_order",
    ]
    search_fields = ["name"]
    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("parent"), FieldPanel("sort_order")]


class CatalogViewSetGroup(SnippetViewSetGroup):
    items = (ProductViewSet, CategoryViewSet)
    menu_icon = "tag"
    menu_label = _("Katalog")
    menu_name = "catalog"
    menu_order = 150
