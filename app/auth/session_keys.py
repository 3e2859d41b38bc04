"""Keys behind sessions and API tokens.

- SECRET_KEY (signs CSRF tokens and, through FAB, the HS256 API tokens): required. create_app()
  refuses to start without it, with the old built-in development value, or with fewer than
  32 bytes (require_secret_key). `make run` makes its own development key once
  (instance/dev-secret-key, scripts/devserver.py); the test suite passes its own.
- A random secret per account (table user_session_key): the stamp of every session and API
  token of the account is an HMAC under it (app/auth/sessions.py), so a session or token cannot
  be made from SECRET_KEY alone (a parent has no password hash to stamp). A new secret
  (rotate) ends all of the account's sessions and tokens at their next request.
"""
import secrets

from flask import g, has_request_context
from sqlalchemy import select, update

from ..extensions import db
from ..models import UserSessionKey, utcnow
from . import account_cache

# Values that once shipped as defaults: never accepted as a key.
KNOWN_DEVELOPMENT_KEYS = frozenset({"dev-only-secret-change-me", "test-secret", "bench-secret"})
MIN_KEY_BYTES = 32


class SecretKeyError(RuntimeError):
    """The app must not start with this SECRET_KEY (gunicorn stops: «Worker failed to boot»)."""


def secret_key_problem(key):
    """Why this SECRET_KEY is refused (Russian, then English), or None."""
    if not key:
        return ("Не задана переменная окружения SECRET_KEY: задайте случайный ключ не короче "
                f"{MIN_KEY_BYTES} байт, например: export SECRET_KEY=$(python3 -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'). "
                f"The SECRET_KEY environment variable is not set: set a random key of at least "
                f"{MIN_KEY_BYTES} bytes.")
    raw = key if isinstance(key, bytes) else str(key).encode()
    if raw.decode(errors="replace") in KNOWN_DEVELOPMENT_KEYS:
        return ("SECRET_KEY равен известному ключу для разработки: задайте свой случайный ключ не "
                f"короче {MIN_KEY_BYTES} байт. SECRET_KEY is a known development value: set a random "
                f"key of your own, at least {MIN_KEY_BYTES} bytes.")
    if len(raw) < MIN_KEY_BYTES:
        return (f"SECRET_KEY слишком короткий ({len(raw)} байт): нужен случайный ключ не короче "
                f"{MIN_KEY_BYTES} байт. SECRET_KEY is too short ({len(raw)} bytes): use a random "
                f"key of at least {MIN_KEY_BYTES} bytes.")
    return None


def require_secret_key(config):
    problem = secret_key_problem(config.get("SECRET_KEY"))
    if problem:
        raise SecretKeyError(problem)


# --------------------------------------------------------------------------- per-account secrets
def _cache():
    if not has_request_context():
        return {}
    if not hasattr(g, "_session_secrets"):
        g._session_secrets = {}
    return g._session_secrets


def secret_of(user_id):
    """The account's secret, or None when it has none yet (then no session or token is valid)."""
    cache = _cache()
    if user_id not in cache:
        cache[user_id] = db.session.execute(
            select(UserSessionKey.secret).where(UserSessionKey.user_id == user_id)
        ).scalar_one_or_none()
    return cache[user_id]


def remember(user_id, secret):
    """The secret as loaded together with the user (app.security load_user): no second query."""
    _cache()[user_id] = secret


def _insert(user_id, secret):
    """INSERT … ON CONFLICT DO NOTHING on both databases (two first logins at once)."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(UserSessionKey).values(user_id=user_id, secret=secret, rotated_at=utcnow())
                       .on_conflict_do_nothing(index_elements=["user_id"]))
    account_cache.changed(user_id)


def ensure_secret(user_id):
    """The account's secret, made at its first login or first API token."""
    secret = secret_of(user_id)
    if secret is None:
        _insert(user_id, secrets.token_hex(32))
        db.session.commit()
        _cache().pop(user_id, None)
        secret = secret_of(user_id)
    return secret


def rotate(user_id, commit=True):
    """A new secret: every session and API token of the account ends at its next request."""
    secret = secrets.token_hex(32)
    changed = db.session.execute(
        update(UserSessionKey).where(UserSessionKey.user_id == user_id)
        .values(secret=secret, rotated_at=utcnow())
    ).rowcount
    account_cache.changed(user_id)  # the cached account (app.auth.account_cache) goes at the commit
    if not changed:
        _insert(user_id, secret)
    if commit:
        db.session.commit()
    _cache()[user_id] = secret
    return secret
