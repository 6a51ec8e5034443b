"""Checkout's forms: the address book's addresses and the choices made at checkout."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from shop.checkout.models import Address
from shop.core.phone import normalize_phone
from shop.core.text import one_line
from shop.payments.choices import payment_options
from shop.shipping.rates import flat_rate_options

# What an order copies from an address (the email comes from the account).
ORDER_ADDRESS_FIELDS = ["recipient_name", "phone", "province", "city", "district", "postal_code", "street"]


class OneLineField(forms.CharField):
    """A text box whose value goes on one line: pasted line breaks and control characters become spaces."""

    def to_python(self, value):
        return one_line(super().to_python(value))


class AddressForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = ["label", "recipient_name", "phone", "province", "city", "district", "postal_code", "street"]
        field_classes = dict.fromkeys(
            ("label", "recipient_name", "phone", "province", "city", "district", "postal_code"), OneLineField
        )
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
            "postal_code": forms.TextInput(
                attrs={"inputmode": "numeric", "autocomplete": "postal-code", "maxlength": 5}
            ),
            "recipient_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "street": forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
        }
        help_texts = {
            "phone": _("Nomor HP yang bisa dihubungi kurir, mis. 0812 3456 7890."),
            "street": _("Nama jalan, nomor rumah, RT/RW, kelurahan, patokan."),
        }

    def clean_phone(self):
        return normalize_phone(self.cleaned_data["phone"])

    def clean_postal_code(self):
        code = self.cleaned_data["postal_code"].strip()
        if not re.fullmatch(r"\d{5}", code):
            raise forms.ValidationError(_("Kode pos terdiri dari 5 angka."))
        return code

    def as_order_address(self):
        """The address as place_order takes it (without the email, which the view adds)."""
        return {name: self.cleaned_data[name] for name in ORDER_ADDRESS_FIELDS}


def address_as_dict(address):
    return {name: getattr(address, name) for name in ORDER_ADDRESS_FIELDS}


class CheckoutForm(forms.Form):
    """Where to, how, and how to pay. A saved address wins; otherwise the new-address form must be valid."""

    saved_address = forms.ModelChoiceField(
        queryset=Address.objects.none(),
        required=False,
        blank=True,
        widget=forms.RadioSelect,
        empty_label=_("Alamat baru (isi di bawah)"),
        label=_("Kirim ke"),
    )
    shipping_rate = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect,
        label=_("Pengiriman"),
        error_messages={
            "required": _("Pilih jasa pengiriman."),
            "invalid_choice": _("Pilih jasa pengiriman dari daftar."),
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

    def __init__(self, *args, user, weight_grams, subtotal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["saved_address"].queryset = user.addresses.all()
        self.payment_options = payment_options(subtotal)
        self.fields["payment_method"].choices = [(option.value, option.label) for option in self.payment_options]
        if self.payment_options:
            self.fields["payment_method"].initial = self.payment_options[0].value
        self.shipping_options = {option.rate_id: option for option in flat_rate_options(weight_grams)}
        self.fields["shipping_rate"].choices = [
            (option.rate_id, f"{option.label} ({option.etd})" if option.etd else option.label)
            for option in self.shipping_options.values()
        ]

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
        """Radio buttons together with the cost each one costs, for the template."""
        return [(radio, self.shipping_options[int(radio.data["value"])]) for radio in self["shipping_rate"]]
