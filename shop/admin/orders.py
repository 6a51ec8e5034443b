"""Order screens shared by the staff desks (the queues in shop/admin/queues.py).

Who may do what to an order (`ACTIONS`, `may`), the order page, the actions (each a GET page
that asks for confirmation and a POST that calls one function of shop.services.orders), the
payment proof file and the printable packing slip and shipping labels.

Every view belongs to one desk (a viewset): the desk's policy decides who reaches it at all, its
statuses decide which orders it holds, and `may` decides each action from the user's
permissions and the order's status. Nothing here writes an order's status or stock.
"""

from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.views.generic import InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.permission_policies.base import BasePermissionPolicy

from home.models import StoreSettings
from shop.couriers import courier_choices, courier_code_for, courier_name
from shop.models import Order, OrderStatus, PaymentProof, StockMovement
from shop.proof_thumbnails import open_thumbnail
from shop.services import orders as order_services

UNPAID = (OrderStatus.PENDING_PAYMENT, OrderStatus.WAITING_VERIFICATION)
PRINTABLE = (OrderStatus.PROCESSED, OrderStatus.SHIPPED)


def verification_overdue_after():
    """How long a proof may wait for CS L1 before the queue marks it overdue."""
    return timedelta(hours=getattr(settings, "VERIFICATION_OVERDUE_HOURS", 4))


def shipping_overdue_after():
    """How long a paid order may wait for CS L2 before the queue marks it overdue."""
    return timedelta(hours=getattr(settings, "SHIPPING_OVERDUE_HOURS", 24))


# --- Who may do what ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderAction:
    name: str  # also the URL name of its view in every order desk
    label: str
    permission: str
    statuses: tuple
    style: str = ""  # Wagtail button classes for its link on the order page


ACTIONS = {
    action.name: action
    for action in (
        OrderAction(
            "confirm", gettext_lazy("Konfirmasi pembayaran"), "shop.confirm_payment", UNPAID
        ),
        OrderAction(
            "reject", gettext_lazy("Tolak bukti"), "shop.confirm_payment", (OrderStatus.WAITING_VERIFICATION,),
            "button-secondary",
        ),
        OrderAction("ship", gettext_lazy("Kirim"), "shop.ship_order", (OrderStatus.PROCESSED,)),
        OrderAction(
            "complete", gettext_lazy("Tandai selesai"), "shop.ship_order", (OrderStatus.SHIPPED,), "button-secondary"
        ),
        OrderAction(
            "cancel", gettext_lazy("Batalkan pesanan"), "shop.cancel_order", (*UNPAID, OrderStatus.PROCESSED),
            "button-secondary serious",
        ),
    )
}

# Cancelling belongs to the desk that holds the order: before payment CS L1's, after it CS L2's,
# because cancelling then puts stock back on the shelves CS L2 packs from.
CANCEL_DESK_PERMISSION = {
    OrderStatus.PENDING_PAYMENT: "shop.confirm_payment",
    OrderStatus.WAITING_VERIFICATION: "shop.confirm_payment",
    OrderStatus.PROCESSED: "shop.ship_order",
}


def may(user, action, order):
    """Whether `user` may do `action` (an OrderAction or its name) to `order` as it is now."""
    action = ACTIONS[action] if isinstance(action, str) else action
    if order.status not in action.statuses or not user.has_perm(action.permission):
        return False
    if action.name == "cancel":
        return user.has_perm(CANCEL_DESK_PERMISSION[order.status])
    return True


def actions_for(user, order):
    return [action for action in ACTIONS.values() if may(user, action, order)]


def may_print(user, order):
    return order.status in PRINTABLE and user.has_perm("shop.ship_order")


class OrderDeskPolicy(BasePermissionPolicy):
    """Who reaches one order desk: holders of every one of its Django permissions.

    Orders are made by checkout and changed by the services, so no desk ever adds, edits or
    deletes one: the only action a desk grants is "view".
    """

    def __init__(self, permissions):
        super().__init__(Order)
        self.permissions = tuple(permissions)

    def user_has_permission(self, user, action):
        return action == "view" and user.is_active and user.has_perms(self.permissions)

    def users_with_any_permission(self, actions):
        users = get_user_model().objects.filter(is_active=True)
        if "view" not in actions:
            return users.none()
        for name in self.permissions:
            app_label, codename = name.split(".")
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            users = users.filter(
                Q(is_superuser=True) | Q(groups__permissions__in=permission) | Q(user_permissions__in=permission)
            )
        return users.distinct()


# --- Shared by every view of a desk -------------------------------------------------------------


class OrderDeskMixin(PermissionCheckedMixin):
    """What a view knows about the desk (viewset) it belongs to; set by the viewset."""

    permission_required = "view"
    any_permission_required = None
    # Given by the viewset. Without one, a view refuses everyone (Wagtail's default would allow all).
    permission_policy = None
    url_namespace = None
    desk_label = ""
    # The statuses of the orders this desk holds; None for every order.
    desk_statuses = None
    # After an action: back to the order (the all-orders desk) or on to the next in the queue.
    stay_on_order = False

    def user_has_permission(self, permission):
        return self.permission_policy is not None and self.permission_policy.user_has_permission(
            self.request.user, permission
        )

    def user_has_any_permission(self, permissions):
        return any(self.user_has_permission(permission) for permission in permissions)

    def desk_url(self, name, *args):
        return reverse(f"{self.url_namespace}:{name}", args=args)

    def holds(self, order):
        return self.desk_statuses is None or order.status in self.desk_statuses

    def order_url(self, order):
        return self.desk_url("inspect", order.pk)

    def desk_breadcrumbs(self, order=None, label=""):
        items = [{"url": self.desk_url("index"), "label": self.desk_label}]
        if order is not None:
            items.append({"url": self.order_url(order) if label else "", "label": order.number})
        if label:
            items.append({"url": "", "label": label})
        return self.breadcrumbs_items + items

    def not_held(self, order):
        """An order that has left this desk (confirmed, shipped, cancelled by someone else): say so, go back."""
        messages.info(
            self.request,
            _("Pesanan %(number)s sudah tidak ada di %(desk)s (status sekarang: %(status)s).")
            % {"number": order.number, "desk": self.desk_label, "status": order.get_status_display()},
        )
        return redirect(self.desk_url("index"))


def order_page_context(user, order, view):
    """Everything the order page shows: lines with current stock, proofs, history, stock movements."""
    lines = list(order.lines.select_related("product").order_by("pk"))
    awaiting_stock = order.status in UNPAID
    for line in lines:
        line.current_stock = line.product.stock
        line.shortfall = max(0, line.quantity - line.product.stock) if awaiting_stock else 0
    proofs = list(order.payment_proofs.select_related("uploaded_by", "reviewed_by"))
    for proof in proofs:
        proof.url = view.desk_url("proof", order.pk, proof.pk)
    now = timezone.now()
    waiting_since = max((p.created_at for p in proofs if p.status == PaymentProof.Status.SUBMITTED), default=order.created_at)
    return {
        "order": order,
        "lines": lines,
        "shortfalls": [line for line in lines if line.shortfall],
        "proofs": proofs,
        "latest_proof": next((p for p in proofs if p.status == PaymentProof.Status.SUBMITTED), proofs[0] if proofs else None),
        "events": order.events.select_related("actor"),
        "movements": order.stock_movements.select_related("product", "actor").order_by("pk"),
        "actions": [(action, view.desk_url(action.name, order.pk)) for action in actions_for(user, order)],
        "can_print": may_print(user, order),
        "print_urls": {
            "slip": view.desk_url("packing_slip", order.pk),
            "label_a6": view.desk_url("shipping_label", order.pk) + "?ukuran=a6",
            "label_a4": view.desk_url("shipping_label", order.pk) + "?ukuran=a4",
        },
        "courier_display": courier_name(courier_code_for(order.courier)) if order.courier else "",
        "waiting_since": waiting_since,
        "verification_overdue": order.status == OrderStatus.WAITING_VERIFICATION
        and waiting_since < now - verification_overdue_after(),
        "shipping_overdue": order.status == OrderStatus.PROCESSED
        and (order.paid_at or order.created_at) < now - shipping_overdue_after(),
    }


# --- The order page -----------------------------------------------------------------------------


class OrderDetailView(OrderDeskMixin, InspectView):
    template_name = "shop/admin/orders/detail.html"
    fields = ["number"]

    def get_object(self, queryset=None):
        return get_object_or_404(Order.objects.select_related("user"), pk=self.pk)

    def get(self, request, *args, **kwargs):
        if not self.holds(self.object):
            return self.not_held(self.object)
        return super().get(request, *args, **kwargs)

    def get_page_title(self):
        return _("Pesanan %(number)s") % {"number": self.object.number}

    def get_page_subtitle(self):
        return self.object.get_status_display()

    def get_breadcrumbs_items(self):
        return self.desk_breadcrumbs(self.object)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(order_page_context(self.request.user, self.object, self))
        return context


# --- Actions ------------------------------------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Alasan"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


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

    def clean_tracking_number(self):
        # Resi are read off a sticker or a courier app: spaces and lower case are typing, not data.
        number = "".join(self.cleaned_data["tracking_number"].split()).upper()
        if not number:
            raise forms.ValidationError(_("Isi nomor resi."))
        return number


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
        except order_services.InsufficientStock as error:
            messages.error(
                request,
                _(
                    "Pembayaran %(number)s belum dapat dikonfirmasi. %(error)s Pesanan ditandai perlu perhatian: "
                    "tambah stok lalu konfirmasi lagi, atau batalkan dan kembalikan dana pembeli."
                )
                % {"number": self.order.number, "error": error},
            )
            return self.back_to_order()
        except order_services.OrderError as error:
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
                "lines": self.order.lines.select_related("product").order_by("pk"),
            }
        )
        return context


class ConfirmPaymentView(OrderActionView):
    action_name = "confirm"

    def perform(self, data):
        order_services.confirm_payment(self.order, self.request.user)

    def success_message(self):
        return _("Pembayaran %(number)s dikonfirmasi; stok sudah dikurangi dan pesanan diteruskan ke Pemrosesan Pesanan.") % {
            "number": self.order.number
        }

    def repeat_message(self):
        return _("Pembayaran %(number)s sudah dikonfirmasi sebelumnya; stok tidak dikurangi lagi.") % {
            "number": self.order.number
        }


class RejectPaymentView(OrderActionView):
    action_name = "reject"
    form_class = RejectForm

    def perform(self, data):
        order_services.reject_payment(self.order, self.request.user, data["reason"])

    def success_message(self):
        return _("Bukti pembayaran %(number)s ditolak; pembeli dapat mengunggah bukti baru.") % {
            "number": self.order.number
        }


class CancelOrderView(OrderActionView):
    action_name = "cancel"
    form_class = CancelForm

    def perform(self, data):
        with transaction.atomic():
            # Locked while deciding, so the order cannot move to another desk's stage in between.
            locked = Order.objects.select_for_update().get(pk=self.order.pk)
            if locked.status == OrderStatus.CANCELLED:
                self.order.refresh_from_db()
                return
            if not may(self.request.user, self.action, locked):
                raise order_services.OrderError(self.refusal_message_for(locked))
            order_services.cancel_order(self.order, self.request.user, data["reason"])

    def refusal_message_for(self, order):
        return _("Pesanan %(number)s sekarang berstatus %(status)s; Anda tidak dapat membatalkannya.") % {
            "number": order.number,
            "status": order.get_status_display(),
        }

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
        order_services.ship_order(
            self.order, self.request.user, courier_name(data["courier"]), data["tracking_number"]
        )

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
        order_services.complete_order(self.order, self.request.user)


ACTION_VIEWS = {
    "confirm": ConfirmPaymentView,
    "reject": RejectPaymentView,
    "cancel": CancelOrderView,
    "ship": ShipOrderView,
    "complete": CompleteOrderView,
}


# --- Proof file and printouts -------------------------------------------------------------------


class PaymentProofFileView(OrderDeskMixin, View):
    """Streams a proof from private storage to staff of a desk that holds its order."""

    def get(self, request, pk, proof_id):
        proof = get_object_or_404(PaymentProof.objects.select_related("order"), pk=proof_id, order_id=pk)
        if not self.holds(proof.order):
            raise Http404
        if request.GET.get("kecil") == "1" and proof.is_image:
            thumbnail = open_thumbnail(proof)
            if thumbnail is not None:
                response = FileResponse(thumbnail, content_type="image/jpeg")
                response["Cache-Control"] = "private, no-store"
                return response
        try:
            handle = proof.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        extension = proof.file.name.rsplit(".", 1)[-1]
        response = FileResponse(
            handle,
            content_type=proof.content_type,
            as_attachment=request.GET.get("unduh") == "1",
            filename=f"bukti-{proof.order.number}-{proof.pk}.{extension}",
        )
        response["Cache-Control"] = "private, no-store"
        return response


class PrintoutView(OrderDeskMixin, TemplateView):
    """A page made to be printed (packing slip, shipping label): no admin chrome, print CSS only."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.order = get_object_or_404(Order.objects.select_related("user"), pk=kwargs["pk"])

    def get(self, request, *args, **kwargs):
        if not self.holds(self.order):
            return self.not_held(self.order)
        if not may_print(request.user, self.order):
            raise PermissionDenied
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "order": self.order,
                "lines": self.order.lines.order_by("pk"),
                "item_count": sum(line.quantity for line in self.order.lines.all()),
                "store": StoreSettings.for_request(self.request),
                "courier_display": courier_name(courier_code_for(self.order.courier)) if self.order.courier else "",
                "order_url": self.order_url(self.order),
                "printed_at": timezone.now(),
            }
        )
        return context


class PackingSlipView(PrintoutView):
    template_name = "shop/admin/orders/packing_slip.html"


class ShippingLabelView(PrintoutView):
    template_name = "shop/admin/orders/shipping_label.html"
    SIZES = ("a6", "a4")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        size = self.request.GET.get("ukuran", "a6").lower()
        context["size"] = size if size in self.SIZES else "a6"
        return context
