"""The app's shared caches in Redis (app.redis_client: the read model, the account cache) on the
test session's redis-server, for one test."""
from contextlib import contextmanager

import redis


@contextmanager
def redis_caches(app, url, config, **settings):
    """with redis_caches(app, redis_server, config, READ_MODEL_CACHE=True) as client: — REDIS_URL
    set with the settings given, the Redis database emptied before and after, the app's client
    made afresh (no backoff left over from another test)."""
    client = redis.Redis.from_url(url)
    client.flushdb()
    app.extensions.pop("cache_redis", None)
    config(REDIS_URL=url, **settings)
    try:
        yield client
    finally:
        client.flushdb()
        app.extensions.pop("cache_redis", None)
