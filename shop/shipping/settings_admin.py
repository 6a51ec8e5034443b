"""Settings > Pengaturan pengiriman, for the owner: where parcels leave from, which couriers Komerce
is asked about, and (read-only) whether Komerce is connected. The key lives in the environment only
and is never shown, not even masked: the page says whether it is set.

The origin is one of 7,285 districts, chosen in a searchable chooser (a modal listing "Kecamatan,
Kota, Provinsi") rather than a select no one could scroll.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList, Panel
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView, ChosenView
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.widgets.chooser import BaseChooser

from shop.shipping.live import courier_codes
from shop.shipping.models import District, KomerceDestination
from shop.shipping.region_data import search_name


def district_label(district):
    """A district as the owner picks it, "Ngaglik, Kabupaten Sleman, Daerah Istimewa Yogyakarta": names repeat."""
    return f"{district.name}, {district.city.name}, {district.city.province.name}"


def districts():
    return District.objects.select_related("city__province")


class DistrictSearchForm(forms.Form):
    """Every word must be in the district's, city's or province's name: "ngaglik", "depok sleman"."""

    # Named q: Wagtail's chooser modal searches as the owner types in the field of that name.
    q = forms.CharField(
        label=gettext_lazy("Cari kecamatan"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Nama kecamatan, kota atau provinsi")}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_searching = False
        self.is_filtering_by_collection = False
        self.search_query = None

    def filter(self, objects):
        query = search_name(self.cleaned_data.get("q") or "")
        if not query:
            return objects
        self.is_searching, self.search_query = True, self.cleaned_data["q"]
        for word in query.split():
            objects = objects.filter(
                Q(search_name__contains=word)
                | Q(city__search_name__contains=word)
                | Q(city__province__name__icontains=word)
            )
        # A district named exactly as typed comes first ("Depok" before "Depok, Kota Depok"'s villages).
        exact = Case(When(search_name=query, then=Value(0)), default=Value(1), output_field=IntegerField())
        return objects.order_by(exact, "search_name", "city__search_name")


class DistrictChooseMixin:
    filter_form_class = DistrictSearchForm
    per_page = 20

    def get_object_list(self):
        return districts()

    @property
    def columns(self):
        title = self.title_column
        title.label = _("Kecamatan")
        return [
            title,
            Column("city", label=_("Kota/Kabupaten"), accessor="city.name"),
            Column("province", label=_("Provinsi"), accessor="city.province.name"),
        ]


class DistrictChooseView(DistrictChooseMixin, ChooseView):
    pass


class DistrictChooseResultsView(DistrictChooseMixin, ChooseResultsView):
    pass


class DistrictChosenView(ChosenView):
    def get_object(self, pk):
        return districts().get(pk=pk)

    def get_display_title(self, instance):
        return district_label(instance)


class DistrictChooserWidget(BaseChooser):
    show_edit_link = False  # the region tables are reference data, edited by no one

    def get_instance(self, value):
        if isinstance(value, District) or value in (None, ""):
            return super().get_instance(value)
        return districts().filter(pk=value).first()

    def get_display_title(self, instance):
        return district_label(instance)


class DistrictChooserViewSet(ChooserViewSet):
    model = District
    icon = "site"
    choose_one_text = gettext_lazy("Pilih kecamatan")
    choose_another_text = gettext_lazy("Ganti kecamatan")
    page_title = gettext_lazy("Pilih kecamatan asal pengiriman")
    choose_view_class = DistrictChooseView
    choose_results_view_class = DistrictChooseResultsView
    chosen_view_class = DistrictChosenView
    base_widget_class = DistrictChooserWidget


district_chooser_viewset = DistrictChooserViewSet("shop_district_chooser", url_prefix="kecamatan")


def komerce_connection(shipping_settings):
    """What the settings page says of Komerce: whether the key is set, and what the origin became there."""
    origin = shipping_settings.origin_district_id
    known = KomerceDestination.objects.filter(region_code=origin).first() if origin else None
    return {
        "configured": bool(settings.KOMERCE_API_KEY),
        "origin_chosen": bool(origin),
        "origin_label": known.label if known and known.komerce_id else "",
        "origin_missing": bool(known and known.komerce_id is None),
    }


class KomerceConnectionPanel(Panel):
    """Read-only: the key comes from the environment, so it is never a form field."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "shop/admin/shipping/komerce_connection.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context.update(komerce_connection(self.instance))
            return context


class ShippingSettingsForm(WagtailAdminModelForm):
    def clean_couriers(self):
        text = self.cleaned_data.get("couriers", "")
        codes = courier_codes(text)
        # Anything but codes and separators is a typo Komerce would refuse the whole request for.
        if not codes or any(part.strip() and part.strip().lower() not in codes for part in text.split(":")):
            raise ValidationError(_("Tulis kode kurir Komerce dipisah titik dua, mis. jne:sicepat:jnt."))
        return ":".join(dict.fromkeys(part.strip().lower() for part in text.split(":") if part.strip()))


def shipping_settings_edit_handler():
    return ObjectList(
        [
            MultiFieldPanel(
                [
                    KomerceConnectionPanel(heading=gettext_lazy("Sambungan Komerce")),
                    FieldPanel("origin_district", widget=district_chooser_viewset.widget_class()),
                    FieldPanel("couriers"),
                ],
                heading=gettext_lazy("Cek ongkir Komerce"),
            ),
        ],
        base_form_class=ShippingSettingsForm,
    )
