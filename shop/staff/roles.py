"""The staff roles of seed 000 and what each may do. Applied by data migrations."""

from django.contrib.auth.management import create_permissions

ADMIN = "Admin"
CS_LAYER_1 = "CS Layer 1"
CS_LAYER_2 = "CS Layer 2"

_STAFF_BASE = [
    ("wagtailadmin", "admin", "access_admin"),
    ("shop", "order", "view_order"),
    ("shop", "product", "view_product"),
]

ROLE_PERMISSIONS = {
    # The Admin group holds every permission of the store and the CMS (see grant_everything).
    ADMIN: None,
    CS_LAYER_1: _STAFF_BASE + [("shop", "order", "confirm_payment"), ("shop", "order", "cancel_order")],
    CS_LAYER_2: _STAFF_BASE + [("shop", "order", "ship_order"), ("shop", "order", "cancel_order")],
}

# Apps whose permissions make up "all of the store and the CMS" for the Admin group.
ADMIN_APPS = [
    "shop",
    "home",
    "wagtailadmin",
    "wagtailcore",
    "wagtailimages",
    "wagtaildocs",
    "wagtailsnippets",
    "wagtailredirects",
    "wagtailforms",
    "wagtailsearch",
    "wagtailusers",
    "taggit",
    "auth",
    "django_q",
]
ADMIN_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "bulk_delete_page", "lock_page", "unlock_page"]
ADMIN_COLLECTION_PERMISSIONS = [
    ("wagtailimages", "image", ["add_image", "change_image", "choose_image", "delete_image"]),
    ("wagtaildocs", "document", ["add_document", "change_document", "choose_document", "delete_document"]),
]


def sync_roles(apps):
    """Create the groups and give each its permissions; safe to run again."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, permissions in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        if permissions is None:
            group.permissions.add(*Permission.objects.filter(content_type__app_label__in=ADMIN_APPS))
            _grant_page_and_collection_permissions(apps, group)
        else:
            for app_label, model, codename in permissions:
                permission = Permission.objects.filter(
                    content_type__app_label=app_label, content_type__model=model, codename=codename
                ).first()
                if permission is not None:
                    group.permissions.add(permission)


def _grant_page_and_collection_permissions(apps, group):
    Permission = apps.get_model("auth", "Permission")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    root_page = Page.objects.filter(depth=1).first()
    if root_page is not None:
        for codename in ADMIN_PAGE_PERMISSIONS:
            permission = Permission.objects.filter(content_type__app_label="wagtailcore", codename=codename).first()
            if permission is not None:
                GroupPagePermission.objects.get_or_create(group=group, page=root_page, permission=permission)
    root_collection = Collection.objects.filter(depth=1).first()
    if root_collection is not None:
        for app_label, _model, codenames in ADMIN_COLLECTION_PERMISSIONS:
            for permission in Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames):
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=root_collection, permission=permission
                )
