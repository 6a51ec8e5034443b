"""The admin's menus for staff who are not the owner, and the screens behind what they hide.

CS Layer 1 and CS Layer 2 work the order desks and look products up. Wagtail's Reports,
Workflows, Documents and Help (its English guide to editing pages) belong to whoever edits the
storefront, so the menu leaves them out for everyone but the Admin group. Wagtail already
refuses most of those screens to users without page or document permissions; its "Riwayat
situs" report is the exception (any admin user may open it), so its two URLs are taken here,
before Wagtail's, and refused by the rule Wagtail uses for its menu item.
"""

from django.core.exceptions import PermissionDenied
from django.urls import path
from django.views.decorators.cache import never_cache
from wagtail import hooks
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.reports.audit_logging import LogEntriesView
from wagtail.models import Page
from wagtail.permissions import policy_registry

from shop.staff.roles import ADMIN

OWNER_ONLY_MENU_ITEMS = {"reports", "documents", "help"}
OWNER_ONLY_SETTINGS_ITEMS = {"workflows", "workflow-tasks"}


def is_store_admin(user):
    return user.is_superuser or user.groups.filter(name=ADMIN).exists()


@hooks.register("construct_main_menu")
def leave_out_cms_menus(request, menu_items):
    if not is_store_admin(request.user):
        menu_items[:] = [item for item in menu_items if item.name not in OWNER_ONLY_MENU_ITEMS]


@hooks.register("construct_settings_menu")
def leave_out_workflows(request, menu_items):
    if not is_store_admin(request.user):
        menu_items[:] = [item for item in menu_items if item.name not in OWNER_ONLY_SETTINGS_ITEMS]


def _for_page_editors(view):
    """Wagtail lists "Riwayat situs" only for those with a page they may explore: serve it only to them."""

    def guarded(request, *args, **kwargs):
        if policy_registry.get_by_type(Page).explorable_root_instance(request.user) is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    # require_admin_access turns the refusal into Wagtail's own "no permission" redirect.
    return never_cache(require_admin_access(guarded))


# Listed in tokoku/urls.py before Wagtail's admin URLs, which would otherwise answer first.
site_history_urls = [
    path("admin/reports/site-history/", _for_page_editors(LogEntriesView.as_view())),
    path("admin/reports/site-history/results/", _for_page_editors(LogEntriesView.as_view(results_only=True))),
]
