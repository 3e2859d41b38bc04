"""The Redis of the app's shared caches (the read model of a class's week, app.diary.read_model;
the accounts behind sessions, app.auth.account_cache): one client per REDIS_URL and app, a
short timeout, and a pause after a failure. A cache whose Redis is down or slow costs a warning
in the log and the answer from the database, never a 500 or a page held for seconds.

No REDIS_URL, no cache: nothing is ever cached per process."""
import logging
import time

import redis
from flask import current_app

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 0.3  # a Redis that does not answer at once is treated as down
BACKOFF_SECONDS = 30  # …and left alone for this long
ERRORS = (redis.exceptions.RedisError, ValueError)  # down, slow, or an entry that does not decode


def client(flag):
    """The client of REDIS_URL when the config's `flag` (e.g. "READ_MODEL_CACHE") is on, or None
    (no REDIS_URL, the flag off, or Redis failed less than BACKOFF_SECONDS ago)."""
    config = current_app.config
    url = config.get("REDIS_URL")
    if not url or not config.get(flag, True):
        return None
    state = current_app.extensions.setdefault("cache_redis", {})
    if state.get("url") != url:
        state.update(url=url, down_until=0, client=redis.Redis.from_url(
            url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS))
    if state["down_until"] > time.monotonic():
        return None
    return state["client"]


def failed(exc, what):
    """Redis failed: a warning naming the cache (`what`, e.g. "read model"), and no Redis for
    BACKOFF_SECONDS."""
    state = current_app.extensions.setdefault("cache_redis", {})
    state["down_until"] = time.monotonic() + BACKOFF_SECONDS
    log.warning("%s: Redis unavailable (%s), the database answers", what, exc.__class__.__name__)
