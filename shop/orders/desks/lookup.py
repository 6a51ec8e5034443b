"""Cari pesanan: a read-only search over every order, for staff who may see orders (CS Layer 1 and 2).

An order leaves a CS queue once it is confirmed, shipped or cancelled, yet a buyer still calls about
it. This desk finds any order (number, buyer, email, phone as people write it, resi; status and
date filters) and shows it, and acts on none: it serves no action, printout or tracking-refresh
URL, so nothing posted through it can change an order. An order that is in the user's own queue
links there ("Buka di antrean"), where the queue's own checks decide what they may do.

Holders of Semua Pesanan (the Admin) have the same search with its actions: they do not see this
desk in the menu and its addresses send them there.
"""

import django_filters
from django import forms
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms.search import SearchForm
from wagtail.admin.ui.menus import MenuItem as DropdownItem
from wagtail.admin.ui.tables import Column, DateColumn

from shop.orders.models import Order
from shop.orders.status import OrderStatus
from shop.staff.viewsets import RupiahColumn

from .base import OrderDeskPolicy
from .listing import BuyerColumn, OrderIndexView, order_status_column
from .pages import OrderDetailView, order_record_context
from .printouts import PaymentProofFileView
from .queues import DESKS, OrderDeskViewSet, all_orders_desk


def own_queue(user, order):
    """The queue of `user`'s that holds `order` now, as {"label", "url"}; None when none does."""
    for desk in DESKS:
        if desk.desk_statuses is None or order.status not in desk.desk_statuses:
            continue
        if desk.desk_policy.user_has_permission(user, "view"):
            return {"label": desk.menu_label, "url": reverse(f"{desk.url_namespace}:inspect", args=[order.pk])}
    return None


class OrderLookupPolicy(OrderDeskPolicy):
    """Holders of the desk's permissions who do not already reach every order at Semua Pesanan."""

    def user_has_permission(self, user, action):
        return super().user_has_permission(user, action) and not all_orders_desk.desk_policy.user_has_permission(
            user, "view"
        )

    def users_with_any_permission(self, actions):
        return (
            super()
            .users_with_any_permission(actions)
            .exclude(pk__in=all_orders_desk.desk_policy.users_with_any_permission(actions).values("pk"))
        )


class OrderLookupMixin:
    """Sends whoever has Semua Pesanan to the same page there (with its actions), before the desk's
    own permission check would refuse them."""

    def dispatch(self, request, *args, **kwargs):
        if all_orders_desk.desk_policy.user_has_permission(request.user, "view"):
            url = reverse(f"{all_orders_desk.url_namespace}:{request.resolver_match.url_name}", kwargs=kwargs)
            query = request.GET.urlencode()
            return redirect(f"{url}?{query}" if query else url)
        return super().dispatch(request, *args, **kwargs)


class OrderLookupFilterSet(WagtailFilterSet):
    status = django_filters.MultipleChoiceFilter(
        label=gettext_lazy("Status"), choices=OrderStatus.choices, widget=forms.CheckboxSelectMultiple
    )
    created_at = django_filters.DateFromToRangeFilter(label=gettext_lazy("Tanggal pesan"), widget=DateRangePickerWidget)

    class Meta:
        model = Order
        fields = []


class OrderLookupIndexView(OrderLookupMixin, OrderIndexView):
    template_name = "shop/admin/orders/lookup/index.html"

    def get_search_form(self):
        # A search page first: say what CS may type.
        if not self.is_searchable:
            return None
        data = self.request.GET if self.search_kwarg in self.request.GET else None
        return SearchForm(data, placeholder=_("Nomor, nama, HP, resi"))

    def get_list_more_buttons(self, instance):
        # Only ways to look: the actions are at the queue that holds the order.
        buttons = [DropdownItem(_("Buka pesanan"), self.order_url(instance), icon_name="view", priority=10)]
        queue = own_queue(self.request.user, instance)
        if queue is not None:
            buttons.append(DropdownItem(_("Buka di antrean"), queue["url"], icon_name="tasks", priority=20))
        return buttons


class OrderLookupDetailView(OrderLookupMixin, OrderDetailView):
    template_name = "shop/admin/orders/lookup/detail.html"

    def get_order_context(self):
        return {
            **order_record_context(self.request.user, self.object, self),
            "actions": [],
            "can_print": False,
            "tracking_refresh_url": "",
            "own_queue": own_queue(self.request.user, self.object),
        }


class OrderLookupProofView(OrderLookupMixin, PaymentProofFileView):
    pass


class OrderLookupDesk(OrderDeskViewSet):
    name = "order_lookup"
    url_prefix = "cari-pesanan"
    menu_label = gettext_lazy("Cari pesanan")
    menu_name = "order-lookup"
    menu_icon = "search"
    # After the CS queues (10 and 20); the Admin, who never sees it, has Semua Pesanan at 30.
    menu_order = 25
    desk_permissions = ("shop.view_order",)
    ordering = ["-created_at", "-pk"]
    filterset_class = OrderLookupFilterSet
    index_view_class = OrderLookupIndexView
    inspect_view_class = OrderLookupDetailView
    list_display = [
        "number",
        DateColumn("created_at", label=gettext_lazy("Tanggal"), sort_key="created_at"),
        BuyerColumn("user", label=gettext_lazy("Pembeli")),
        order_status_column(),
        RupiahColumn("total", label=gettext_lazy("Total"), sort_key="total"),
        Column("tracking_number", label=gettext_lazy("Resi")),
    ]

    @cached_property
    def desk_policy(self):
        return OrderLookupPolicy(self.desk_permissions)

    def get_urlpatterns(self):
        # Looking only: no action, printout or tracking-refresh view, so no POST here reaches a service.
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<int:pk>/", self.inspect_view, name="inspect"),
            path("<int:pk>/bukti/<int:proof_id>/", self.construct_view(OrderLookupProofView), name="proof"),
        ]


order_lookup_desk = OrderLookupDesk()
