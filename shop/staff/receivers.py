"""Staff roles' reaction to `migrate` (connected by ShopConfig.ready)."""

from django.apps import apps as global_apps
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from shop.staff.roles import sync_roles


@receiver(post_migrate)
def give_roles_the_permissions_of_new_models(sender, app_config, apps=global_apps, **kwargs):
    # The roles migration ran before later models (shipping rates, payment settings …) existed,
    # so the Admin group would never get their permissions. Only with migrate's historical
    # registry: sync_roles toggles models_module on the app configs it is given.
    if app_config.label != "shop" or apps is global_apps:
        return
    sync_roles(apps)
