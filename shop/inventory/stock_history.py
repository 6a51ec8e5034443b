"""The stock history screen of a product, and what the stock screens share (shop.inventory.admin):
who may use them, and the product and variants they are about.

Every movement is listed newest first with the stock its variant had after it; a product with
options shows the variant of each movement and the product's total too, and can be narrowed to
one variant, whose running stock the list then follows.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import F, Sum, Window
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.ui.tables import Column, DateColumn, UserColumn
from wagtail.admin.views.generic import IndexView

from shop.catalog.models import Product
from shop.inventory.models import StockMovement
from shop.orders.desks.queues import all_orders_desk

ADJUST_PERMISSION = "shop.adjust_stock"
HISTORY_PERMISSION = "shop.view_product"
# The query parameter naming one variant, on the adjustment and history screens.
VARIANT_PARAM = "varian"


class StockPermissionMixin:
    permission = ADJUST_PERMISSION

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ProductStockMixin:
    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.product = get_object_or_404(Product, pk=kwargs["product_id"])
        self.variants = list(self.product.variants.order_by("sort_order", "pk"))

    def variant_by_id(self, value):
        """One of this product's variants, by the id a form or a link gave (None for anything else)."""
        return next((variant for variant in self.variants if str(variant.pk) == str(value)), None)

    def stock_url(self, name, variant=None):
        url = reverse(f"shop_stock:{name}", args=[self.product.pk])
        return f"{url}?{urlencode({VARIANT_PARAM: variant.pk})}" if variant is not None else url

    def product_breadcrumbs(self, label):
        items = [{"url": reverse("wagtailsnippets_shop_product:list"), "label": _("Produk")}]
        if self.request.user.has_perm("shop.change_product"):
            items.append(
                {
                    "url": reverse("wagtailsnippets_shop_product:edit", args=[self.product.pk]),
                    "label": self.product.name,
                }
            )
        else:
            items.append({"url": "", "label": self.product.name})
        items.append({"url": "", "label": label})
        return self.breadcrumbs_items + items

    def variant_rows(self):
        """A product with options: each variant with its stock, links, and whether its ledger adds up."""
        if not self.product.has_options:
            return []
        ledger = dict(
            StockMovement.objects.filter(product=self.product)
            .values("variant")
            .annotate(total=Sum("delta"))
            .values_list("variant", "total")
        )
        return [
            {
                "variant": variant,
                "ledger_differs": ledger.get(variant.pk, 0) != variant.stock,
                "history_url": self.stock_url("history", variant),
                "adjust_url": self.stock_url("adjust", variant),
            }
            for variant in self.variants
        ]


class DeltaColumn(Column):
    def get_value(self, instance):
        return f"{instance.delta:+d}"


class VariantColumn(Column):
    def get_value(self, instance):
        return instance.variant.label or instance.variant.sku


class OrderLinkColumn(Column):
    cell_template_name = "shop/admin/inventory/order_cell.html"

    def __init__(self, name, order_url, **kwargs):
        super().__init__(name, **kwargs)
        self.order_url = order_url

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["order"] = instance.order
        context["order_url"] = self.order_url(instance.order) if instance.order_id else ""
        return context


class StockHistoryView(StockPermissionMixin, ProductStockMixin, IndexView):
    """Every movement of one product's stock (or of one of its variants), newest first."""

    permission = HISTORY_PERMISSION
    any_permission_required = None
    model = StockMovement
    template_name = "shop/admin/inventory/history.html"
    results_template_name = "wagtailadmin/generic/listing_results.html"
    page_title = gettext_lazy("Riwayat stok")
    header_icon = "history"
    paginate_by = 50
    index_url_name = "shop_stock:history"

    def user_has_permission(self, permission):
        # Nothing here is added, edited or deleted: movements are written only by the stock service.
        return permission == "view"

    @cached_property
    def variant(self):
        return self.variant_by_id(self.request.GET.get(VARIANT_PARAM)) if self.product.has_options else None

    def get_index_url(self):
        return reverse(self.index_url_name, args=[self.product.pk])

    def get_index_results_url(self):
        return None

    def get_page_subtitle(self):
        return self.variant.display_name if self.variant else self.product.name

    def get_breadcrumbs_items(self):
        return self.product_breadcrumbs(_("Riwayat stok"))

    def get_base_queryset(self):
        # The running balances are taken over all the movements shown before the page is cut: per
        # variant, and for the whole product (meaningful only when no variant is picked).
        movements = StockMovement.objects.filter(product=self.product)
        if self.variant:
            movements = movements.filter(variant=self.variant)
        return (
            movements.select_related("order", "actor", "variant")
            .annotate(
                balance=Window(Sum("delta"), partition_by=[F("variant_id")], order_by=F("pk").asc()),
                product_balance=Window(Sum("delta"), order_by=F("pk").asc()),
            )
            .order_by("-pk")
        )

    @cached_property
    def columns(self):
        options = self.product.has_options
        columns = [DateColumn("created_at", label=_("Waktu"))]
        if options and not self.variant:
            columns.append(VariantColumn("variant", label=_("Varian")))
        columns += [
            DeltaColumn("delta", label=_("Perubahan")),
            Column("balance", label=_("Stok varian setelahnya") if options else _("Stok setelahnya")),
        ]
        if options and not self.variant:
            columns.append(Column("product_balance", label=_("Total produk setelahnya")))
        return columns + [
            Column("get_reason_display", label=_("Alasan")),
            OrderLinkColumn("order", self.order_url, label=_("Pesanan")),
            UserColumn("actor", label=_("Oleh"), blank_display_name=_("Sistem")),
            Column("note", label=_("Catatan")),
        ]

    def order_url(self, order):
        # Staff reach an order through a desk that admits them; the owner's "Semua Pesanan" holds every one.
        if all_orders_desk.desk_policy.user_has_permission(self.request.user, "view"):
            return reverse(all_orders_desk.get_url_name("inspect"), args=[order.pk])
        return ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            product=self.product,
            variant=self.variant,
            variant_rows=self.variant_rows(),
            variant_param=VARIANT_PARAM,
            can_adjust=self.request.user.has_perm(ADJUST_PERMISSION),
            adjust_url=self.stock_url("adjust", self.variant),
            ledger_total=StockMovement.objects.filter(product=self.product).aggregate(total=Sum("delta"))["total"] or 0,
        )
        return context
