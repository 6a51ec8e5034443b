import ipaddress
import socket
from urllib.parse import urlsplit

import pytest

from shop.payments.gateways import tripay
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


# --- Issue 11: tests never reach the network; full-text tests commit where the database needs it ---
#
# A test may have real WhatsApp, TriPay or Komerce keys in its settings; a missing `responses`
# mock must then fail the test, never send a request. Loopback, Unix sockets and the database,
# cache and search servers the settings name stay reachable. Chromium is a process of its own:
# its flags (tests/browser/conftest.py) keep it quiet, not this guard.


class NetworkBlocked(ConnectionRefusedError):
    """A test tried to reach a host outside this machine."""


def _ip(host):
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _url_host(value):
    return urlsplit(value).hostname if "://" in value else value


def _service_hosts():
    """The hosts of the servers the settings point the suite at: databases, cache, task broker, search."""
    from django.conf import settings

    hosts = [database.get("HOST") or "" for database in settings.DATABASES.values()]
    for cache in settings.CACHES.values():
        locations = cache.get("LOCATION") or ""
        hosts += [_url_host(location) for location in ([locations] if isinstance(locations, str) else locations)]
    redis = getattr(settings, "Q_CLUSTER", {}).get("redis")
    hosts.append(_url_host(redis) if isinstance(redis, str) else (redis or {}).get("host", ""))
    hosts += [_url_host(backend.get("URL") or "") for backend in settings.WAGTAILSEARCH_BACKENDS.values()]
    return {host for host in hosts if host}


class NetworkGuard:
    """Refuses lookups and connections that would leave this machine, and keeps each refusal, so that
    one swallowed by the code under test (an outbox that retries later) still fails the test."""

    def __init__(self, service_hosts):
        # Addresses of the named servers join as they are looked up.
        self.allowed = set(service_hosts)
        self.refused = []

    def is_local(self, host):
        ip = _ip(host)
        if ip is None:
            return host == "localhost" or host.endswith(".localhost") or host in self.allowed
        # Python 3.11 does not call ::ffff:127.0.0.1 loopback; Linux routes 0.0.0.0 to this machine.
        ip = getattr(ip, "ipv4_mapped", None) or ip
        return ip.is_loopback or ip.is_unspecified or host in self.allowed

    def refuse(self, host, port):
        self.refused.append(f"{host}:{port}")
        raise NetworkBlocked(
            f"Tests never reach the network: refused {host}:{port}. Fake the outside service "
            "(the `responses` library, as in tests/search/test_meilisearch.py)."
        )

    def take(self):
        """The refusals so far, forgotten: a test that expects a refusal takes it."""
        refused, self.refused = self.refused, []
        return refused

    def guarded_getaddrinfo(self, real):
        def getaddrinfo(host, port, *args, **kwargs):
            name = host.decode() if isinstance(host, bytes) else host
            # An address needs no lookup: connect() judges it. A name is judged here, before any DNS query.
            if name is not None and _ip(name) is None and not self.is_local(name):
                self.refuse(name, port)
            results = real(host, port, *args, **kwargs)
            if name in self.allowed:
                self.allowed.update(str(sockaddr[0]) for *_rest, sockaddr in results)
            return results

        return getaddrinfo

    def guarded_connect(self, real):
        def connect(sock, address, *args):
            if sock.family in (socket.AF_INET, socket.AF_INET6) and not self.is_local(str(address[0]).split("%")[0]):
                self.refuse(address[0], address[1])
            return real(sock, address, *args)

        return connect


@pytest.fixture(scope="session", autouse=True)
def _no_network():
    guard = NetworkGuard(_service_hosts())
    with pytest.MonkeyPatch.context() as patch:
        # A proxy on this machine would carry a request out past the guard, so none is used.
        for variable in ("http_proxy", "https_proxy", "all_proxy"):
            patch.delenv(variable, raising=False)
            patch.delenv(variable.upper(), raising=False)
        # create_connection, urllib3 (so requests) and asyncio all look names up and connect through these.
        patch.setattr(socket, "getaddrinfo", guard.guarded_getaddrinfo(socket.getaddrinfo))
        patch.setattr(socket.socket, "connect", guard.guarded_connect(socket.socket.connect))
        patch.setattr(socket.socket, "connect_ex", guard.guarded_connect(socket.socket.connect_ex))
        yield guard


@pytest.fixture(autouse=True)
def network_guard(_no_network):
    """Fails the test that tried to reach the network, even when the code under test caught the refusal."""
    _no_network.take()
    yield _no_network
    if refused := _no_network.take():
        pytest.fail(f"This test tried to reach the network: {', '.join(refused)} (refused).", pytrace=False)


def pytest_itemcollected(item):
    """Tests marked `fulltext` search the database's full-text index. InnoDB's (MariaDB, MySQL) sees
    only committed rows, so there they run as transactional tests; elsewhere they stay in the faster
    rolled-back transaction."""
    from django.conf import settings

    if item.get_closest_marker("fulltext") and settings.DATABASES["default"]["ENGINE"].endswith("mysql"):
        # First, so it wins over the module's plain `django_db`.
        item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True), append=False)


# --- Payment gateway ---------------------------------------------------------------------------


@pytest.fixture
def simulated_tripay(settings, db):
    """TriPay as a developer without an account has it: DEBUG on, no keys, the shop's simulator
    answering (shop/payments/gateways/tripay_simulator.py) with QRIS, BRIVA and Alfamart."""
    settings.DEBUG = True
    settings.TRIPAY_MERCHANT_CODE = settings.TRIPAY_API_KEY = settings.TRIPAY_PRIVATE_KEY = ""
    tripay.refresh_channels()
    return settings
