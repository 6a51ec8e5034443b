"""Checkout's forms: the address book's addresses and the choices made at checkout."""

import re

from django import forms
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from shop.checkout.models import Address
from shop.core.phone import normalize_phone
from shop.core.text import one_line
from shop.payments.choices import payment_options
from shop.shipping.regions import search_villages, village_address

# What an order copies from an address (the email comes from the account).
ORDER_ADDRESS_FIELDS = [
    "recipient_name",
    "phone",
    "province",
    "city",
    "district",
    "village",
    "region_code",
    "postal_code",
    "street",
]
# Always copied from the region tables by the village's code, never taken from what was posted.
REGION_NAME_FIELDS = ("province", "city", "district", "village")
POSTAL_CODE = re.compile(r"\d{5}")
REGION_MATCHES_SHOWN = 20


class OneLineField(forms.CharField):
    """A text box whose value goes on one line: pasted line breaks and control characters become spaces."""

    def to_python(self, value):
        return one_line(super().to_python(value))


class ShownAgain:
    """For a form sent to look something up (villages, shipping costs) rather than to be judged."""

    def shown_again(self, **kwargs):
        """This form unbound, holding what was sent as its initial values: shown again with no errors."""
        initial = {name: self[name].value() for name in self.fields}
        return type(self)(
            initial={**initial, **kwargs.pop("initial", {})},
            prefix=self.prefix,
            use_required_attribute=self.use_required_attribute,
            **kwargs,
        )


def region_of(code):
    """The village `code` names, as shop.shipping.regions describes it; None for anything else."""
    return village_address((code or "").strip())


def postal_code_for(region, typed, suggested):
    """The postal code an address keeps: one the buyer typed, else (empty, or the one the form filled
    in for an earlier village) the picked village's."""
    if region and region["postal_code"] and typed in ("", suggested):
        return region["postal_code"]
    return typed


class AddressForm(ShownAgain, forms.ModelForm):
    """An address whose region is a village picked from Kemendagri's list, posted as its code.

    The province, city, district and village names are copied from the region tables by that code,
    so they are always the ones it stands for. The postal code starts as the village's and stays
    editable (a village's streets may have their own): `suggested_postal_code` is the one the form
    filled in itself, and a postal code still equal to it (or empty) follows a newly picked village.

    Without JavaScript the village is found with the search box: its button posts the form, which
    comes back unjudged with the matching villages as radio buttons (shop/includes/region_picker.html).
    """

    region_query = OneLineField(
        label=_("Cari kelurahan, kecamatan atau kode pos"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "enterkeyhint": "search"}),
    )
    suggested_postal_code = forms.CharField(required=False, max_length=5, widget=forms.HiddenInput)

    class Meta:
        model = Address
        fields = ["recipient_name", "phone", "region_code", "postal_code", "street", "label"]
        field_classes = dict.fromkeys(("label", "recipient_name", "phone", "region_code", "postal_code"), OneLineField)
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
            "postal_code": forms.TextInput(
                attrs={"inputmode": "numeric", "autocomplete": "postal-code", "maxlength": 5, "pattern": "[0-9]{5}"}
            ),
            "recipient_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "street": forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
        }
        labels = {"region_code": _("Kelurahan/desa")}
        help_texts = {
            "phone": _("Nomor HP yang bisa dihubungi kurir, mis. 0812 3456 7890."),
            "street": _("Nama jalan, nomor rumah, RT/RW, patokan."),
            "postal_code": _("Terisi dari kelurahan/desa yang dipilih; ubah bila kode pos Anda lain."),
        }
        error_messages = {"region_code": {"required": _("Pilih kelurahan/desa tujuan dari daftar wilayah.")}}

    SEARCH_BUTTON = "find_region"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.region = None  # the village picked, once clean_region_code() has found it
        self.fields["region_code"].required = True
        # Filled from the village when left empty, so checked in clean().
        self.fields["postal_code"].required = False
        self.fields["postal_code"].widget.attrs["maxlength"] = 5  # the column's 10 would otherwise win
        if not self.is_bound and "suggested_postal_code" not in self.initial:
            chosen = self.chosen_region
            # An address saved before regions existed has a postal code typed by hand: picking its
            # village puts the village's in its place, which the buyer may then change.
            self.initial["suggested_postal_code"] = chosen["postal_code"] if chosen else self.instance.postal_code

    @classmethod
    def search_requested(cls, data, prefix=None):
        """Whether `data` was sent by the search box's button (or Enter in a box) with something to find."""
        name = f"{prefix}-{{}}" if prefix else "{}"
        return name.format(cls.SEARCH_BUTTON) in data and bool(one_line(data.get(name.format("region_query"))))

    @property
    def search_button_name(self):
        return self.add_prefix(self.SEARCH_BUTTON)

    @cached_property
    def chosen_region(self):
        """The village the form holds now (sent, or initial), or None."""
        return region_of(self["region_code"].value())

    @cached_property
    def search_query(self):
        return one_line(self["region_query"].value())

    @cached_property
    def region_choices(self):
        """The villages offered as radio buttons after a search: the one chosen (if any), then those found.

        Empty when the search found nothing, or there was none: the chosen village then travels hidden.
        """
        if not self.search_query:
            return []
        chosen = self.chosen_region
        found = search_villages(self.search_query, limit=REGION_MATCHES_SHOWN)
        found = [match for match in found if not chosen or match["code"] != chosen["code"]]
        return [chosen, *found] if chosen and found else found

    @property
    def needs_region(self):
        """An address saved before the region list existed: the buyer is asked to pick its village."""
        return bool(self.instance.pk and not self.instance.region_code)

    def shown_again(self, **kwargs):
        # The box is emptied once its matches are listed: Enter in any field, which presses the
        # search button first in the form, then saves instead of searching again.
        shown = super().shown_again(initial={"region_query": ""}, instance=self.instance, **kwargs)
        shown.search_query = self.search_query
        if region := shown.chosen_region:
            # A village picked from the list shows its postal code straight away.
            shown.initial["postal_code"] = postal_code_for(
                region, one_line(shown.initial.get("postal_code")), shown.initial.get("suggested_postal_code")
            )
            shown.initial["suggested_postal_code"] = region["postal_code"]
        return shown

    def clean_phone(self):
        return normalize_phone(self.cleaned_data["phone"])

    def clean_region_code(self):
        self.region = region_of(self.cleaned_data["region_code"])
        if self.region is None:
            raise forms.ValidationError(
                _("Kelurahan/desa itu tidak ada di daftar wilayah. Cari lagi lalu pilih dari daftar.")
            )
        return self.region["code"]

    def clean_postal_code(self):
        code = self.cleaned_data["postal_code"]
        if code and not POSTAL_CODE.fullmatch(code):
            raise forms.ValidationError(_("Kode pos terdiri dari 5 angka."))
        return code

    def clean(self):
        cleaned = super().clean()
        if "postal_code" in cleaned:
            cleaned["postal_code"] = postal_code_for(
                self.region, cleaned["postal_code"], cleaned.get("suggested_postal_code")
            )
            if not cleaned["postal_code"]:
                self.add_error("postal_code", _("Isi kode pos (5 angka)."))
        return cleaned

    def region_names(self):
        return {name: self.region[name] for name in REGION_NAME_FIELDS}

    def save(self, commit=True):
        for name, value in self.region_names().items():
            setattr(self.instance, name, value)
        return super().save(commit)

    def as_order_address(self):
        """The address as place_order takes it (without the email, which the view adds)."""
        return {
            **{name: self.cleaned_data[name] for name in ORDER_ADDRESS_FIELDS if name not in REGION_NAME_FIELDS},
            **self.region_names(),
        }


def address_as_dict(address):
    return {name: getattr(address, name) for name in ORDER_ADDRESS_FIELDS}


class CheckoutForm(ShownAgain, forms.Form):
    """Where to, how, and how to pay. A saved address wins; otherwise the new-address form must be valid.

    The shipping choices are the options of `quote` (shop.shipping.quotes) to the address the form
    was shown or sent with; None while no address is known, when there is nothing to offer yet.
    """

    saved_address = forms.ModelChoiceField(
        queryset=Address.objects.none(),
        required=False,
        blank=True,
        widget=forms.RadioSelect,
        empty_label=_("Alamat baru (isi di bawah)"),
        label=_("Kirim ke"),
    )
    shipping_option = forms.ChoiceField(
        widget=forms.RadioSelect,
        label=_("Pengiriman"),
        error_messages={
            "required": _("Pilih jasa pengiriman."),
            "invalid_choice": _("Pilih jasa pengiriman dari daftar ongkos kirim ke alamat ini."),
        },
    )
    payment_method = forms.ChoiceField(
        widget=forms.RadioSelect,
        label=_("Pembayaran"),
        error_messages={
            "required": _("Pilih cara pembayaran."),
            "invalid_choice": _("Cara pembayaran itu tidak tersedia lagi. Pilih yang lain."),
        },
    )
    save_address = forms.BooleanField(required=False, initial=True, label=_("Simpan alamat baru ke buku alamat"))

    def __init__(self, *args, user, quote, subtotal, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.quote, self.subtotal = user, quote, subtotal
        self.fields["saved_address"].queryset = user.addresses.all()
        self.payment_options = payment_options(subtotal)
        self.fields["payment_method"].choices = [(option.value, option.label) for option in self.payment_options]
        if self.payment_options:
            self.fields["payment_method"].initial = self.payment_options[0].value
        self.shipping_options = {option.key: option for option in (quote.options if quote else [])}
        self.fields["shipping_option"].choices = [(key, option.label) for key, option in self.shipping_options.items()]

    def shown_again(self, **kwargs):
        return super().shown_again(user=self.user, quote=self.quote, subtotal=self.subtotal, **kwargs)

    @property
    def address_choices(self):
        """The saved-address radio buttons with their Address (None for "Alamat baru"), for the template."""
        return [(radio, getattr(radio.data["value"], "instance", None)) for radio in self["saved_address"]]

    @property
    def payment_choices(self):
        """Radio buttons with their option (group, fee, icon), grouped as buyers know them, for the template."""
        options = {option.value: option for option in self.payment_options}
        groups = {}
        for radio in self["payment_method"]:
            option = options[radio.data["value"]]
            groups.setdefault(option.group, []).append((radio, option))
        return list(groups.items())

    @property
    def shipping_choices(self):
        """Radio buttons together with the option (cost, estimate, free-shipping rule) each one is, for the template."""
        return [(radio, self.shipping_options[radio.data["value"]]) for radio in self["shipping_option"]]
