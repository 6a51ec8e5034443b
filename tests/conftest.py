import pytest

from shop.staff import roles
from tests import factories, helpers

PASSWORD = "rahasia-123"  # every account below signs in with it


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


@pytest.fixture
def fast_passwords(settings):
    """Quick users (the default hasher is slow on purpose): a module asks for it with
    `pytestmark = [..., pytest.mark.usefixtures("fast_passwords")]`, for every one of its tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sync_tasks(monkeypatch):
    """django-q2's sync mode: async_task runs the task at once, in this process."""
    from django_q.conf import Conf

    # django-q2 reads Q_CLUSTER["sync"] once, at import, into Conf.SYNC.
    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def importer(client, admin_user):
    """A client signed in as the owner, who may import products."""
    return helpers.signed_in(admin_user, client)


@pytest.fixture
def buyer(db):
    return helpers.user("pembeli@example.com", password=PASSWORD)


@pytest.fixture
def other_buyer(db):
    return helpers.user("pembeli2@example.com", password=PASSWORD)


@pytest.fixture
def admin_user(db):
    return helpers.user("admin@example.com", roles.ADMIN, password=PASSWORD)


@pytest.fixture
def cs1_user(db):
    return helpers.user("cs1@example.com", roles.CS_LAYER_1, password=PASSWORD)


@pytest.fixture
def cs2_user(db):
    return helpers.user("cs2@example.com", roles.CS_LAYER_2, password=PASSWORD)


# --- Pesanan Saya (tests/orders/test_buyer_pages.py, tests/payments/test_proofs.py) -------------


@pytest.fixture
def order(buyer, product):
    """The buyer's order of 2 `product`, not paid yet."""
    return factories.order(buyer, (product, 2))


@pytest.fixture
def signed_in(client, buyer):
    """The test client, signed in as the buyer."""
    return helpers.signed_in(buyer, client)


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
