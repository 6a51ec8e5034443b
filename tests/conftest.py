import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from shop.staff import roles
from tests import factories


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private_media"


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def catalog_page(db):
    return factories.catalog_page()


@pytest.fixture
def category(db):
    return factories.category()


@pytest.fixture
def product(db, category):
    return factories.product(category=category, stock=10)


def _user_in(group_name, email):
    user = get_user_model().objects.create_user(username=email, email=email, password="rahasia-123")
    if group_name:
        user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def importer(client, admin_user):
    """A client signed in as the owner, who may import products."""
    client.force_login(admin_user)
    return client


@pytest.fixture
def buyer(db):
    return _user_in(None, "pembeli@example.com")


@pytest.fixture
def other_buyer(db):
    return _user_in(None, "pembeli2@example.com")


@pytest.fixture
def admin_user(db):
    return _user_in(roles.ADMIN, "admin@example.com")


@pytest.fixture
def cs1_user(db):
    return _user_in(roles.CS_LAYER_1, "cs1@example.com")


@pytest.fixture
def cs2_user(db):
    return _user_in(roles.CS_LAYER_2, "cs2@example.com")


def pytest_collection_modifyitems(config, items):
    """Tests that need a server database say why they were skipped on the one at hand."""
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    needs = {
        "concurrency": (engine.endswith("sqlite3"), "SQLite has no row locks; runs on PostgreSQL and MariaDB"),
        "postgres": (not engine.endswith("postgresql"), "needs PostgreSQL (set DATABASE_URL)"),
    }
    for item in items:
        for marker, (skip, reason) in needs.items():
            if skip and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))
