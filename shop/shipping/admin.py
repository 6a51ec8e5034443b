"""The owner's flat shipping rates in the Wagtail admin (checkout offers the active ones)."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.admin.ui.tables import BooleanColumn, Column, TitleColumn
from wagtail.snippets.views.snippets import SnippetViewSet

from shop.shipping.models import ShippingRate
from shop.staff.viewsets import RupiahColumn


class ShippingRateViewSet(SnippetViewSet):
    model = ShippingRate
    icon = "site"
    menu_label = _("Tarif Ongkir")
    menu_name = "shipping-rates"
    menu_order = 400
    add_to_admin_menu = True
    search_fields = ["courier", "service"]
    list_display = [
        TitleColumn("courier", label=_("Kurir"), url_name="wagtailsnippets_shop_shippingrate:edit"),
        Column("service", label=_("Layanan")),
        RupiahColumn("cost", label=_("Biaya per kg"), sort_key="cost"),
        Column("etd", label=_("Estimasi")),
        BooleanColumn("is_active", label=_("Aktif"), sort_key="is_active"),
        Column("sort_order", label=_("Urutan"), sort_key="sort_order"),
    ]
    panels = [
        FieldRowPanel([FieldPanel("courier"), FieldPanel("service")]),
        FieldRowPanel([FieldPanel("cost"), FieldPanel("etd")]),
        FieldRowPanel([FieldPanel("is_active"), FieldPanel("sort_order")]),
    ]
