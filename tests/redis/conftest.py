"""The shop with REDIS_URL set: a Redis that stops and starts again under it, and several servers on one Redis.

Two kinds of test live here, all marked `redis`:

- Tests that stop Redis get a private `redis-server --port <free> --save '' --appendonly no`
  (fixture `redis_server`), never the Redis that others use at 6379: only a server of one's own
  may be stopped, started again on the same port, or emptied. They skip, saying so, where the
  redis-server binary is missing.
- Tests that need only a Redis (fixture `configured_redis`) use the one REDIS_URL names, as the
  runner's Redis pass sets it (scripts/run_tests.py); without REDIS_URL they skip, saying so.

How this process's cache reaches the private server (`redis_cache`): the test's `settings`
(pytest-django) get exactly the CACHES, SESSION_ENGINE and DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS that
tokoku/settings.py chooses for REDIS_URL, read from a process that imports the settings with a
REDIS_URL set, so the tests exercise the real settings rather than a copy. Changing CACHES sends
Django's setting_changed, whose test receiver drops every cache connection: django.core.cache.cache
(the page cache, the outbox's kick, sessions) is the private Redis for that test, and the suite's own
cache again afterwards. Setting REDIS_URL for the whole run instead would put every other test on
Redis too, which is what the runner's Redis pass does, on purpose, with a Redis of its own.

Processes of their own (web servers, task workers: tests/redis/processes.py) get REDIS_URL in their
environment and read the settings as a deployment does.
"""

import pytest
import redis
from django.conf import settings as django_settings
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import Schedule

from tests.redis.processes import REDIS_SERVER, RedisServer, settings_with


@pytest.fixture
def redis_server(tmp_path):
    """A private redis-server, running; the test may stop() and start() it."""
    if not REDIS_SERVER:
        pytest.skip("needs the redis-server binary (Debian: apt install redis-server) to start a private Redis")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_settings():
    """What the settings choose with REDIS_URL set (each test puts its own server's URL in)."""
    return settings_with(REDIS_URL="redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_cache(settings, redis_server, redis_settings):
    """This process's Django cache (and cached_db sessions) on the private Redis, as REDIS_URL sets them."""
    settings.DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = redis_settings["DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS"]
    settings.SESSION_ENGINE = redis_settings["SESSION_ENGINE"]
    settings.CACHES = {"default": dict(redis_settings["CACHES"]["default"], LOCATION=redis_server.url)}
    return redis_server


@pytest.fixture
def redis_broker(monkeypatch, redis_server):
    """django-q2 in this process (async_task, so the outbox's kick) queues on the private Redis.
    django-q2 reads Q_CLUSTER once, at import, into Conf, and chooses the broker from there."""
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", redis_server.url)
    return redis_server


@pytest.fixture
def configured_redis():
    """The Redis REDIS_URL names (the runner's Redis pass sets it to a Redis of the run's own)."""
    if not django_settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (scripts/run_tests.py sets it for its Redis pass)")
    return redis.Redis.from_url(django_settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=5)


@pytest.fixture
def quiet_schedules(transactional_db):
    """The project's own schedules wait a day: a worker under test does only what the test gives it."""
    Schedule.objects.update(next_run=timezone.now() + timezone.timedelta(days=1))
