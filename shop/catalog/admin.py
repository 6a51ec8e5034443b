"""Catalog screens in the Wagtail admin: products and categories, as snippet viewsets."""

from django import forms
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, ObjectList, TabbedInterface
from wagtail.admin.ui.tables import BooleanColumn, BulkActionsCheckboxColumn, Column, TitleColumn
from wagtail.snippets.views.snippets import CreateView, IndexView, SnippetViewSet, SnippetViewSetGroup

from shop.catalog.filters import ProductFilterSet
from shop.catalog.models import Category, Product
from shop.imports.admin import ImportButtonsMixin
from shop.inventory.services import set_opening_stock
from shop.staff.viewsets import RupiahColumn, SafeSpreadsheetExportMixin


class ProductForm(WagtailAdminModelForm):
    opening_stock = forms.IntegerField(
        label=_("Stok awal"), min_value=0, initial=0, help_text=_("Perubahan stok berikutnya tercatat di riwayat stok.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            # Stock after creation changes only through the ledger, never in this form.
            del self.fields["opening_stock"]


class ProductCreateView(CreateView):
    def save_instance(self):
        product = super().save_instance()
        set_opening_stock(product, self.form.cleaned_data.get("opening_stock") or 0, actor=self.request.user)
        product.refresh_from_db(fields=["stock"])
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
        context["product"] = instance
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
            ObjectList([InlinePanel("gallery", label=_("Gambar"))], heading=_("Galeri")),
        ],
        base_form_class=ProductForm,
    )

    def get_queryset(self, request):
        return Product.objects.select_related("category").prefetch_related("gallery__image")


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
