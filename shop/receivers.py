"""Reactions to framework events: allauth's login, and the end of `migrate`."""

from allauth.account.signals import user_logged_in
from django.apps import apps as global_apps
from django.contrib import messages
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from shop.roles import sync_roles
from shop.services.cart import merge_session_cart


@receiver(user_logged_in)
def merge_cart_at_login(sender, request, user, **kwargs):
    # What a visitor put in the cart before logging in must still be there after.
    for note in merge_session_cart(request, user):
        messages.warning(request, note)


@receiver(post_migrate)
def give_roles_the_permissions_of_new_models(sender, app_config, apps=global_apps, **kwargs):
    # The roles migration ran before later models (shipping rates, payment settings …) existed,
    # so the Admin group would never get their permissions. Only with migrate's historical
    # registry: sync_roles toggles models_module on the app configs it is given.
    if app_config.label != "shop" or apps is global_apps:
        return
    sync_roles(apps)
