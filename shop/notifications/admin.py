"""The notification outbox in the Wagtail admin (Settings > Notifikasi), for the owner.

Read-only: every row is written by an order change and sent by the worker, one row per message
and channel (email, WhatsApp, PostHog). What the owner can do is see what was sent and what failed on
which channel (wrong SMTP password, WhatsApp token expired), and once that is fixed, have the
given-up messages sent again.
"""

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton

from shop.notifications import outbox as notifications
from shop.notifications.models import Notification
from shop.staff.viewsets import ReadOnlyViewSetMixin

RETRY_PERMISSION = "shop.change_notification"

STATES = {
    "waiting": (
        gettext_lazy("Menunggu dikirim"),
        Q(sent_at__isnull=True, skipped=False, attempts__lt=notifications.MAX_ATTEMPTS),
    ),
    "failed": (
        gettext_lazy("Gagal (berhenti dicoba)"),
        Q(sent_at__isnull=True, skipped=False, attempts__gte=notifications.MAX_ATTEMPTS),
    ),
    "sent": (gettext_lazy("Terkirim"), Q(sent_at__isnull=False)),
    "skipped": (gettext_lazy("Tidak dikirim (tanpa tujuan)"), Q(skipped=True)),
}


def given_up():
    return Notification.objects.filter(STATES["failed"][1])


def state_of(notification):
    if notification.sent_at:
        return STATES["sent"][0]
    if notification.skipped:
        return STATES["skipped"][0]
    if notification.attempts >= notifications.MAX_ATTEMPTS:
        return STATES["failed"][0]
    return STATES["waiting"][0]


class NotificationFilterSet(WagtailFilterSet):
    state = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"),
        choices=[(key, label) for key, (label, _condition) in STATES.items()],
        method="filter_state",
    )
    kind = django_filters.ChoiceFilter(label=gettext_lazy("Jenis"), choices=Notification.Kind.choices)
    channel = django_filters.ChoiceFilter(label=gettext_lazy("Saluran"), choices=Notification.Channel.choices)

    class Meta:
        model = Notification
        fields = []

    def filter_state(self, queryset, name, value):
        return queryset.filter(STATES[value][1])


class StateColumn(Column):
    def get_value(self, instance):
        return state_of(instance)


class NotificationIndexView(IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("order")

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm(RETRY_PERMISSION) and given_up().exists():
            buttons.append(
                HeaderButton(_("Kirim ulang yang gagal"), url=reverse("shop_notifications:retry"), icon_name="redirect")
            )
        return buttons


class RetryView(WagtailAdminTemplateMixin, TemplateView):
    """GET: how many would be sent again. POST: send them again, from the first attempt."""

    template_name = "shop/admin/notifications/retry.html"
    page_title = gettext_lazy("Kirim ulang notifikasi yang gagal")
    header_icon = "mail"
    http_method_names = ["get", "post"]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(RETRY_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("shop_notifications:index"), "label": _("Notifikasi")},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            failed=given_up().count(), index_url=reverse("shop_notifications:index"), **kwargs
        )

    def post(self, request, *args, **kwargs):
        count = given_up().update(attempts=0)
        if count:
            notifications.kick()
            messages.success(request, _("%(count)s notifikasi akan dikirim ulang.") % {"count": count})
        else:
            messages.info(request, _("Tidak ada notifikasi gagal."))
        return redirect("shop_notifications:index")


class NotificationViewSet(ReadOnlyViewSetMixin, ModelViewSet):
    model = Notification
    icon = "mail"
    menu_label = gettext_lazy("Notifikasi")
    menu_name = "notifications"
    name = "shop_notifications"
    url_prefix = "notifikasi"
    add_to_settings_menu = True
    inspect_view_enabled = False
    copy_view_enabled = False
    index_view_class = NotificationIndexView
    filterset_class = NotificationFilterSet
    search_fields = ["order__number", "last_error"]
    search_backend_name = None
    list_per_page = 50
    ordering = ["-pk"]
    list_display = [
        TitleColumn(
            "order", label=gettext_lazy("Pesanan"), get_url=lambda n: reverse("all_orders:inspect", args=[n.order_id])
        ),
        Column("kind", label=gettext_lazy("Jenis"), accessor="get_kind_display"),
        Column("channel", label=gettext_lazy("Saluran"), accessor="get_channel_display"),
        DateColumn("created_at", label=gettext_lazy("Dibuat"), sort_key="created_at"),
        StateColumn("state", label=gettext_lazy("Status")),
        DateColumn("sent_at", label=gettext_lazy("Terkirim"), sort_key="sent_at"),
        Column("attempts", label=gettext_lazy("Percobaan")),
        Column("last_error", label=gettext_lazy("Galat terakhir")),
    ]

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("kirim-ulang/", RetryView.as_view(), name="retry"),
        ]


notifications_viewset = NotificationViewSet()
