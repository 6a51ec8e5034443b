"""The cache the shop uses when REDIS_URL is set: django-redis's, forgiving a Redis that is down.

With IGNORE_EXCEPTIONS (tokoku/settings.py), django-redis logs a failed call and answers it as a miss:
get() gives the default, get_many() nothing, a write None. For add() that None reads as "someone
else holds this key", which turns an outage into refusals: django-allauth takes a lock with
cache.add() around every rate-limited form (sign-in, sign-up, password reset) and, not getting it
within a second, answers 429, so nobody could sign in while Redis is down. Here a failed add()
answers True, as an empty cache would: until Redis is back, rate limits let everyone through and
the outbox's kick asks the (equally unreachable) task queue, which it logs and the schedule makes
good. tests/redis/test_redis_down.py signs in and orders with Redis stopped.
"""

from django_redis.cache import RedisCache as DjangoRedisCache


class RedisCache(DjangoRedisCache):
    def add(self, *args, **kwargs):
        added = super().add(*args, **kwargs)
        # Only an ignored error answers None: Redis itself answers True or False.
        return True if added is None else added
