"""Server-side sessions (Flask-Session 0.8): the browser's cookie holds only a random session
id; the data lives on the server, so logging out ends the session for every copy of the cookie.

- Database (default): table web_session (app/models.py WebSession, made by the migration
  e1a0s8000001 — Flask-Session's own SqlAlchemySessionInterface would create its table at
  start-up and commit through the app's db.session, so this interface reads and writes the
  table on its own short transactions of the app's engine). Expired rows are deleted on average
  every SESSION_CLEANUP_N_REQUESTS requests.
- Redis when SESSION_REDIS_URL (default: REDIS_URL) is set: Flask-Session's RedisSessionInterface,
  the key expires by itself.

Each stored session lives as long as the policy of app/auth/sessions.py says (idle timeout,
capped by the absolute lifetime; staff and families apart): the cookie's Expires is the same.
"""
import msgspec
from flask import current_app
from flask_session.base import ServerSideSession, ServerSideSessionInterface
from flask_session.redis import RedisSessionInterface
from itsdangerous import want_bytes
from sqlalchemy import delete, select

from .. import clock
from ..extensions import db
from ..models import WebSession, utcnow
from .session_policy import lifetime_of


def _plain(value):
    """What msgpack cannot hold as is: lazy translations (FAB flashes them), other objects as text."""
    return str(value)


# What FAB and Flask-Session put into every session, the anonymous visitor's too.
_NOISE_KEYS = frozenset({"_permanent", "locale"})


class _PolicyLifetime:
    """Storage expiry and cookie Expires from the session policy, not one global lifetime;
    lazily translated flash messages are stored as text."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.serializer.encoder = msgspec.msgpack.Encoder(enc_hook=_plain)

    def _upsert_session(self, session_lifetime, session, store_id):
        return super()._upsert_session(lifetime_of(session), session, store_id)

    def open_session(self, app, request):
        session = super().open_session(app, request)
        # A session found in the store starts unmodified; a new one is marked modified by
        # Flask-Session when it sets `permanent`.
        session.was_stored = not session.modified
        return session

    def should_set_storage(self, app, session):
        """An anonymous visit stores nothing and gets no cookie: FAB writes the default locale into
        every session, which would make a stored row (a database write) of every request of every
        visitor or crawler — an easy way to fill the store. A session holding only that is not kept
        (and a stored one that has come down to it is deleted)."""
        if set(session.keys()) <= _NOISE_KEYS and \
                session.get("locale", app.config.get("BABEL_DEFAULT_LOCALE")) == app.config.get("BABEL_DEFAULT_LOCALE"):
            if getattr(session, "was_stored", False):
                self._delete_session(self._get_store_id(session.sid))
            return False
        return super().should_set_storage(app, session)

    def get_expiration_time(self, app, session):
        if session.permanent:
            return clock.now() + lifetime_of(session)
        return None


class DatabaseSession(ServerSideSession):
    pass


class DatabaseSessionInterface(_PolicyLifetime, ServerSideSessionInterface):
    session_class = DatabaseSession
    ttl = False  # rows are deleted by _delete_expired_sessions every N requests
    table = WebSession.__table__

    def _engine(self):
        return db.engine

    def _retrieve_session_data(self, store_id):
        with self._engine().connect() as connection:
            row = connection.execute(select(self.table.c.data, self.table.c.expiry)
                                     .where(self.table.c.session_id == store_id)).first()
        if row is None:
            return None
        if row.expiry <= utcnow():
            self._delete_session(store_id)
            return None
        try:
            return self.serializer.decode(want_bytes(row.data))
        except Exception:  # noqa: BLE001 - an unreadable row is no session
            return None

    def _delete_session(self, store_id):
        with self._engine().begin() as connection:
            connection.execute(delete(self.table).where(self.table.c.session_id == store_id))

    def _upsert_session(self, session_lifetime, session, store_id):
        values = {"data": self.serializer.encode(session), "expiry": utcnow() + session_lifetime}
        engine = self._engine()
        if engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        statement = insert(self.table).values(session_id=store_id, **values)
        statement = statement.on_conflict_do_update(index_elements=["session_id"], set_=values)
        with engine.begin() as connection:
            connection.execute(statement)

    def _delete_expired_sessions(self):
        with self._engine().begin() as connection:
            connection.execute(delete(self.table).where(self.table.c.expiry <= utcnow()))


class RedisPolicySessionInterface(_PolicyLifetime, RedisSessionInterface):
    pass


def _common(app):
    config = app.config
    return {
        "key_prefix": config.get("SESSION_KEY_PREFIX", "session:"),
        "use_signer": False,  # the id is 32 random bytes; a signature adds nothing
        "permanent": config.get("SESSION_PERMANENT", True),
        "sid_length": config.get("SESSION_ID_LENGTH", 32),
        "serialization_format": "msgpack",
    }


def init_app(app):
    """Install the session interface: Redis when SESSION_REDIS_URL is set, else the database."""
    url = app.config.get("SESSION_REDIS_URL")
    if url:
        import redis

        app.session_interface = RedisPolicySessionInterface(
            app=app, client=redis.Redis.from_url(url), **_common(app))
    else:
        app.session_interface = DatabaseSessionInterface(
            app=app, cleanup_n_requests=app.config.get("SESSION_CLEANUP_N_REQUESTS", 1000), **_common(app))
    app.extensions["session_store"] = "redis" if url else "database"


def renew_id(session):
    """A new id for this session; the stored data under the old id is deleted (at login: no
    fixation; at logout: a copy of the old cookie finds nothing)."""
    interface = current_app.session_interface
    if not isinstance(session, ServerSideSession):
        return
    interface._delete_session(interface._get_store_id(session.sid))  # noqa: SLF001
    session.sid = interface._generate_sid(interface.sid_length)  # noqa: SLF001
    session.modified = True
