"""What every view of an order desk shares: who reaches the desk, and what it knows about itself.

A desk (a viewset in queues.py) holds the orders of some statuses and admits the holders of its
permissions; its pages and actions are the shared views of pages.py, actions.py and
printouts.py. Who may do what to an order is shop.orders.policy; nothing here writes an
order's status or stock.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.admin import messages
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.permission_policies.base import BasePermissionPolicy

from shop.orders.models import Order


def verification_overdue_after():
    """How long a proof may wait for CS L1 before the queue marks it overdue."""
    return timedelta(hours=settings.VERIFICATION_OVERDUE_HOURS)


def shipping_overdue_after():
    """How long a paid order may wait for CS L2 before the queue marks it overdue."""
    return timedelta(hours=settings.SHIPPING_OVERDUE_HOURS)


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
