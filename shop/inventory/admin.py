"""Stock in the Wagtail admin: adjusting a product's stock by hand, and its stock history.

An adjustment (restock, correction, damaged, returned) goes through
shop.inventory.services.adjust_stock, which writes the ledger. The form is checked first and shown
back as a confirmation with the stock it will leave; the confirming POST carries the stock the
person saw, so a double submit, or a sale in between, is refused instead of applied twice.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import F, Sum, Window
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.ui.menus import MenuItem as DropdownItem
from wagtail.admin.ui.tables import Column, DateColumn, UserColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from shop.catalog.models import Product
from shop.inventory.models import StockMovement
from shop.inventory.services import adjust_stock
from shop.orders.desks.queues import all_orders_desk
from shop.orders.errors import OrderError, StockChanged

ADJUST_PERMISSION = "shop.adjust_stock"
HISTORY_PERMISSION = "shop.view_product"
MAX_ADJUSTMENT = 1_000_000

ADJUSTMENT_REASONS = [
    (reason.value, reason.label)
    for reason in (
        StockMovement.Reason.RESTOCK,
        StockMovement.Reason.CORRECTION,
        StockMovement.Reason.DAMAGED,
        StockMovement.Reason.RETURNED,
    )
]
# The direction each reason can go; a correction may go either way.
REASON_SIGNS = {StockMovement.Reason.RESTOCK: 1, StockMovement.Reason.RETURNED: 1, StockMovement.Reason.DAMAGED: -1}


class StockAdjustmentForm(forms.Form):
    delta = forms.IntegerField(
        label=gettext_lazy("Perubahan stok"),
        min_value=-MAX_ADJUSTMENT,
        max_value=MAX_ADJUSTMENT,
        help_text=gettext_lazy("Angka positif menambah stok, negatif mengurangi; mis. 24 atau -2."),
    )
    reason = forms.ChoiceField(label=gettext_lazy("Alasan"), choices=ADJUSTMENT_REASONS)
    note = forms.CharField(
        label=gettext_lazy("Catatan"),
        max_length=255,
        required=False,
        help_text=gettext_lazy("Mis. nomor surat jalan pemasok, atau apa yang rusak."),
    )

    def clean(self):
        cleaned = super().clean()
        delta, reason = cleaned.get("delta"), cleaned.get("reason")
        if delta == 0:
            self.add_error("delta", _("Perubahan stok tidak boleh nol."))
        elif delta is not None and reason in REASON_SIGNS and (delta > 0) != (REASON_SIGNS[reason] > 0):
            if REASON_SIGNS[reason] > 0:
                self.add_error("delta", _("Untuk alasan ini, stok bertambah: isi angka positif."))
            else:
                self.add_error("delta", _("Barang rusak mengurangi stok: isi angka negatif."))
        return cleaned


class ConfirmedStockAdjustmentForm(StockAdjustmentForm):
    expected_stock = forms.IntegerField(widget=forms.HiddenInput)


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


class StockAdjustmentView(StockPermissionMixin, ProductStockMixin, WagtailAdminTemplateMixin, TemplateView):
    """GET: the form. POST: checked and shown back to confirm. POST with the seen stock: applied."""

    template_name = "shop/admin/inventory/adjust.html"
    page_title = gettext_lazy("Sesuaikan stok")
    header_icon = "tag"
    http_method_names = ["get", "post"]

    def get_page_subtitle(self):
        return self.product.name

    def get_breadcrumbs_items(self):
        return self.product_breadcrumbs(_("Sesuaikan stok"))

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=StockAdjustmentForm()))

    def post(self, request, *args, **kwargs):
        if "expected_stock" not in request.POST:
            form = StockAdjustmentForm(request.POST)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(form=form), status=400)
            return self.confirmation(form.cleaned_data)

        form = ConfirmedStockAdjustmentForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        data = form.cleaned_data
        try:
            adjust_stock(
                self.product,
                data["delta"],
                data["reason"],
                actor=request.user,
                note=data["note"],
                expected_stock=data["expected_stock"],
            )
        except StockChanged as changed:
            # A sale or another adjustment in between: show the confirmation again with the stock as it is.
            self.product.stock = changed.current_stock
            messages.warning(request, str(changed))
            return self.confirmation(data)
        except OrderError as error:
            self.product.refresh_from_db(fields=["stock"])
            form = StockAdjustmentForm(data)
            form.is_valid()
            form.add_error("delta", str(error))
            return self.render_to_response(self.get_context_data(form=form), status=400)
        self.product.refresh_from_db(fields=["stock"])
        messages.success(
            request,
            _("Stok %(name)s disesuaikan %(delta)+d; sekarang %(stock)s.")
            % {"name": self.product.name, "delta": data["delta"], "stock": self.product.stock},
        )
        return redirect("shop_stock:history", product_id=self.product.pk)

    def confirmation(self, data):
        confirm_form = ConfirmedStockAdjustmentForm(initial={**data, "expected_stock": self.product.stock})
        for field in ("delta", "reason", "note"):
            confirm_form.fields[field].widget = forms.HiddenInput()
        return self.render_to_response(
            self.get_context_data(
                confirm_form=confirm_form,
                adjustment=data,
                reason_label=dict(ADJUSTMENT_REASONS)[data["reason"]],
                new_stock=self.product.stock + data["delta"],
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["product"] = self.product
        context["history_url"] = reverse("shop_stock:history", args=[self.product.pk])
        return context


class DeltaColumn(Column):
    def get_value(self, instance):
        return f"{instance.delta:+d}"


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
    """Every movement of one product's stock, newest first, with the stock left after each."""

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

    def get_index_url(self):
        return reverse(self.index_url_name, args=[self.product.pk])

    def get_index_results_url(self):
        return None

    def get_page_subtitle(self):
        return self.product.name

    def get_breadcrumbs_items(self):
        return self.product_breadcrumbs(_("Riwayat stok"))

    def get_base_queryset(self):
        # The running balance is taken over all of this product's movements before the page is cut.
        return (
            StockMovement.objects.filter(product=self.product)
            .select_related("order", "actor")
            .annotate(balance=Window(Sum("delta"), order_by=F("pk").asc()))
            .order_by("-pk")
        )

    @cached_property
    def columns(self):
        return [
            DateColumn("created_at", label=_("Waktu")),
            DeltaColumn("delta", label=_("Perubahan")),
            Column("balance", label=_("Stok setelahnya")),
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
        context["product"] = self.product
        context["can_adjust"] = self.request.user.has_perm(ADJUST_PERMISSION)
        context["adjust_url"] = reverse("shop_stock:adjust", args=[self.product.pk])
        context["ledger_total"] = (
            StockMovement.objects.filter(product=self.product).aggregate(total=Sum("delta"))["total"] or 0
        )
        return context


app_name = "shop_stock"
urlpatterns = [
    path("<int:product_id>/sesuaikan/", StockAdjustmentView.as_view(), name="adjust"),
    path("<int:product_id>/riwayat/", StockHistoryView.as_view(), name="history"),
]


def admin_urls():
    return [path("stok/", include((urlpatterns, app_name), namespace=app_name))]


def product_listing_buttons(snippet, user, next_url=None):
    """The stock entries in a product row's menu, for those who may use them."""
    if not isinstance(snippet, Product):
        return []
    buttons = []
    if user.has_perm(ADJUST_PERMISSION):
        buttons.append(
            DropdownItem(
                _("Sesuaikan stok"), reverse("shop_stock:adjust", args=[snippet.pk]), icon_name="plus", priority=40
            )
        )
    if user.has_perm(HISTORY_PERMISSION):
        buttons.append(
            DropdownItem(
                _("Riwayat stok"), reverse("shop_stock:history", args=[snippet.pk]), icon_name="history", priority=41
            )
        )
    return buttons
