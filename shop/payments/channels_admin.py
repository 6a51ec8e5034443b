"""Settings > Cara bayar TriPay: the channels TriPay lists, for the owner.

Names, fees, limits and whether a channel is active come from TriPay (refreshed by a schedule,
and here on demand); the owner ticks which to offer, and nothing else about them is edited, added
or deleted by hand.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton

from shop.core.money import format_rupiah
from shop.integrations.tripay import TripayError, TripayRefused, TripayUnavailable
from shop.payments.admin import offered_channel_count
from shop.payments.gateways import tripay
from shop.payments.models import PaymentChannel, PaymentSettings
from shop.staff.viewsets import ReadOnlyViewSetMixin

logger = logging.getLogger(__name__)

CHANNELS_PERMISSION = "shop.change_paymentchannel"


class ChannelColumn(Column):
    """TriPay's icon, the channel's name and its code."""

    cell_template_name = "shop/admin/payments/channel_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["channel"] = instance
        return context


def rupiah(amount):
    # "Rp" and its number stay on one line in a narrow column.
    return format_rupiah(amount).replace(" ", "\u00a0")


class FeeColumn(Column):
    """What the buyer pays on top: a flat part, a percentage, and TriPay's floor and cap when it has them."""

    def get_value(self, instance):
        parts = []
        if instance.fee_flat:
            parts.append(rupiah(instance.fee_flat))
        if instance.fee_percent:
            parts.append(f"{instance.fee_percent.normalize():f}%".replace(".", ","))
        if not parts:
            return _("Tanpa biaya")
        fee = " + ".join(parts)
        if instance.minimum_fee:
            fee += " " + _("(min. %(fee)s)") % {"fee": rupiah(instance.minimum_fee)}
        if instance.maximum_fee:
            fee += " " + _("(maks. %(fee)s)") % {"fee": rupiah(instance.maximum_fee)}
        return fee


class AmountLimitsColumn(Column):
    def get_value(self, instance):
        low, high = instance.minimum_amount, instance.maximum_amount
        if low and high:
            return f"{rupiah(low)} – {rupiah(high)}"
        if low:
            return _("mulai %(amount)s") % {"amount": rupiah(low)}
        if high:
            return _("sampai %(amount)s") % {"amount": rupiah(high)}
        return _("Tanpa batas")


class OfferedColumn(Column):
    """The owner's tick; the form around the listing saves every row shown at once."""

    cell_template_name = "shop/admin/payments/offered_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["channel"] = instance
        context["can_change"] = context["request"].user.has_perm(CHANNELS_PERMISSION)
        return context


class ChannelIndexView(IndexView):
    template_name = "shop/admin/payments/channels.html"

    @cached_property
    def can_change_channels(self):
        return self.request.user.has_perm(CHANNELS_PERMISSION)

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.can_change_channels:
            buttons.append(
                HeaderButton(_("Perbarui dari TriPay"), url=reverse("shop_tripay_channels:refresh"), icon_name="rotate")
            )
        return buttons

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            can_change_channels=self.can_change_channels,
            save_url=reverse("shop_tripay_channels:save"),
            tripay_ready=tripay.client() is not None,
            simulating=tripay.simulating(),
            settings_url=reverse("wagtailsettings:edit", args=["shop", "paymentsettings"]),
            tripay_enabled=PaymentSettings.load().tripay_enabled,
            **kwargs,
        )


class ChannelsPermissionMixin:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(CHANNELS_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def listed_ids(values):
    return {int(value) for value in values if value.isdigit()}


class SaveOfferedView(ChannelsPermissionMixin, TemplateView):
    """POST only: which of the channels on the screen the owner offers, ticked or not."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        shown = listed_ids(request.POST.getlist("listed"))
        ticked = listed_ids(request.POST.getlist("offered")) & shown
        with transaction.atomic():
            switched_on = PaymentChannel.objects.filter(pk__in=ticked, offered=False).update(offered=True)
            switched_off = PaymentChannel.objects.filter(pk__in=shown - ticked, offered=True).update(offered=False)
            offered = offered_channel_count()
            if not offered and not PaymentSettings.load().bank_transfer_enabled:
                transaction.set_rollback(True)
                messages.error(
                    request,
                    _(
                        "Transfer bank manual sedang mati, jadi setidaknya satu cara bayar TriPay yang aktif harus "
                        "ditawarkan. Tidak ada yang diubah."
                    ),
                )
                return redirect("shop_tripay_channels:index")
        if switched_on or switched_off:
            logger.info(
                "%s changed the TriPay channels offered: %d on, %d off", request.user, switched_on, switched_off
            )
        messages.success(
            request,
            _("Pilihan disimpan: %(count)s cara bayar aktif ditawarkan kepada pembeli.") % {"count": offered},
        )
        return redirect("shop_tripay_channels:index")


class RefreshChannelsView(ChannelsPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    """GET: what refreshing does. POST: ask TriPay for its channels; on failure nothing changes."""

    template_name = "shop/admin/payments/refresh_channels.html"
    page_title = gettext_lazy("Perbarui cara bayar dari TriPay")
    header_icon = "rotate"
    http_method_names = ["get", "post"]

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("shop_tripay_channels:index"), "label": _("Cara bayar TriPay")},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            tripay_ready=tripay.client() is not None,
            simulating=tripay.simulating(),
            sandbox=settings.TRIPAY_SANDBOX,
            index_url=reverse("shop_tripay_channels:index"),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if tripay.client() is None:
            messages.error(request, _("TriPay belum terpasang: isi kunci TriPay di .env lalu mulai ulang toko."))
            return redirect("shop_tripay_channels:index")
        try:
            count = tripay.refresh_channels()
        except TripayRefused as refusal:
            logger.warning("TriPay refused the owner's channel refresh: %s", refusal)
            messages.error(
                request,
                _(
                    "TriPay menolak permintaan: “%(reason)s”. Periksa kunci API dan mode (sandbox/produksi) di .env. "
                    "Daftar cara bayar tidak berubah."
                )
                % {"reason": refusal.message},
            )
        except TripayUnavailable:
            logger.warning("TriPay could not be reached for the owner's channel refresh", exc_info=True)
            messages.error(
                request,
                _("TriPay tidak bisa dihubungi saat ini. Daftar cara bayar tidak berubah; coba lagi sebentar lagi."),
            )
        except TripayError:
            logger.exception("TriPay's channel list could not be read")
            messages.error(request, _("Jawaban TriPay tidak bisa dibaca. Daftar cara bayar tidak berubah."))
        else:
            messages.success(
                request,
                _("TriPay mengirim %(count)s cara bayar; %(active)s aktif dan ditawarkan kepada pembeli.")
                % {"count": count, "active": offered_channel_count()},
            )
        return redirect("shop_tripay_channels:index")


class PaymentChannelViewSet(ReadOnlyViewSetMixin, ModelViewSet):
    model = PaymentChannel
    icon = "list-ul"
    menu_label = gettext_lazy("Cara bayar TriPay")
    menu_name = "tripay-channels"
    name = "shop_tripay_channels"
    url_prefix = "cara-bayar-tripay"
    add_to_settings_menu = True
    inspect_view_enabled = False
    copy_view_enabled = False
    index_view_class = ChannelIndexView
    list_per_page = 100
    ordering = ["group", "name"]
    # The tick comes first: on a phone the table scrolls sideways, and it is what the owner comes for.
    list_display = [
        OfferedColumn("offered", label=gettext_lazy("Tawarkan")),
        ChannelColumn("name", label=gettext_lazy("Cara bayar"), sort_key="name"),
        Column("group", label=gettext_lazy("Kelompok"), accessor="group_label", sort_key="group"),
        FeeColumn("fee_flat", label=gettext_lazy("Biaya pembeli")),
        AmountLimitsColumn("minimum_amount", label=gettext_lazy("Jumlah per pesanan")),
        StatusTagColumn(
            "active",
            label=gettext_lazy("Di TriPay"),
            accessor=lambda channel: _("Aktif") if channel.active else _("Tidak aktif"),
            primary=lambda channel: channel.active,
        ),
        DateColumn("updated_at", label=gettext_lazy("Diperbarui")),
    ]

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("simpan/", SaveOfferedView.as_view(), name="save"),
            path("perbarui/", RefreshChannelsView.as_view(), name="refresh"),
        ]


payment_channels_viewset = PaymentChannelViewSet()
