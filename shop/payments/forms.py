from django import forms
from django.utils.translation import gettext_lazy as _


class PaymentProofForm(forms.Form):
    file = forms.FileField(
        label=_("Bukti transfer"),
        help_text=_("Foto atau tangkapan layar (JPG/PNG) atau PDF, paling besar 5 MB."),
        error_messages={"required": _("Pilih berkas bukti transfer dulu."), "empty": _("Berkas yang dipilih kosong.")},
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )
