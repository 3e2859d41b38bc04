"""The account behind a family's session without a database round trip (issue 11).

Every request of a logged-in family loads its account (the User row with its roles and the
account's session secret, app.security load_user) to check the session's stamp. With REDIS_URL
set and ACCOUNT_CACHE on, a family account (no staff role, no groups) is kept in Redis as
plain JSON next to the session itself, and the request takes it from there: one Redis round trip
(MGET), then the User and Role objects are put into this request's database session as if just
loaded (no SQL), so everything that reads or changes the account works as before.

Never stale:
- every change of an account written through the ORM (the User row, its roles, its session
  secret: a login, a disabled account, «Выйти на всех устройствах», an erasure) bumps the
  account's generation `diary:account:gen:{id}` after its commit; a Role changed or deleted bumps
  the epoch `diary:account:epoch` (every entry at once). Writes that bypass the ORM call
  `changed(user_id)` (app.auth.session_keys);
- an entry is written with the epoch and generation read BEFORE its row was read, and used only
  while both still match: a reader that raced a change stores an entry nobody will take;
- entries live ACCOUNT_CACHE_SECONDS (default 300): a change made outside the app (SQL by hand)
  takes effect at most that much later.
Staff accounts (password hashes, staff assignments) always come from the database.
Redis down: the database answers, as before (app.redis_client)."""
import json
from datetime import datetime

from flask import current_app, g, has_app_context
from sqlalchemy import DateTime, event
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from .. import redis_client

FLAG = "ACCOUNT_CACHE"
KEY = "diary:account:{id}"
GENERATION = "diary:account:gen:{id}"
EPOCH = "diary:account:epoch"
GENERATION_TTL_SECONDS = 86400  # always longer than an entry lives: a lost generation is a miss


def _models():
    from flask_appbuilder.security.sqla.models import Role

    from ..models import User

    return User, Role


def _columns(model):
    return [(attr.key, isinstance(attr.columns[0].type, DateTime)) for attr in model.__mapper__.column_attrs]


def ttl():
    return int(current_app.config.get("ACCOUNT_CACHE_SECONDS", 300))


def epoch():
    """The role epoch as this request read it (lookup's MGET), else read now; None: no cache now
    (no Redis, the cache off, Redis failing). app.auth.permission_cache keys on it."""
    known = g.get("_diary_account_epoch")
    if known is not None:
        return known
    client = redis_client.client(FLAG)
    if client is None:
        return None
    try:
        value = g._diary_account_epoch = int(client.get(EPOCH) or 0)
    except redis_client.ERRORS as exc:
        redis_client.failed(exc, "account cache")
        return None
    return value


# --------------------------------------------------------------------------- reading
def lookup(user_id):
    """(User, its session secret, ticket) of the cached account, the User put into db.session; or
    (None, None, ticket): read it from the database and `store` it under the ticket (the epoch
    and generation as they were before the read). (None, None, None): no cache now."""
    client = redis_client.client(FLAG)
    if client is None:
        return None, None, None
    try:
        epoch, generation, raw = client.mget(EPOCH, GENERATION.format(id=user_id), KEY.format(id=user_id))
        ticket = (int(epoch or 0), int(generation or 0))
        g._diary_account_epoch = ticket[0]
        if raw is None:
            return None, None, ticket
        entry = json.loads(raw)
        if tuple(entry["ticket"]) != ticket or entry["user"]["id"] != user_id:
            return None, None, ticket
        return _attach(entry), entry["secret"], ticket
    except (*redis_client.ERRORS, KeyError, TypeError) as exc:
        redis_client.failed(exc, "account cache")
        return None, None, None


def _restore(model, values):
    obj = model(**{key: (datetime.fromisoformat(values[key]) if is_time and values[key] else values[key])
                   for key, is_time in _columns(model)})
    make_transient_to_detached(obj)  # as if loaded: no pending changes, no SQL
    return obj


def _attach(entry):
    """The User of the entry (its roles and no groups) in this request's session, persistent and
    clean; an instance the session already holds is taken as it is."""
    from ..extensions import db

    User, Role = _models()
    held = db.session.identity_map.get(db.session.identity_key(User, entry["user"]["id"]))
    if held is not None:
        return held
    roles = []
    for values in entry["roles"]:
        role = db.session.identity_map.get(db.session.identity_key(Role, values["id"]))
        if role is None:
            role = _restore(Role, values)
            db.session.add(role)
        roles.append(role)
    user = _restore(User, entry["user"])
    set_committed_value(user, "roles", roles)
    set_committed_value(user, "groups", [])
    db.session.add(user)
    return user


# --------------------------------------------------------------------------- writing
def _plain(obj, model):
    return {key: (getattr(obj, key).isoformat() if is_time and getattr(obj, key) else getattr(obj, key))
            for key, is_time in _columns(model)}


def store(user, secret, ticket):
    """Keep a family account read from the database under the ticket `lookup` gave."""
    from ..access import is_staff_user

    if ticket is None or user.groups or is_staff_user(user) or not user.is_active:
        return
    client = redis_client.client(FLAG)
    if client is None:
        return
    User, Role = _models()
    roles = list(user.roles)
    entry = {"ticket": list(ticket), "user": _plain(user, User), "roles": [_plain(role, Role) for role in roles],
             "secret": secret}
    try:
        client.set(KEY.format(id=user.id), json.dumps(entry, ensure_ascii=False, separators=(",", ":")), ex=ttl())
    except redis_client.ERRORS as exc:
        redis_client.failed(exc, "account cache")


# --------------------------------------------------------------------------- invalidation
def changed(user_id, session=None):
    """The account changed outside the ORM (or must be read afresh): forgotten after the commit of
    `session` (default db.session)."""
    from ..extensions import db

    (session or db.session()).info.setdefault("accounts_changed", set()).add(int(user_id))


@event.listens_for(Session, "after_flush")
def _collect(session, _context):
    User, Role = _models()
    from flask_appbuilder.security.sqla.models import Permission, PermissionView, ViewMenu

    from ..models import UserSessionKey

    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, User) and obj.id is not None:
            session.info.setdefault("accounts_changed", set()).add(obj.id)
        elif isinstance(obj, UserSessionKey) and obj.user_id is not None:
            session.info.setdefault("accounts_changed", set()).add(obj.user_id)
        elif isinstance(obj, (Role, Permission, PermissionView, ViewMenu)):  # app.auth.permission_cache
            session.info["roles_changed"] = True


@event.listens_for(Session, "after_commit")
def _forget(session):
    users, roles = session.info.pop("accounts_changed", None), session.info.pop("roles_changed", False)
    if not users and not roles:
        return
    client = redis_client.client(FLAG) if has_app_context() else None
    if client is None:
        return
    try:
        pipe = client.pipeline(transaction=False)
        for user_id in sorted(users or ()):
            key = GENERATION.format(id=user_id)
            pipe.incr(key)
            pipe.expire(key, GENERATION_TTL_SECONDS)
            pipe.delete(KEY.format(id=user_id))
        if roles:
            pipe.incr(EPOCH)
            g.pop("_diary_account_epoch", None)  # this context reads the new epoch afresh
        pipe.execute()
    except redis_client.ERRORS as exc:
        redis_client.failed(exc, "account cache")


@event.listens_for(Session, "after_rollback")
def _drop(session):
    session.info.pop("accounts_changed", None)
    session.info.pop("roles_changed", None)
