"""Stock in the Wagtail admin: adjusting a variant's stock by hand (a product without options: its
only variant), and the stock history (shop.inventory.stock_history).

An adjustment (restock, correction, damaged, returned) goes through
shop.inventory.services.adjust_stock, which writes the ledger. The form is checked first and shown
back as a confirmation with the stock it will leave; the confirming POST carries the stock the
person saw, so a double submit, or a sale in between, is refused instead of applied twice.
"""

from django import forms
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.ui.menus import MenuItem as DropdownItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from shop.catalog.models import Product
from shop.inventory.models import StockMovement
from shop.inventory.services import adjust_stock
from shop.inventory.stock_history import (
    ADJUST_PERMISSION,
    HISTORY_PERMISSION,
    VARIANT_PARAM,
    ProductStockMixin,
    StockHistoryView,
    StockPermissionMixin,
)
from shop.orders.errors import OrderError, StockChanged

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

    def __init__(self, *args, variants=None, **kwargs):
        super().__init__(*args, **kwargs)
        if variants:
            # A product with options: which variant's stock moves (its stock is what the person checks against).
            self.fields["variant"] = forms.TypedChoiceField(
                label=gettext_lazy("Varian"),
                coerce=int,
                choices=[("", "---------")] + [(variant.pk, variant_choice_label(variant)) for variant in variants],
            )
            self.order_fields(["variant"])

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


def variant_choice_label(variant):
    label = _("%(variant)s (stok %(stock)s)") % {"variant": variant.label or variant.sku, "stock": variant.stock}
    return label if variant.is_active else _("%(variant)s, nonaktif") % {"variant": label}


class ConfirmedStockAdjustmentForm(StockAdjustmentForm):
    expected_stock = forms.IntegerField(widget=forms.HiddenInput)


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

    def make_form(self, form_class, data=None, **kwargs):
        return form_class(data, variants=self.variants if self.product.has_options else None, **kwargs)

    def variant_of(self, value):
        """The variant to adjust: the one picked, or the only one of a product without options."""
        if self.product.has_options:
            return self.variant_by_id(value)
        return self.variants[0] if self.variants else None

    def get(self, request, *args, **kwargs):
        variant = self.variant_of(request.GET.get(VARIANT_PARAM))
        form = self.make_form(StockAdjustmentForm, initial={"variant": variant.pk if variant else None})
        return self.render_to_response(self.get_context_data(form=form, variant=variant))

    def post(self, request, *args, **kwargs):
        if "expected_stock" not in request.POST:
            form = self.make_form(StockAdjustmentForm, request.POST)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(form=form), status=400)
            return self.confirmation(form.cleaned_data)

        form = self.make_form(ConfirmedStockAdjustmentForm, request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        data = form.cleaned_data
        variant = self.variant_of(data.get("variant"))
        try:
            adjust_stock(
                self.product,
                data["delta"],
                data["reason"],
                actor=request.user,
                note=data["note"],
                expected_stock=data["expected_stock"],
                variant=variant,
            )
        except StockChanged as changed:
            # A sale or another adjustment in between: show the confirmation again with the stock as it is.
            variant.stock = changed.current_stock
            messages.warning(
                request,
                _("Stok %(name)s berubah menjadi %(stock)s sejak Anda memeriksanya. Periksa lagi sebelum menyimpan.")
                % {"name": variant.display_name, "stock": changed.current_stock},
            )
            return self.confirmation(data)
        except OrderError as error:
            variant.refresh_from_db(fields=["stock"])
            form = self.make_form(StockAdjustmentForm, data)
            form.is_valid()
            form.add_error("delta", str(error))
            return self.render_to_response(self.get_context_data(form=form, variant=variant), status=400)
        variant.refresh_from_db(fields=["stock"])
        messages.success(
            request,
            _("Stok %(name)s disesuaikan %(delta)+d; sekarang %(stock)s.")
            % {"name": variant.display_name, "delta": data["delta"], "stock": variant.stock},
        )
        return redirect(self.stock_url("history", variant if self.product.has_options else None))

    def confirmation(self, data):
        variant = self.variant_of(data.get("variant"))
        confirm_form = self.make_form(ConfirmedStockAdjustmentForm, initial={**data, "expected_stock": variant.stock})
        for field in confirm_form.fields.values():
            field.widget = forms.HiddenInput()
        return self.render_to_response(
            self.get_context_data(
                confirm_form=confirm_form,
                variant=variant,
                adjustment=data,
                reason_label=dict(ADJUSTMENT_REASONS)[data["reason"]],
                new_stock=variant.stock + data["delta"],
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        variant = context.get("variant")
        context.update(
            product=self.product,
            variant_rows=self.variant_rows(),
            # What the person checks against: the variant's stock once one is known, else the product's.
            current_stock=variant.stock if variant is not None else self.product.stock,
            history_url=self.stock_url("history", variant if self.product.has_options else None),
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
