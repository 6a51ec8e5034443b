"""Shipping in the Wagtail admin, for the owner: the menu Pengiriman with the flat rates (used when
Komerce is not set or fails) and the free-shipping rules checkout applies. Settings > Pengaturan
pengiriman is settings_admin.py.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, TitleColumn
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from shop.core.money import format_rupiah
from shop.shipping.models import ShippingRate, ShippingRule
from shop.shipping.rules import courier_filters
from shop.staff.viewsets import RupiahColumn


def rate_area(rate):
    if rate.province_id:
        return rate.province.name
    return rate.get_island_group_display() or _("Semua wilayah")


def rule_area(rule):
    places = [rule.get_island_group_display()] if rule.island_group else []
    places += [province.name for province in rule.provinces.all()]
    return ", ".join(places) or _("Semua wilayah")


def rule_conditions(rule):
    """What a buyer's order needs for the rule, in one line: "Min. Rp 200.000 · Jawa · JNE, SiCepat REG"."""
    parts = [_("Min. %(amount)s") % {"amount": format_rupiah(rule.min_subtotal)} if rule.min_subtotal else ""]
    parts += [rule_area(rule), rule.couriers.strip() or _("semua kurir")]
    return " · ".join(part for part in parts if part)


def rule_discount(rule):
    return (
        _("Gratis penuh")
        if not rule.max_discount
        else _("Maks. %(amount)s") % {"amount": format_rupiah(rule.max_discount)}
    )


class ShippingRateForm(WagtailAdminModelForm):
    def clean_cost(self):
        cost = self.cleaned_data.get("cost")
        if cost == 0:
            raise ValidationError(
                _("Biaya per kg harus lebih dari Rp 0. Untuk gratis ongkir, buat aturan di Pengiriman > Gratis Ongkir.")
            )
        return cost

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("province") and cleaned.get("island_group"):
            raise ValidationError(_("Pilih provinsi atau pulau saja, jangan keduanya."))
        return cleaned


class ShippingRuleForm(WagtailAdminModelForm):
    def clean_couriers(self):
        text = self.cleaned_data.get("couriers", "")
        # A courier we do not know is allowed when the owner has a flat rate of that name ("Kurir Toko").
        own = {courier.strip().lower() for courier in ShippingRate.objects.values_list("courier", flat=True)}
        unknown = [
            courier.courier for courier in courier_filters(text) if not courier.known and courier.courier not in own
        ]
        if unknown:
            raise ValidationError(
                _('Kurir "%(names)s" tidak dikenal. Tulis nama atau kode kurir dipisah koma, mis. "JNE, SiCepat REG".')
                % {"names": ", ".join(unknown)}
            )
        return ", ".join(entry.strip() for entry in text.split(",") if entry.strip())


class ShippingRateViewSet(SnippetViewSet):
    model = ShippingRate
    icon = "site"
    menu_label = gettext_lazy("Tarif Ongkir")
    menu_name = "shipping-rates"
    search_fields = ["courier", "service"]
    search_backend_name = None  # plain icontains: a few dozen rows
    list_filter = ["island_group", "is_active"]
    list_display = [
        TitleColumn("courier", label=gettext_lazy("Kurir"), url_name="wagtailsnippets_shop_shippingrate:edit"),
        Column("service", label=gettext_lazy("Layanan")),
        Column("area", label=gettext_lazy("Wilayah"), accessor=rate_area),
        RupiahColumn("cost", label=gettext_lazy("Biaya per kg"), sort_key="cost"),
        Column("etd", label=gettext_lazy("Estimasi")),
        BooleanColumn("is_active", label=gettext_lazy("Aktif"), sort_key="is_active"),
        Column("sort_order", label=gettext_lazy("Urutan"), sort_key="sort_order"),
    ]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("courier"), FieldPanel("service")]),
            FieldRowPanel([FieldPanel("cost"), FieldPanel("etd")]),
            MultiFieldPanel(
                [FieldRowPanel([FieldPanel("province"), FieldPanel("island_group")])],
                heading=gettext_lazy("Wilayah"),
                help_text=gettext_lazy(
                    "Untuk tiap kurir dan layanan, checkout memakai tarif provinsi tujuan bila ada, lalu tarif "
                    "pulaunya, lalu tarif tanpa wilayah."
                ),
            ),
            FieldRowPanel([FieldPanel("is_active"), FieldPanel("sort_order")]),
        ],
        base_form_class=ShippingRateForm,
    )

    def get_queryset(self, request):
        return ShippingRate.objects.select_related("province")


class ShippingRuleViewSet(SnippetViewSet):
    model = ShippingRule
    icon = "tag"
    menu_label = gettext_lazy("Gratis Ongkir")
    menu_name = "shipping-rules"
    search_fields = ["name", "couriers"]
    search_backend_name = None
    list_filter = ["island_group", "is_active"]
    list_display = [
        TitleColumn("name", label=gettext_lazy("Nama"), url_name="wagtailsnippets_shop_shippingrule:edit"),
        Column("conditions", label=gettext_lazy("Syarat"), accessor=rule_conditions),
        Column("discount", label=gettext_lazy("Potongan"), accessor=rule_discount),
        BooleanColumn("is_active", label=gettext_lazy("Aktif"), sort_key="is_active"),
        Column("sort_order", label=gettext_lazy("Urutan"), sort_key="sort_order"),
    ]
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldRowPanel([FieldPanel("min_subtotal"), FieldPanel("max_discount")]),
            MultiFieldPanel(
                [FieldPanel("island_group"), FieldPanel("provinces", widget=forms.CheckboxSelectMultiple)],
                heading=gettext_lazy("Wilayah tujuan"),
                help_text=gettext_lazy(
                    "Berlaku ke pulau dan provinsi yang dipilih (mis. Jawa ditambah Bali). Kosongkan keduanya "
                    "agar berlaku ke semua wilayah."
                ),
            ),
            FieldPanel("couriers"),
            FieldRowPanel([FieldPanel("is_active"), FieldPanel("sort_order")]),
        ],
        base_form_class=ShippingRuleForm,
    )

    def get_queryset(self, request):
        return ShippingRule.objects.prefetch_related("provinces")


class ShippingViewSetGroup(SnippetViewSetGroup):
    items = (ShippingRateViewSet, ShippingRuleViewSet)
    menu_icon = "site"
    menu_label = gettext_lazy("Pengiriman")
    menu_name = "shipping"
    menu_order = 400
