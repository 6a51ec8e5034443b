"""Storefront search in the Wagtail admin: the owner's synonyms."""

from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from .admin import AdminRolePolicy, SynonymViewSet
from .models import Synonym

register_permission_policy(Synonym, AdminRolePolicy(Synonym))
register_snippet(SynonymViewSet)
