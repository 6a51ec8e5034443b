"""Settings for a shop with REDIS_URL: one cache and one task broker for every web and worker process."""


def redis_caches(url):
    """The page cache, its invalidation, notification kicks and rate limits, shared by every process.

    A Redis that is down or hung must cost a page little and never fail it: short timeouts, and its
    errors are logged (logger django_redis.cache) and answered as misses by django-redis's cache,
    whose failed add() lets the caller go ahead (shop/core/redis_cache.py says why).
    """
    return {
        "default": {
            "BACKEND": "shop.core.redis_cache.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 1, "IGNORE_EXCEPTIONS": True},
        }
    }


def task_broker_url(url):
    """django-q2's Redis broker: it hands a string to redis.from_url (a dict would be Redis() keyword
    arguments), so the database number, password and TLS all come from the URL.

    A task taken by a worker that dies is lost with this broker (the ORM broker would hand it out
    again): each scheduled job runs again at its next time, and the outbox's own schedule sends what
    a lost delivery task left owed. Several clusters may share one Redis and database: the scheduler
    claims a due schedule under a row lock and moves its next run in the same transaction, so it runs
    once (tests/redis/test_two_servers.py). Timeouts, so that a hung Redis cannot hold a web request
    that queues a task; reads wait longer than the worker's one-second BLPOP. A value already in the
    URL comes first and wins.
    """
    return f"{url}{'&' if '?' in url else '?'}socket_connect_timeout=1&socket_timeout=5"
