"""A product's variants edited inline on the product screen (shop.catalog.admin).

The inline counts only when the product names an option type (Warna, Ukuran): a product without
options sells through the single default variant that Product.save keeps in step, so its inline
is neither checked nor saved. Stock is never edited here: a new variant gets its opening stock
through the ledger after the save (opening_stock_for_new_variants), an existing one shows its
stock read-only and changes through the stock adjustment screen.
"""

import re

from django import forms
from django.db import DEFAULT_DB_ALIAS
from django.db.models import ProtectedError, RestrictedError
from django.db.models.deletion import Collector
from django.forms.formsets import DELETION_FIELD_NAME
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from modelcluster.forms import BaseChildFormSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel

from shop.catalog.variants import ProductVariant, release_variant_values
from shop.inventory.services import set_opening_stock

SKU_MAX_LENGTH = ProductVariant._meta.get_field("sku").max_length


class VariantForm(WagtailAdminModelForm):
    opening_stock = forms.IntegerField(
        label=gettext_lazy("Stok awal"),
        min_value=0,
        initial=0,
        required=False,
        help_text=gettext_lazy("Dicatat di riwayat stok saat disimpan."),
    )
    current_stock = forms.IntegerField(
        label=gettext_lazy("Stok"),
        required=False,
        disabled=True,
        help_text=gettext_lazy("Ubah lewat Sesuaikan stok."),
    )

    def __init__(self, *args, option_names=("", ""), **kwargs):
        super().__init__(*args, **kwargs)
        self.is_new = self.instance.pk is None
        # Blank price and weight take the product's on save (fill_from_product).
        self.fields["price"].required = False
        self.fields["weight_grams"].required = False
        self.fields["weight_grams"].help_text = _("Kosongkan untuk berat produk.")
        self.fields["sku"].required = False
        self.fields["sku"].help_text = _("Kosongkan untuk dibuat dari SKU produk dan pilihannya.")
        for field, name in zip(("option1", "option2"), option_names, strict=True):
            if name:
                self.fields[field].label = name
        if self.is_new:
            del self.fields["current_stock"]
            self.initial["weight_grams"] = None  # blank, as its help says, rather than the model's 0
        else:
            del self.fields["opening_stock"]
            self.fields["current_stock"].initial = self.instance.stock

    def validate_unique(self):
        # SKUs are checked between rows and against the shop by assign_skus, which knows the rows
        # that give theirs up in this save (two rows swapping SKUs).
        exclude = self._get_validation_exclusions() | {"sku"}
        try:
            self.instance.validate_unique(exclude=exclude)
        except forms.ValidationError as error:
            self._update_errors(error)

    def is_blank_new_row(self):
        """An added row left untouched is not a variant (Django skips it on save too)."""
        return self.is_new and not self.has_changed()


class VariantFormSet(BaseChildFormSet):
    def validate_unique(self):
        # Duplicate options and SKUs between rows are reported by check_variants, in the owner's words.
        pass


class VariantInlinePanel(InlinePanel):
    """The variants inline, with the form and formset above and the product's option names as labels."""

    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name].update(form=VariantForm, formset=VariantFormSet)
        return options


def variant_panels():
    return [
        FieldRowPanel([FieldPanel("option1"), FieldPanel("option2")]),
        FieldRowPanel([FieldPanel("sku"), FieldPanel("price"), FieldPanel("weight_grams")]),
        FieldRowPanel([FieldPanel("opening_stock"), FieldPanel("current_stock"), FieldPanel("is_active")]),
        FieldPanel("image"),
    ]


def live_forms(formset):
    return [
        form
        for form in formset.forms
        if not formset._should_delete_form(form) and not (isinstance(form, VariantForm) and form.is_blank_new_row())
    ]


def has_history(variant):
    """Whether deleting the variant would be refused (order lines and stock movements PROTECT it)."""
    try:
        Collector(using=DEFAULT_DB_ALIAS, origin=variant).collect([variant])
    except (ProtectedError, RestrictedError):
        return True
    return False


def keep_row(form):
    """Show a row the owner deleted again, so the message beside it can be read."""
    data = form.data.copy()
    data[form.add_prefix(DELETION_FIELD_NAME)] = ""
    form.data = data


def check_variants(formset, option_names, product_sku):
    """The checks between rows, after each row is valid on its own; returns whether all passed."""
    ok = True

    def refuse(form, message, field=None):
        nonlocal ok
        ok = False
        form.add_error(field, message)

    for form in formset.deleted_forms:
        if form.instance.pk and has_history(form.instance):
            keep_row(form)
            refuse(
                form,
                _(
                    "Varian %(name)s sudah punya riwayat stok atau penjualan, jadi tidak bisa dihapus. "
                    "Nonaktifkan saja: hilangkan centang Aktif."
                )
                % {"name": form.instance.label or form.instance.sku},
            )
    forms_ = live_forms(formset)
    if not forms_:
        formset._non_form_errors.append(
            _("Produk dengan jenis pilihan perlu minimal satu varian. Tambahkan varian di bawah.")
        )
        return False
    seen_options = {}
    for form in forms_:
        data = form.cleaned_data
        for field, name in zip(("option1", "option2"), option_names, strict=True):
            if name and not data.get(field):
                refuse(form, _("Isi %(option)s untuk varian ini.") % {"option": name}, field)
            elif not name and data.get(field):
                refuse(form, _("Kosongkan: produk ini tidak punya jenis pilihan ke-%(n)s.") % {"n": field[-1]}, field)
        key = (data.get("option1", "").casefold(), data.get("option2", "").casefold())
        if any(key) and key in seen_options:
            label = " / ".join(value for value in (data.get("option1"), data.get("option2")) if value)
            refuse(form, _("Varian %(label)s sudah ada di baris lain.") % {"label": label})
        seen_options.setdefault(key, form)
    if ok:
        ok = assign_skus(forms_, product_sku, refuse)
    return ok


def assign_skus(forms_, product_sku, refuse):
    """Each variant's SKU, made from the product's and the options when left blank; none may clash
    with another row or another product's variant (compared without case, as MariaDB does)."""
    ok = True
    taken = {}
    # Rows whose SKU changes give their old one up in this save: another row may take it.
    leaving = [form.instance.pk for form in forms_ if form.instance.pk and "sku" in form.changed_data]
    for form in forms_:
        sku = form.cleaned_data.get("sku")
        if sku:
            if sku.casefold() in taken:
                refuse(form, _("SKU %(sku)s sudah dipakai varian lain di produk ini.") % {"sku": sku}, "sku")
                ok = False
            taken[sku.casefold()] = form
    for form in forms_:
        if form.cleaned_data.get("sku"):
            continue
        stem = "-".join(
            [product_sku]
            + [slug for value in (form.cleaned_data["option1"], form.cleaned_data["option2"]) if (slug := _slug(value))]
        )[:SKU_MAX_LENGTH]
        candidate, n = stem, 1
        while candidate.casefold() in taken or sku_in_use(candidate, form.instance, leaving):
            n += 1
            suffix = f"-{n}"
            candidate = stem[: SKU_MAX_LENGTH - len(suffix)] + suffix
        form.cleaned_data["sku"] = form.instance.sku = candidate
        taken[candidate.casefold()] = form
    for form in forms_:
        sku = form.cleaned_data["sku"]
        if form.has_changed() and "sku" in form.changed_data and sku_in_use(sku, form.instance, leaving):
            refuse(form, _("SKU %(sku)s sudah dipakai produk atau varian lain.") % {"sku": sku}, "sku")
            ok = False
    return ok


def _slug(value):
    return re.sub(r"[^A-Z0-9]+", "-", value.upper()).strip("-")


def sku_in_use(sku, variant, leaving=()):
    return ProductVariant.objects.filter(sku__iexact=sku).exclude(pk=variant.pk).exclude(pk__in=leaving).exists()


def fill_from_product(formset, price, weight_grams):
    """A blank price takes the product's, a blank or zero weight too."""
    for form in live_forms(formset):
        if form.cleaned_data.get("price") is None:
            form.instance.price = price
        if not form.cleaned_data.get("weight_grams"):
            form.instance.weight_grams = weight_grams


def release_taken_values(formset):
    """Rows saved one by one must not meet each other's old SKU or options: an owner swapping Hitam
    and Navy between two rows, or renaming Navy to Hitam and Hitam to Hitam Pekat, would otherwise
    fail on the first row saved. The rows that change them let go of their old values first (in the
    save's transaction); check_variants has made sure the new values clash with nothing."""
    moving = [
        form.instance
        for form in live_forms(formset)
        if form.instance.pk and {"sku", "option1", "option2"} & set(form.changed_data)
    ]
    release_variant_values(moving)


def opening_stock_for_new_variants(formset, product, actor):
    """The opening stock of each variant added in this save, as a ledger movement."""
    for form in live_forms(formset):
        quantity = form.cleaned_data.get("opening_stock") if form.is_new else None
        if quantity:
            set_opening_stock(product, quantity, actor=actor, variant=form.instance)


def validation_error_for_option_names(product, option1_name, option2_name):
    """Why the option types as submitted cannot be saved, or None."""
    if option2_name and not option1_name:
        return "option1_name", _("Isi jenis pilihan 1 dulu, lalu jenis pilihan 2.")
    if option1_name and option2_name and option1_name.casefold() == option2_name.casefold():
        return "option2_name", _("Jenis pilihan 2 harus berbeda dari jenis pilihan 1.")
    if (
        not option1_name
        and product.pk
        and ProductVariant.objects.filter(product=product).exclude(option1="", option2="").exists()
    ):
        return "option1_name", _(
            "Produk ini sudah punya varian dengan pilihan, jadi jenis pilihan tidak bisa dikosongkan. "
            "Nonaktifkan varian yang tidak dijual lagi."
        )
    return None
