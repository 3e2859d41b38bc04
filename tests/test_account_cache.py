"""A family's account from Redis (app.auth.account_cache, issue 11): the session check of a
logged-in parent runs no account query, and every change of the account — disabled, «Выйти на
всех устройствах», a role taken away — still ends the session at its very next request. Staff
accounts never go to Redis; Redis down leaves everything working from the database."""
import pytest
from sqlalchemy import select

from app.auth import account_cache
from app.extensions import db
from app.models import User
from tests.helpers.caches import redis_caches
from tests.helpers.sql import statements

PUPILS = "/api/v1/students/"


@pytest.fixture
def cached(app, redis_server, config):
    """The account cache (and nothing else of Redis) on the session's Redis, emptied around."""
    with redis_caches(app, redis_server, config, ACCOUNT_CACHE=True, READ_MODEL_CACHE=False) as client:
        yield client


def account_queries(app, fetch):
    """(response, how many statements read the ab_user table)."""
    with statements(app) as seen:
        response = fetch()
    return response, len([s for s in seen if "FROM ab_user" in s and "JOIN ab_user " not in s])


def user_id(app, username):
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def test_a_logged_in_parent_is_checked_without_an_account_query(app, cached, login_parent):
    parent = app.test_client()
    login_parent(parent, "parent-ivanova")
    first, _ = account_queries(app, lambda: parent.get(PUPILS))
    assert first.status_code == 200
    again, reads = account_queries(app, lambda: parent.get(PUPILS))
    assert again.status_code == 200 and again.json == first.json
    assert reads == 0
    assert cached.exists(account_cache.KEY.format(id=user_id(app, "esia:parent-ivanova")))
    page = parent.get("/my/settings")  # the pages that show the account still show it
    assert page.status_code == 200 and "Выйти на всех устройствах" in page.get_data(as_text=True)


def test_a_disabled_account_ends_at_the_next_request(app, cached, login_parent):
    parent = app.test_client()
    login_parent(parent, "parent-ivanova")
    assert parent.get(PUPILS).status_code == 200 and parent.get(PUPILS).status_code == 200  # cached now
    with app.app_context():
        user = db.session.get(User, user_id(app, "esia:parent-ivanova"))
        user.active = False
        db.session.commit()
    try:
        assert parent.get(PUPILS).status_code == 401
        assert parent.get("/my/applications").status_code == 302
    finally:
        with app.app_context():
            db.session.get(User, user_id(app, "esia:parent-ivanova")).active = True
            db.session.commit()


def test_log_out_everywhere_ends_the_other_devices_at_once(app, cached, login_parent):
    phone, laptop = app.test_client(), app.test_client()
    login_parent(phone, "parent-ivanova")
    login_parent(laptop, "parent-ivanova")
    for client in (phone, laptop, phone):
        assert client.get(PUPILS).status_code == 200
    assert laptop.post("/logout/everywhere").status_code == 302
    assert phone.get(PUPILS).status_code == 401


def test_a_role_taken_away_is_seen_at_once(app, cached, login_parent):
    parent = app.test_client()
    login_parent(parent, "parent-ivanova")
    assert parent.get(PUPILS).status_code == 200 and parent.get(PUPILS).status_code == 200
    with app.app_context():
        user = db.session.get(User, user_id(app, "esia:parent-ivanova"))
        roles = list(user.roles)
        user.roles = []
        db.session.commit()
    try:
        assert parent.get("/my/applications").status_code == 302  # no longer a parent: to the landing page
    finally:
        with app.app_context():
            db.session.get(User, user_id(app, "esia:parent-ivanova")).roles = [db.session.merge(r) for r in roles]
            db.session.commit()


def test_an_entry_read_before_a_change_is_never_used(app, cached, login_parent):
    """The race: a request reads the account, the account changes (and is forgotten), then the
    request stores what it read. The stored entry carries the old generation: nobody takes it."""
    login_parent(app.test_client(), "parent-ivanova")
    uid = user_id(app, "esia:parent-ivanova")
    with app.test_request_context():
        _user, _secret, ticket = account_cache.lookup(uid)
        stale = db.session.get(User, uid)
        account_cache.changed(uid)
        db.session.commit()  # the change's commit bumps the generation
        account_cache.store(stale, "old-secret", ticket)
        assert cached.exists(account_cache.KEY.format(id=uid))
        assert account_cache.lookup(uid)[0] is None


def test_staff_accounts_stay_in_the_database(app, cached, login_staff):
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    for _ in range(2):
        assert clerk.get("/applications/list/").status_code == 200
    assert not cached.exists(account_cache.KEY.format(id=user_id(app, "clerk239")))


def test_redis_down_leaves_the_family_pages_working(app, config, login_parent):
    app.extensions.pop("cache_redis", None)
    config(REDIS_URL="redis://127.0.0.1:9/0", ACCOUNT_CACHE=True, READ_MODEL_CACHE=False)
    try:
        parent = app.test_client()
        login_parent(parent, "parent-ivanova")
        assert parent.get(PUPILS).status_code == 200
        assert parent.get("/my/applications").status_code == 200
    finally:
        app.extensions.pop("cache_redis", None)
