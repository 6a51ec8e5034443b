"""What REDIS_URL changes in the settings, and that nothing changes without it (issue 15).

Each case imports tokoku/settings.py in a process of its own with the environment it names.
"""

import pytest
import redis

from tests.redis.processes import settings_with

pytestmark = pytest.mark.redis

URL = "redis://127.0.0.1:6399/7"


def test_without_redis_url_the_shop_keeps_local_memory_database_sessions_and_the_orm_broker():
    chosen = settings_with()
    assert chosen["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert chosen["SESSION_ENGINE"] is None, "Django's default, database sessions"
    assert chosen["Q_CLUSTER"]["orm"] == "default" and "redis" not in chosen["Q_CLUSTER"]
    assert chosen["DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS"] is None


def test_redis_url_turns_on_a_forgiving_redis_cache_cached_db_sessions_and_the_redis_broker():
    chosen = settings_with(REDIS_URL=URL)
    cache = chosen["CACHES"]["default"]
    # django-redis's cache (shop/core/redis_cache.py: a failed add() lets the caller go ahead).
    assert cache["BACKEND"] == "shop.core.redis_cache.RedisCache" and cache["LOCATION"] == URL
    # A Redis that is down costs a page a logged miss, not a 500, and at most about a second.
    assert cache["OPTIONS"]["IGNORE_EXCEPTIONS"] is True
    assert chosen["DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS"] is True
    assert 0 < cache["OPTIONS"]["SOCKET_CONNECT_TIMEOUT"] <= 1 and 0 < cache["OPTIONS"]["SOCKET_TIMEOUT"] <= 1
    # Every web server sees a session, and a restarted Redis signs nobody out.
    assert chosen["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"
    # django-q2 passes a string to redis.from_url: the database number comes with it, and timeouts.
    assert "orm" not in chosen["Q_CLUSTER"]
    broker = redis.from_url(chosen["Q_CLUSTER"]["redis"]).connection_pool.connection_kwargs
    assert (broker["port"], broker["db"], broker["socket_connect_timeout"]) == (6399, 7, 1)
    assert broker["socket_timeout"] > 1, "longer than the worker's one-second wait on the queue"


def test_a_timeout_in_redis_url_wins_over_the_brokers_own():
    chosen = settings_with(REDIS_URL=f"{URL}?socket_timeout=9")
    assert redis.from_url(chosen["Q_CLUSTER"]["redis"]).connection_pool.connection_kwargs["socket_timeout"] == 9


def test_q_use_redis_off_keeps_the_orm_broker_beside_the_redis_cache():
    chosen = settings_with(REDIS_URL=URL, Q_USE_REDIS="false")
    assert chosen["CACHES"]["default"]["BACKEND"] == "shop.core.redis_cache.RedisCache"
    assert chosen["Q_CLUSTER"]["orm"] == "default" and "redis" not in chosen["Q_CLUSTER"]
