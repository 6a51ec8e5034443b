"""The language a buyer reads the shop in, remembered at checkout for what is sent later without a request.

Emails about an order are written by the outbox worker, long after the buyer's visit, so the
language of the storefront (the footer switcher's cookie) is kept on the account when an order is
placed: on Wagtail's user profile, whose `preferred_language` is the one language field an account
already has. A staff account is left alone there: that field is the language of their admin, chosen
in their Wagtail account, and their own orders' emails follow it.
"""

from django.conf import settings
from wagtail.users.models import UserProfile

ADMIN_ACCESS = "wagtailadmin.access_admin"


def supported(language):
    return language in {code for code, _name in settings.LANGUAGES}


def remember_buyer_language(user, language):
    """Keep `language` (a code of settings.LANGUAGES) as `user`'s for later emails; staff keep their own."""
    if not supported(language) or user.has_perm(ADMIN_ACCESS):
        return
    profile = UserProfile.get_for_user(user)
    if profile.preferred_language != language:
        profile.preferred_language = language
        profile.save(update_fields=["preferred_language"])


def buyer_language(user):
    """The language to write to `user` in: the one remembered at their last checkout, else the shop's."""
    language = UserProfile.objects.filter(user=user).values_list("preferred_language", flat=True).first()
    return language if supported(language) else settings.LANGUAGE_CODE
