"""The actions on an order at a desk: each a GET page that asks for confirmation and what the
service needs, and a POST that calls one service of shop.orders.services."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from shop.inventory.models import StockMovement
from shop.orders.errors import InsufficientStock, OrderError
from shop.orders.models import Order
from shop.orders.policy import ACTIONS, may
from shop.orders.services.cancelling import cancel_order
from shop.orders.services.fulfilment import complete_order, ship_order
from shop.orders.services.payment import confirm_payment, reject_payment
from shop.shipping import tracking
from shop.shipping.couriers import courier_choices, courier_code_for, courier_name

from .base import OrderDeskMixin


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Alasan"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class RejectForm(ReasonForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = _("Pembeli melihat alasan ini dan dapat mengunggah bukti baru.")


class CancelForm(ReasonForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = _("Tercatat di riwayat pesanan dan terlihat oleh pembeli.")


class ShipForm(forms.Form):
    courier = forms.ChoiceField(label=gettext_lazy("Kurir"), choices=courier_choices)
    tracking_number = forms.CharField(label=gettext_lazy("Nomor resi"), max_length=64)
    # Shown once BinderByte did not know the number: CS may still ship with it, because a courier
    # that has not scanned the parcel yet does not know it either. The confirmation holds for the
    # courier and number it was given for, not for one typed afterwards.
    ship_anyway = forms.BooleanField(
        label=gettext_lazy("Nomor resi sudah benar, tetap kirim"), required=False, widget=forms.HiddenInput
    )
    warned_for = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_tracking_number(self):
        # Resi are read off a sticker or a courier app: spaces and lower case are typing, not data.
        number = "".join(self.cleaned_data["tracking_number"].split()).upper()
        if not number:
            raise forms.ValidationError(_("Isi nomor resi."))
        return number

    def clean(self):
        cleaned = super().clean()
        courier, number = cleaned.get("courier"), cleaned.get("tracking_number")
        if not courier or not number:
            return cleaned
        checked = f"{courier}:{number}"
        if cleaned.get("ship_anyway") and cleaned.get("warned_for") == checked:
            return cleaned
        report = tracking.check_number(courier, number)
        if report is not None and report.failure == tracking.INVALID:
            data = self.data.copy()
            # Shown again as it was read, with the confirmation tied to exactly that number.
            data.update({"tracking_number": number, "warned_for": checked, "ship_anyway": ""})
            self.data = data
            self.fields["ship_anyway"].widget = forms.CheckboxInput()
            raise forms.ValidationError(
                _(
                    "BinderByte belum mengenal resi %(number)s untuk %(courier)s. Periksa nomor dan kurirnya. "
                    "Bila sudah benar (kurir belum memindai paketnya), centang “Nomor resi sudah benar, tetap "
                    "kirim” lalu kirim lagi."
                )
                % {"number": number, "courier": courier_name(courier)},
                code="unknown_tracking_number",
            )
        return cleaned


class OrderActionView(OrderDeskMixin, WagtailAdminTemplateMixin, TemplateView):
    """GET shows what will happen and asks for what the service needs; only a POST changes the order."""

    action_name = None
    form_class = None
    template_name = "shop/admin/orders/action.html"
    http_method_names = ["get", "post"]
    header_icon = "clipboard-list"

    @cached_property
    def action(self):
        return ACTIONS[self.action_name]

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.order = get_object_or_404(Order.objects.select_related("user"), pk=kwargs["pk"])

    def dispatch(self, request, *args, **kwargs):
        # The desk first (PermissionCheckedMixin), then the action's own permission: a user who could
        # never do this action is refused outright, whatever the order's status.
        if not self.user_has_permission("view") or not request.user.has_perm(self.action.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return str(self.action.label)

    def get_page_subtitle(self):
        return self.order.number

    def get_breadcrumbs_items(self):
        return self.desk_breadcrumbs(self.order, str(self.action.label))

    def get_form(self, data=None):
        return self.form_class(data) if self.form_class else None

    def get(self, request, *args, **kwargs):
        if not self.holds(self.order):
            return self.not_held(self.order)
        if not may(request.user, self.action, self.order):
            messages.warning(request, self.refusal_message())
            return self.back_to_order()
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        if not self.holds(self.order):
            # Most often a second click: the first one already moved the order on to the next desk.
            return self.not_held(self.order)
        form = self.get_form(request.POST)
        if form is not None and not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        status_before = self.order.status
        try:
            self.perform(form.cleaned_data if form is not None else {})
        except InsufficientStock as error:
            messages.error(
                request,
                _(
                    "Pembayaran %(number)s belum dapat dikonfirmasi. %(error)s Pesanan ditandai perlu perhatian: "
                    "tambah stok lalu konfirmasi lagi, atau batalkan dan kembalikan dana pembeli."
                )
                % {"number": self.order.number, "error": error},
            )
            return self.back_to_order()
        except OrderError as error:
            messages.error(request, str(error))
            return self.back_to_order()
        if self.order.status == status_before:
            messages.info(request, self.repeat_message())
        else:
            messages.success(request, self.success_message())
        return self.after_action()

    def perform(self, data):
        raise NotImplementedError

    def success_message(self):
        return _("Pesanan %(number)s sekarang %(status)s.") % {
            "number": self.order.number,
            "status": self.order.get_status_display(),
        }

    def repeat_message(self):
        return _("Pesanan %(number)s sudah %(status)s; tidak ada yang diubah.") % {
            "number": self.order.number,
            "status": self.order.get_status_display(),
        }

    def refusal_message(self):
        return _("Pesanan %(number)s berstatus %(status)s: “%(action)s” tidak tersedia untuk Anda.") % {
            "number": self.order.number,
            "status": self.order.get_status_display(),
            "action": self.action.label,
        }

    def back_to_order(self):
        self.order.refresh_from_db()
        if self.holds(self.order):
            return redirect(self.order_url(self.order))
        return redirect(self.desk_url("index"))

    def after_action(self):
        if self.stay_on_order:
            return redirect(self.order_url(self.order))
        # A queue: the order has moved on, and CS moves on to the next one.
        return redirect(self.desk_url("index"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "order": self.order,
                "action": self.action,
                "action_url": self.desk_url(self.action.name, self.order.pk),
                "order_url": self.order_url(self.order),
                "lines": self.order.lines.select_related("product", "variant").order_by("pk"),
            }
        )
        return context


class ConfirmPaymentView(OrderActionView):
    action_name = "confirm"

    def perform(self, data):
        confirm_payment(self.order, self.request.user)

    def success_message(self):
        return _(
            "Pembayaran %(number)s dikonfirmasi; stok sudah dikurangi dan pesanan diteruskan ke Pemrosesan Pesanan."
        ) % {"number": self.order.number}

    def repeat_message(self):
        return _("Pembayaran %(number)s sudah dikonfirmasi sebelumnya; stok tidak dikurangi lagi.") % {
            "number": self.order.number
        }


class RejectPaymentView(OrderActionView):
    action_name = "reject"
    form_class = RejectForm

    def perform(self, data):
        reject_payment(self.order, self.request.user, data["reason"])

    def success_message(self):
        return _("Bukti pembayaran %(number)s ditolak; pembeli dapat mengunggah bukti baru.") % {
            "number": self.order.number
        }


class CancelOrderView(OrderActionView):
    action_name = "cancel"
    form_class = CancelForm

    def perform(self, data):
        # The service applies the desk's cancel rule under the order's lock (shop.orders.policy).
        cancel_order(self.order, self.request.user, data["reason"])

    def success_message(self):
        if self.order.stock_movements.filter(reason=StockMovement.Reason.CANCELLATION).exists():
            return _("Pesanan %(number)s dibatalkan dan stoknya dikembalikan.") % {"number": self.order.number}
        return _("Pesanan %(number)s dibatalkan.") % {"number": self.order.number}


class ShipOrderView(OrderActionView):
    action_name = "ship"
    form_class = ShipForm

    def get_form(self, data=None):
        initial = {"courier": courier_code_for(self.order.shipping_courier)}
        return ShipForm(data, initial=initial)

    def perform(self, data):
        ship_order(self.order, self.request.user, courier_name(data["courier"]), data["tracking_number"])

    def success_message(self):
        return _("Pesanan %(number)s dikirim dengan %(courier)s, resi %(tracking)s.") % {
            "number": self.order.number,
            "courier": self.order.courier,
            "tracking": self.order.tracking_number,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["print_urls"] = {
            "slip": self.desk_url("packing_slip", self.order.pk),
            "label_a6": self.desk_url("shipping_label", self.order.pk) + "?ukuran=a6",
        }
        return context


class CompleteOrderView(OrderActionView):
    action_name = "complete"

    def perform(self, data):
        complete_order(self.order, self.request.user)


ACTION_VIEWS = {
    "confirm": ConfirmPaymentView,
    "reject": RejectPaymentView,
    "cancel": CancelOrderView,
    "ship": ShipOrderView,
    "complete": CompleteOrderView,
}
