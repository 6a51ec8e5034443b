"""The cart's forms: what a button or a quantity box posts.

`variant` names the variant (a hijab's colour) of a product with options; a product without
options may be posted alone, as before variants, and is sold as its only variant."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shop.cart.services import MAX_QUANTITY

_QUANTITY_ERRORS = {
    "required": _("Isi jumlahnya."),
    "invalid": _("Jumlah harus berupa angka bulat."),
    "min_value": _("Jumlah tidak boleh kurang dari %(limit_value)s."),
    "max_value": _("Jumlah tidak boleh lebih dari %(limit_value)s."),
}


def _variant_field():
    return forms.IntegerField(min_value=1, required=False)


class AddToCartForm(forms.Form):
    product = forms.IntegerField(min_value=1)
    variant = _variant_field()
    quantity = forms.IntegerField(min_value=1, max_value=MAX_QUANTITY, required=False, error_messages=_QUANTITY_ERRORS)

    def clean_quantity(self):
        # A product card's quick "add" sends no quantity: that means one.
        return self.cleaned_data["quantity"] or 1


class ChangeQuantityForm(forms.Form):
    product = forms.IntegerField(min_value=1)
    variant = _variant_field()
    quantity = forms.IntegerField(min_value=0, max_value=MAX_QUANTITY, error_messages=_QUANTITY_ERRORS)


class RemoveFromCartForm(forms.Form):
    product = forms.IntegerField(min_value=1)
    variant = _variant_field()
