"""Where the failed-attempt counters of app/ratelimit.py live, shared by every process:

- Redis when ATTEMPT_STORAGE_URI is a redis:// URL (by default REDIS_URL): the limits library's
  storage (atomic INCRBY + EXPIRE in one Lua script);
- otherwise the database table `attempt_counter` (migration e1a0s8000002): one row per key,
  incremented with INSERT … ON CONFLICT DO UPDATE … RETURNING, atomic on PostgreSQL and SQLite,
  in its own short transaction (a counter is kept even when the request fails).

Never per-process memory: with several gunicorn workers each would count alone.
Every counter is a fixed window: created with an expiry, incremented until it expires.
Redis out of reach: StoreUnavailable (503 «Сервис временно недоступен»), never an unchecked login;
the database out of reach is the same 503 (app/errors.py)."""
import functools
import logging
import random

from flask import current_app
from sqlalchemy import case, delete, select, update
from werkzeug.exceptions import ServiceUnavailable

from . import clock

DATABASE = "database"

log = logging.getLogger(__name__)


class StoreUnavailable(ServiceUnavailable):
    """The counters cannot be read or written: no password is checked (fail closed)."""


def _redis_errors(method):
    @functools.wraps(method)
    def wrapped(self, *args, **kwargs):
        from redis.exceptions import RedisError

        try:
            return method(self, *args, **kwargs)
        except RedisError as exc:
            log.error("attempt counters in Redis unavailable: %s", exc.__class__.__name__)
            raise StoreUnavailable() from exc

    return wrapped


class RedisStore:
    def __init__(self, uri):
        from limits.storage import storage_from_string

        self.storage = storage_from_string(uri, socket_timeout=5, socket_connect_timeout=5)

    @_redis_errors
    def incr(self, key, expiry, amount=1):
        return self.storage.incr(key, max(1, int(round(expiry))), amount)

    @_redis_errors
    def decr(self, key):
        if self.storage.get(key) > 0:
            self.storage.incr(key, 1, -1)

    @_redis_errors
    def get(self, key):
        return self.storage.get(key)

    @_redis_errors
    def expires_in(self, key):
        return max(0.0, self.storage.get_expiry(key) - clock.timestamp())

    @_redis_errors
    def clear(self, key):
        self.storage.clear(key)


class DatabaseStore:
    CLEANUP_CHANCE = 0.01  # now and then an increment removes the expired rows

    @staticmethod
    def _table():
        from .models import AttemptCounter

        return AttemptCounter.__table__

    @staticmethod
    def _engine():
        from .extensions import db

        return db.engine

    def incr(self, key, expiry, amount=1):
        table, engine = self._table(), self._engine()
        now = clock.timestamp()
        if engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        expired = table.c.expires_at <= now
        statement = insert(table).values(key=key, count=amount, expires_at=now + expiry)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"count": case((expired, amount), else_=table.c.count + amount),
                  "expires_at": case((expired, now + expiry), else_=table.c.expires_at)},
        ).returning(table.c.count)
        with engine.begin() as connection:
            count = connection.execute(statement).scalar_one()
            if random.random() < self.CLEANUP_CHANCE:
                connection.execute(delete(table).where(table.c.expires_at <= now))
        return count

    def decr(self, key):
        table = self._table()
        with self._engine().begin() as connection:
            connection.execute(update(table).where(
                table.c.key == key, table.c.expires_at > clock.timestamp(), table.c.count > 0,
            ).values(count=table.c.count - 1))

    def _row(self, key):
        table = self._table()
        with self._engine().connect() as connection:
            return connection.execute(select(table.c.count, table.c.expires_at).where(
                table.c.key == key, table.c.expires_at > clock.timestamp())).first()

    def get(self, key):
        row = self._row(key)
        return row.count if row is not None else 0

    def expires_in(self, key):
        row = self._row(key)
        return max(0.0, row.expires_at - clock.timestamp()) if row is not None else 0.0

    def clear(self, key):
        table = self._table()
        with self._engine().begin() as connection:
            connection.execute(delete(table).where(table.c.key == key))


def store():
    """The app's counter store (made once per app)."""
    app = current_app._get_current_object()
    cached = app.extensions.get("attempt_store")
    if cached is None:
        uri = app.config.get("ATTEMPT_STORAGE_URI") or DATABASE
        cached = DatabaseStore() if uri == DATABASE else RedisStore(uri)
        app.extensions["attempt_store"] = cached
    return cached
