"""Synonyms in the Wagtail admin (Pengaturan toko > Sinonim pencarian): for the Admin role only."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, HelpPanel
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.snippets.views.snippets import SnippetViewSet

from shop.staff.roles import ADMIN

from .models import Synonym


class AdminRolePolicy(BasePermissionPolicy):
    """Every action for superusers and the Admin group, nothing for anyone else (CS staff included).

    The Admin group's permissions come from its app list (shop/staff/roles.py), which this app is not
    in; asking for the role itself keeps synonyms the owner's without another data migration.
    """

    def user_has_permission(self, user, action):
        if not (user.is_active and user.is_authenticated):
            return False
        return user.is_superuser or user.groups.filter(name=ADMIN).exists()

    def users_with_any_permission(self, actions):
        return (
            get_user_model()
            .objects.filter(is_active=True)
            .filter(Q(is_superuser=True) | Q(groups__name=ADMIN))
            .distinct()
        )


class SynonymViewSet(SnippetViewSet):
    model = Synonym
    icon = "search"
    menu_label = _("Sinonim pencarian")
    add_to_admin_menu = True
    menu_order = 900
    list_display = ["__str__", "updated_at"]
    search_fields = ["words"]
    search_backend_name = None
    panels = [
        HelpPanel(
            content=_(
                "Kata-kata dalam satu baris dianggap sama oleh pencarian toko: pembeli yang mencari "
                "“sambel” juga menemukan produk bernama “Sambal”."
            )
        ),
        FieldPanel("words"),
    ]
