from django import forms
from django.utils.translation import gettext_lazy as _


class CancelOrderForm(forms.Form):
    """The buyer's own cancellation of an unpaid order."""

    reason = forms.CharField(
        label=_("Alasan (opsional)"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
