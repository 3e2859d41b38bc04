"""Throttling an attacker cannot turn against everyone (app/ratelimit.py): failures counted per
account with growing delays, per (address, account) and per address with a much higher cap, the
client's address from X-Forwarded-For only behind the configured number of proxies. The counters
here live in the database (no REDIS_URL), on SQLite and PostgreSQL; the clock is time-machine's."""
import time

import pytest
import time_machine
from sqlalchemy import func, select

from app.extensions import db
from app.models import AttemptCounter
from scripts.pgcluster import free_port
from tests.helpers.app import make_app, reset_data
from tests.helpers.web import api_login, error_of, login_form

WRONG = "Неверное имя пользователя или пароль."


def too_many(wait):
    return f"Слишком много попыток входа. Попробуйте {wait}."


def checked(response):
    """The password was checked: a wrong one sends back to the form (302), a right one logs in."""
    return response.status_code != 429


LIMITS = {
    "RATELIMIT_ENABLED": True,
    "ATTEMPT_RATE_LIMIT": "5 per 15 minutes",
    "ATTEMPT_ADDRESS_RATE_LIMIT": "100 per 15 minutes",
    "ATTEMPT_ACCOUNT_FREE_FAILURES": 5,
    "ATTEMPT_ACCOUNT_DELAY_SECONDS": 1,
    "ATTEMPT_ACCOUNT_DELAY_MAX_SECONDS": 600,
}


@pytest.fixture
def limited(app):
    """The session's app (SQLite and PostgreSQL) with the limits on, the clock stopped."""
    saved = {name: app.config.get(name) for name in LIMITS}
    app.config.update(LIMITS)
    with time_machine.travel(time.time(), tick=False) as clock:
        app.clock = clock
        yield app
    app.config.update(saved)


def test_an_attacker_at_one_address_locks_only_that_pair(limited):
    app = limited
    for n in range(5):
        assert checked(login_form(app.test_client(), "clerk239", f"guess-{n}", "203.0.113.66"))
    # the attacker's address, even the right password: refused for the pair's window
    refused = login_form(app.test_client(), "clerk239", "clerk12345", "203.0.113.66")
    assert refused.status_code == 429 and error_of(refused) == too_many("через 15 минут")
    assert refused.headers["Retry-After"] == "900"
    # every other staff member behind the same address logs in (before: locked out for 15 minutes)
    for username, password in (("clerk321", "clerk12345"), ("supervisor", "super12345"), ("admin", "admin12345")):
        assert login_form(app.test_client(), username, password, "203.0.113.66").status_code == 302
    assert api_login(app.test_client(), "clerk27", "clerk12345", "203.0.113.66").status_code == 200
    # the owner from another address: only the account-wide delay (1 s after 5 failures) applies
    waiting = login_form(app.test_client(), "clerk239", "clerk12345", "198.51.100.7")
    assert waiting.status_code == 429 and error_of(waiting) == too_many("через 1 секунду")
    app.clock.shift(1)
    owner = app.test_client()
    assert login_form(owner, "clerk239", "clerk12345", "198.51.100.7").status_code == 302
    assert owner.get("/applications/list/").status_code == 200
    # the success forgot the account's failures, not the attacker's pair
    assert login_form(app.test_client(), "clerk239", "guess-6", "203.0.113.66").status_code == 429


def test_account_wide_delays_double_up_to_the_cap(limited):
    """A distributed attack (a new address every time) meets the growing delays of the account."""
    app = limited
    app.config.update(ATTEMPT_ACCOUNT_FREE_FAILURES=3, ATTEMPT_ACCOUNT_DELAY_MAX_SECONDS=4)
    addresses = (f"192.0.2.{n}" for n in range(1, 200))
    for n in range(3):
        assert checked(login_form(app.test_client(), "supervisor", "wrong", next(addresses)))
    waits = []
    for _ in range(5):
        refused = api_login(app.test_client(), "supervisor", "wrong", next(addresses))
        assert refused.status_code == 429 and refused.json["message"].startswith("Слишком много попыток входа.")
        wait = int(refused.headers["Retry-After"])
        waits.append(wait)
        app.clock.shift(wait - 0.5)
        assert api_login(app.test_client(), "supervisor", "wrong", next(addresses)).status_code == 429
        app.clock.shift(0.5)
        assert api_login(app.test_client(), "supervisor", "wrong", next(addresses)).status_code == 401
    assert waits == [1, 2, 4, 4, 4]
    # the owner too has to wait for the delay, then the right password works and resets it
    assert login_form(app.test_client(), "supervisor", "super12345", next(addresses)).status_code == 429
    app.clock.shift(4)
    assert login_form(app.test_client(), "supervisor", "super12345", next(addresses)).status_code == 302
    for n in range(3):
        assert checked(login_form(app.test_client(), "supervisor", "wrong", next(addresses)))


def test_an_address_has_a_higher_cap_over_all_accounts(limited):
    app = limited
    app.config.update(ATTEMPT_ADDRESS_RATE_LIMIT="12 per 15 minutes")
    # successes from the address do not count (a school's network: many staff, one address)
    for _ in range(3):
        assert login_form(app.test_client(), "clerk321", "clerk12345", "203.0.113.9").status_code == 302
    for n in range(12):
        assert checked(login_form(app.test_client(), f"user-{n % 4}", "wrong", "203.0.113.9")), n
    refused = login_form(app.test_client(), "clerk321", "clerk12345", "203.0.113.9")
    assert refused.status_code == 429 and error_of(refused) == too_many("через 15 минут")
    assert api_login(app.test_client(), "admin", "admin12345", "203.0.113.9").status_code == 429
    assert login_form(app.test_client(), "clerk321", "clerk12345", "203.0.113.10").status_code == 302
    app.clock.shift(15 * 60)
    assert login_form(app.test_client(), "clerk321", "clerk12345", "203.0.113.9").status_code == 302


def test_form_json_and_own_password_change_share_the_counters(limited):
    app = limited
    for n in range(2):
        assert login_form(app.test_client(), "clerk27", "wrong", "203.0.113.20").status_code == 302
    for n in range(2):
        assert api_login(app.test_client(), "clerk27", "wrong", "203.0.113.20").status_code == 401
    clerk = app.test_client()
    assert login_form(clerk, "clerk27", "clerk12345", "203.0.113.20").status_code == 302  # 5th: right
    # the success forgot the failures: four more wrong ones in the own password form count again
    for n in range(4):
        page = clerk.post("/resetmypassword/form", environ_base={"REMOTE_ADDR": "203.0.113.20"}, data={
            "current_password": f"wrong-{n}", "password": "Fresh-Password-7", "conf_password": "Fresh-Password-7"})
        assert "Текущий пароль указан неверно." in page.get_data(as_text=True)
    assert api_login(app.test_client(), "clerk27", "wrong", "203.0.113.20").status_code == 401  # 5th
    refused = api_login(app.test_client(), "clerk27", "clerk12345", "203.0.113.20")
    assert refused.status_code == 429 and refused.json["message"] == too_many("через 15 минут")


def test_counters_live_in_the_database_under_hashed_keys(limited):
    app = limited
    login_form(app.test_client(), "clerk239", "wrong", "203.0.113.30")
    with app.app_context():
        rows = db.session.execute(select(AttemptCounter.key, AttemptCounter.count)).all()
        assert sorted(count for _key, count in rows) == [1, 1, 1]  # address, pair, account
        assert not any("clerk239" in key or "203.0.113" in key for key, _count in rows)
        app.clock.shift(86400)
        login_form(app.test_client(), "clerk239", "wrong", "203.0.113.30")
        assert db.session.execute(select(func.max(AttemptCounter.count))).scalar() == 1  # windows over


# --------------------------------------------------------------------------- the client's address
@pytest.fixture(scope="module")
def behind_one_proxy(tmp_path_factory, smtp_server, idp):
    path = tmp_path_factory.mktemp("proxy") / "diary.db"
    return make_app(f"sqlite:///{path}", smtp_server, idp, TRUSTED_PROXIES=1,
                    **{**LIMITS, "ATTEMPT_ACCOUNT_FREE_FAILURES": 50})


def test_a_spoofed_forwarded_for_is_ignored_without_trusted_proxies(limited):
    app = limited
    app.config.update(ATTEMPT_ACCOUNT_FREE_FAILURES=50)
    for n in range(5):
        login_form(app.test_client(), "clerk239", "wrong", "203.0.113.40", **{"X-Forwarded-For": f"10.9.9.{n}"})
    refused = login_form(app.test_client(), "clerk239", "clerk12345", "203.0.113.40",
                    **{"X-Forwarded-For": "10.9.9.99"})
    assert refused.status_code == 429
    assert login_form(app.test_client(), "clerk239", "clerk12345", "203.0.113.41",
                 **{"X-Forwarded-For": "203.0.113.40"}).status_code == 302


def test_the_forwarded_for_of_one_trusted_proxy_is_the_clients_address(behind_one_proxy):
    app = behind_one_proxy
    reset_data(app)
    proxy = "10.0.0.1"
    for n in range(5):
        # the client may put anything in front; the proxy appends the address it saw
        login_form(app.test_client(), "clerk239", "wrong", proxy, **{"X-Forwarded-For": f"6.6.6.{n}, 198.51.100.5"})
    refused = login_form(app.test_client(), "clerk239", "clerk12345", proxy, **{"X-Forwarded-For": "198.51.100.5"})
    assert refused.status_code == 429
    # another client behind the same proxy is another address
    assert login_form(app.test_client(), "clerk239", "clerk12345", proxy,
                 **{"X-Forwarded-For": "198.51.100.6"}).status_code == 302
    assert api_login(app.test_client(), "clerk239", "clerk12345", proxy,
                     **{"X-Forwarded-For": "198.51.100.5"}).status_code == 429


def test_the_same_rules_with_the_counters_in_redis(sqlite_app, redis_server):
    import redis

    app = sqlite_app
    url = redis_server.rsplit("/", 1)[0] + "/4"
    redis.Redis.from_url(url).flushdb()
    saved = {name: app.config.get(name) for name in (*LIMITS, "ATTEMPT_STORAGE_URI", "ATTEMPT_ACCOUNT_DELAY_SECONDS")}
    app.config.update(LIMITS, ATTEMPT_STORAGE_URI=url, ATTEMPT_ACCOUNT_DELAY_SECONDS=60)
    app.extensions.pop("attempt_store", None)
    try:
        for n in range(5):
            assert checked(login_form(app.test_client(), "clerk239", f"guess-{n}", "203.0.113.50"))
        refused = login_form(app.test_client(), "clerk239", "clerk12345", "203.0.113.50")
        assert refused.status_code == 429 and 895 <= int(refused.headers["Retry-After"]) <= 900
        assert login_form(app.test_client(), "clerk321", "clerk12345", "203.0.113.50").status_code == 302
        waiting = api_login(app.test_client(), "clerk239", "clerk12345", "198.51.100.50")
        assert waiting.status_code == 429 and 55 <= int(waiting.headers["Retry-After"]) <= 60
        keys = redis.Redis.from_url(url).keys("*")
        assert keys and not any(b"clerk" in key or b"203.0.113" in key for key in keys)
    finally:
        app.config.update(saved)
        app.extensions.pop("attempt_store", None)


def test_hostile_user_names_count_as_failures_not_errors(limited):
    app = limited
    for username in ("x" * 200, "' OR 1=1 --", "ИВАНОВ\t"):
        for _ in range(5):
            assert api_login(app.test_client(), username, "pass", "203.0.113.60").status_code == 401
        assert api_login(app.test_client(), username, "pass", "203.0.113.60").status_code == 429
        assert login_form(app.test_client(), username, "pass", "203.0.113.60").status_code == 429
    assert login_form(app.test_client(), "clerk239", "clerk12345", "203.0.113.60").status_code == 302
    for _ in range(7):  # NUL bytes: refused as input (400) or a counted failure, never a 500
        assert api_login(app.test_client(), "clerk239\x00", "p\x00ss", "203.0.113.62").status_code in (400, 401, 429)
        assert login_form(app.test_client(), "clerk239\x00", "p\x00ss", "203.0.113.62").status_code in (200, 302, 400, 429)


def test_counters_out_of_reach_refuse_to_check_passwords(sqlite_app):
    """Redis down (nothing listens on its port): 503 in Russian, no password checked unlimited."""
    app = sqlite_app
    saved = {name: app.config.get(name) for name in (*LIMITS, "ATTEMPT_STORAGE_URI")}
    app.config.update(LIMITS, ATTEMPT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0")
    app.extensions.pop("attempt_store", None)
    try:
        page = login_form(app.test_client(), "clerk239", "clerk12345")
        assert page.status_code == 503 and "Сервис временно недоступен" in page.get_data(as_text=True)
        answer = api_login(app.test_client(), "clerk239", "clerk12345")
        assert answer.status_code == 503 and answer.json["message"].startswith("Сервис временно недоступен")
        assert answer.headers["Retry-After"]
    finally:
        app.config.update(saved)
        app.extensions.pop("attempt_store", None)
