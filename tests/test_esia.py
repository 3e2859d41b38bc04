"""Citizens' login through ESIA in both client modes.

ESIA_MODE=esia against tests/esia_server.py (an ESIA-protocol server on loopback that checks
the signed client_secret with the test certificate), the signer being a real `openssl`
command; ESIA_MODE=oidc against oidc-provider-mock (the conftest `idp`)."""
import logging
import re
import shutil
import subprocess
import uuid
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from sqlalchemy import func, select

from tests.helpers.app import make_app, reset_data
from tests.helpers.web import citizen_login
from tests.esia_server import EsiaServer, make_key_and_cert

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")

CLIENT_ID = "EDIARY"
OID = "1000299654"


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    directory = tmp_path_factory.mktemp("esia-keys")
    key, cert, _ = make_key_and_cert(directory, "client")
    wrong_key, _, _ = make_key_and_cert(directory, "stranger")
    return {"key": key, "cert": cert, "wrong_key": wrong_key, "dir": directory}


@pytest.fixture(scope="module")
def esia(keys, tmp_path_factory):
    server = EsiaServer(tmp_path_factory.mktemp("esia-server"), CLIENT_ID, keys["cert"]).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def _esia_app(keys, esia, smtp_server, idp, tmp_path_factory):
    path = tmp_path_factory.mktemp("esia-db") / "diary.db"
    return make_app(
        f"sqlite:///{path}", smtp_server, idp,
        ESIA_MODE="esia",
        ESIA_URL=esia.url,
        ESIA_CLIENT_ID=CLIENT_ID,
        ESIA_CERT_HASH=esia.cert_hash,
        ESIA_SIGNER_COMMAND=f"openssl dgst -sha256 -sign {keys['key']}",
        ESIA_VERIFY_CERT=str(esia.verify_cert_path),
        ESIA_TIMEOUT=5,
    )


@pytest.fixture
def esia_app(_esia_app, esia, smtp):
    reset_data(_esia_app)
    esia.reset()
    # migrations/env.py runs logging.config.fileConfig, which disables loggers that already
    # exist; the operator's log lines are part of what these tests check.
    logging.getLogger("app.auth.esia").disabled = False
    return _esia_app


# --------------------------------------------------------------------------- helpers
def start(client):
    """/login/esia: the redirect to ESIA's authorize endpoint, parsed."""
    response = client.get("/login/esia")
    assert response.status_code == 302, response.data[:500]
    location = response.headers["Location"]
    return location, {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}


def at_esia(location):
    """The browser at ESIA: the redirect back to our callback (path and query)."""
    answer = requests.get(location, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:500]
    back = urlparse(answer.headers["Location"])
    return f"{back.path}?{back.query}"


def esia_login(client):
    """The whole redirect flow; the callback's response."""
    location, _ = start(client)
    return client.get(at_esia(location))


def landing_text(client):
    return client.get("/welcome").get_data(as_text=True)


def identity_of(app, oid):
    from app.extensions import db
    from app.models import Identity

    with app.app_context():
        identity = db.session.execute(
            select(Identity).where(Identity.provider == "esia", Identity.subject == str(oid))
        ).scalar_one_or_none()
        if identity is None:
            return None
        user = identity.user
        return {"user_id": user.id, "email": identity.email, "phone": identity.phone,
                "user_email": user.email, "first_name": user.first_name,
                "middle_name": user.middle_name, "last_name": user.last_name, "username": user.username}


def identity_count(app):
    from app.extensions import db
    from app.models import Identity

    with app.app_context():
        return db.session.execute(select(func.count(Identity.id))).scalar()


def assert_logged_in(client):
    page = client.get("/my/applications")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def assert_not_logged_in(client):
    page = client.get("/my/applications")
    assert page.status_code == 302 and "/welcome" in page.headers["Location"]


# --------------------------------------------------------------------------- esia mode
def test_authorize_request_carries_the_esia_parameters(esia_app, esia):
    location, params = start(esia_app.test_client())
    assert location.startswith(f"{esia.url}/aas/oauth2/v2/ac?")
    assert params["client_id"] == CLIENT_ID
    assert params["response_type"] == "code"
    assert params["access_type"] == "online"
    assert params["scope"] == "openid fullname email mobile"
    assert params["client_certificate_hash"] == esia.cert_hash
    assert params["redirect_uri"] == "http://localhost/login/esia/callback"
    assert uuid.UUID(params["state"]).version == 4
    assert re.fullmatch(r"\d{4}\.\d{2}\.\d{2} \d{2}:\d{2}:\d{2} \+0300", params["timestamp"])
    assert re.fullmatch(r"[A-Za-z0-9_-]+", params["client_secret"])  # base64url


def test_full_login_creates_the_account_keyed_on_the_oid_and_finds_it_again(esia_app, esia):
    esia.put_user(OID, "Мария", "Иванова", "Ивановна", email="m.ivanova@example.ru",
                  mobile="+7(921)0000001")
    client = esia_app.test_client()
    done = esia_login(client)
    assert done.status_code == 302 and done.headers["Location"].endswith("/my/today")  # «Сегодня»
    assert_logged_in(client)
    first = identity_of(esia_app, OID)
    assert first["email"] == "m.ivanova@example.ru"
    assert first["user_email"] == "m.ivanova@example.ru"
    assert first["phone"] == "+79210000001"  # ESIA's verified mobile, stored in E.164
    assert (first["last_name"], first["first_name"], first["middle_name"]) == ("Иванова", "Мария", "Ивановна")
    assert first["username"] == f"esia:{OID}"
    assert esia.refusals == []

    other = esia_app.test_client()
    esia_login(other)
    assert_logged_in(other)
    assert identity_of(esia_app, OID)["user_id"] == first["user_id"]
    with esia_app.app_context():
        from app.extensions import db
        from app.models import Identity

        assert db.session.execute(
            select(func.count(Identity.id)).where(Identity.subject == OID)).scalar() == 1


def test_changed_email_at_esia_keeps_the_account_and_updates_the_contact(esia_app, esia):
    esia.put_user(OID, "Мария", "Иванова", email="old@example.ru", mobile="+79210000001")
    esia_login(esia_app.test_client())
    before = identity_of(esia_app, OID)
    count = identity_count(esia_app)

    esia.put_user(OID, "Мария", "Иванова", email="new@example.ru", mobile="+79210000002")
    client = esia_app.test_client()
    esia_login(client)
    assert_logged_in(client)
    after = identity_of(esia_app, OID)
    assert after["user_id"] == before["user_id"]
    assert after["email"] == "new@example.ru" and after["user_email"] == "new@example.ru"
    assert after["phone"] == "+79210000002"
    assert identity_count(esia_app) == count


def test_unverified_email_is_not_taken(esia_app, esia):
    esia.put_user(OID, "Мария", "Иванова", email="unchecked@example.ru", email_verified=False)
    esia_login(esia_app.test_client())
    assert identity_of(esia_app, OID)["email"] == ""


def test_older_tokens_with_urn_esia_sbj_give_the_same_account(esia_app, esia):
    esia.put_user(OID, "Мария", "Иванова", email="m.ivanova@example.ru")
    esia_login(esia_app.test_client())
    first = identity_of(esia_app, OID)
    esia.legacy_subject = True
    client = esia_app.test_client()
    esia_login(client)
    assert_logged_in(client)
    assert identity_of(esia_app, OID)["user_id"] == first["user_id"]


@pytest.mark.parametrize("where", ["authorize", "token"])
def test_a_wrong_signing_key_is_refused_and_the_citizen_reads_why(
        esia_app, esia, keys, monkeypatch, where):
    esia.put_user(OID, "Мария", "Иванова", email="m.ivanova@example.ru")
    if where == "token":
        esia.check_authorize_signature = False  # let it through to the token endpoint
    monkeypatch.setitem(esia_app.config, "ESIA_SIGNER_COMMAND",
                        f"openssl dgst -sha256 -sign {keys['wrong_key']}")
    client = esia_app.test_client()
    done = esia_login(client)
    assert done.status_code == 302 and "/welcome" in done.headers["Location"]
    endpoint = "ac" if where == "authorize" else "te"
    assert (endpoint, "client_secret signature invalid") in esia.refusals
    assert "Не удалось войти через Госуслуги" in landing_text(client)
    assert identity_of(esia_app, OID) is None
    assert_not_logged_in(client)


def test_a_base64_printing_signer_works_too(esia_app, esia, keys, monkeypatch):
    monkeypatch.setitem(esia_app.config, "ESIA_SIGNER_COMMAND",
                        f"openssl dgst -sha256 -sign {keys['key']} | openssl base64")
    esia.put_user(OID, "Мария", "Иванова", email="m.ivanova@example.ru")
    client = esia_app.test_client()
    esia_login(client)
    assert_logged_in(client)
    assert esia.refusals == []


def test_a_replayed_or_foreign_state_is_refused(esia_app, esia):
    esia.put_user(OID, "Мария", "Иванова", email="m.ivanova@example.ru")
    victim = esia_app.test_client()
    location, _ = start(victim)
    callback = at_esia(location)

    # The callback URL in another browser: its session never issued that state.
    attacker = esia_app.test_client()
    refused = attacker.get(callback)
    assert refused.status_code == 302 and "/welcome" in refused.headers["Location"]
    assert "Ссылка для входа больше не действует" in landing_text(attacker)
    assert_not_logged_in(attacker)
    assert identity_of(esia_app, OID) is None

    # The rightful browser logs in once; the same callback again is refused.
    assert victim.get(callback).headers["Location"].endswith("/my/today")
    again = victim.get(callback)
    assert "/welcome" in again.headers["Location"]
    assert "Ссылка для входа больше не действует" in landing_text(victim)


def test_a_state_is_single_use_even_in_the_same_session(esia_app, esia):
    esia.put_user(OID, "Мария", "Иванова", email="m.ivanova@example.ru")
    client = esia_app.test_client()
    location, _ = start(client)
    esia.deny_next = True
    denied = at_esia(location)
    assert "error=access_denied" in denied
    client.get(denied)
    assert "Вы не разрешили доступ" in landing_text(client)
    # The same state once more (e.g. a forged callback with a code): already used.
    state = parse_qs(urlparse(location).query)["state"][0]
    client.get(f"/login/esia/callback?code=whatever&state={state}")
    assert "Ссылка для входа больше не действует" in landing_text(client)
    assert identity_of(esia_app, OID) is None


def test_a_callback_without_state_is_refused(esia_app, esia):
    client = esia_app.test_client()
    done = client.get("/login/esia/callback?code=abc")
    assert done.status_code == 302 and "/welcome" in done.headers["Location"]
    assert "Ссылка для входа больше не действует" in landing_text(client)


def test_an_expired_request_timestamp_is_refused_by_esia(esia_app, esia):
    esia.put_user(OID, "Мария", "Иванова", email="m.ivanova@example.ru")
    esia.clock_offset = 3600  # our timestamp is an hour old for ESIA
    client = esia_app.test_client()
    esia_login(client)
    assert ("ac", "timestamp expired") in esia.refusals
    assert "Не удалось войти через Госуслуги" in landing_text(client)
    assert identity_of(esia_app, OID) is None


@pytest.mark.parametrize("iat_offset, lifetime, reason", [
    (-7200, 3600, "expired"),  # expired an hour ago
    (-7200, 86400, "too old"),  # still valid but issued two hours ago: too old for a login
    (3600, 3600, "in the future"),
])
def test_an_id_token_out_of_time_is_refused(esia_app, esia, caplog, iat_offset, lifetime,
                                            reason):
    esia.put_user(OID, "Мария", "Иванова", email="m.ivanova@example.ru")
    esia.id_token_iat_offset = iat_offset
    esia.id_token_lifetime = lifetime
    client = esia_app.test_client()
    esia_login(client)
    assert reason in caplog.text
    assert "Не удалось войти через Госуслуги" in landing_text(client)
    assert identity_of(esia_app, OID) is None
    assert_not_logged_in(client)


def test_a_token_answer_with_another_state_is_refused(esia_app, esia, caplog):
    esia.put_user(OID, "Мария", "Иванова", email="m.ivanova@example.ru")
    esia.echo_state = False
    client = esia_app.test_client()
    esia_login(client)
    assert "state does not match" in caplog.text
    assert identity_of(esia_app, OID) is None
    assert_not_logged_in(client)


def test_an_id_token_signed_by_someone_else_is_refused(esia_app, esia, keys, monkeypatch,
                                                        caplog):
    from joserfc.jwk import RSAKey

    _, _, forger = make_key_and_cert(keys["dir"], "forger")
    monkeypatch.setattr(esia, "signing_key", RSAKey.import_key(forger))
    esia.put_user(OID, "Мария", "Иванова", email="m.ivanova@example.ru")
    client = esia_app.test_client()
    esia_login(client)
    assert "id_token rejected" in caplog.text
    assert identity_of(esia_app, OID) is None
    assert_not_logged_in(client)


@pytest.mark.parametrize("command", [
    "openssl dgst -sha256 -sign /nonexistent/key.pem",  # exits 1
    "cat >/dev/null",  # prints nothing
    "no-such-signer-binary-xyz",  # not installed
    "sleep 5",  # hangs: ESIA_TIMEOUT ends it
])
def test_a_failing_signer_gives_a_clear_message_not_a_500(esia_app, esia, monkeypatch, caplog,
                                                          command):
    monkeypatch.setitem(esia_app.config, "ESIA_SIGNER_COMMAND", command)
    monkeypatch.setitem(esia_app.config, "ESIA_TIMEOUT", 1)
    client = esia_app.test_client()
    response = client.get("/login/esia")
    assert response.status_code == 302 and "/welcome" in response.headers["Location"]
    page = landing_text(client)
    assert "не удалось подписать запрос" in page
    assert "ESIA signer failed" in caplog.text
    assert "Internal" not in page and "Traceback" not in page


def test_esia_unreachable_gives_a_clear_message(esia_app, esia, monkeypatch):
    esia.put_user(OID, "Мария", "Иванова", email="m.ivanova@example.ru")
    client = esia_app.test_client()
    location, _ = start(client)
    callback = at_esia(location)
    client_obj = esia_app.extensions["esia_client"]
    monkeypatch.setattr(client_obj, "url", "http://127.0.0.1:9")  # nothing listens there
    done = client.get(callback)
    assert done.status_code == 302
    assert "временно недоступен" in landing_text(client)


def test_the_signer_contract_in_isolation(keys, tmp_path):
    from app.auth.signer import SignerError, sign

    data = b"EDIARYopenid2025.01.31 14:05:00 +0300state"
    raw = sign(data, command=f"openssl dgst -sha256 -sign {keys['key']}", timeout=5)
    as_text = sign(data, command=f"openssl dgst -sha256 -sign {keys['key']} | openssl base64",
                   timeout=5)
    assert raw == as_text and len(raw) == 256
    (tmp_path / "in").write_bytes(data)
    expected = subprocess.run(["openssl", "dgst", "-sha256", "-sign", str(keys["key"]),
                               str(tmp_path / "in")], capture_output=True, check=True).stdout
    assert raw == expected
    with pytest.raises(SignerError, match="exited with 3"):
        sign(data, command="echo broken >&2; exit 3", timeout=5)


def test_misconfigured_esia_mode_stops_at_start(smtp_server, idp, tmp_path):
    with pytest.raises(RuntimeError, match="ESIA_CERT_HASH"):
        make_app(f"sqlite:///{tmp_path}/x.db", smtp_server, idp, ESIA_MODE="esia",
                 ESIA_URL="https://esia.example", ESIA_CLIENT_ID="X",
                 ESIA_SIGNER_COMMAND="true")
    with pytest.raises(RuntimeError, match="ESIA_MODE"):
        make_app(f"sqlite:///{tmp_path}/y.db", smtp_server, idp, ESIA_MODE="saml")


# --------------------------------------------------------------------------- oidc mode
def test_oidc_mode_creates_refinds_and_follows_an_email_change(sqlite_app, idp):
    sub = f"oidc-{uuid.uuid4().hex[:8]}"
    first_client = sqlite_app.test_client()
    done = citizen_login(first_client, idp, sub, email="first@example.ru", given_name="Анна",
                         family_name="Смирнова", middle_name="Олеговна")
    assert done.headers["Location"].endswith("/my/today")
    assert_logged_in(first_client)
    first = identity_of(sqlite_app, sub)
    assert first["email"] == "first@example.ru" and first["first_name"] == "Анна"
    assert (first["last_name"], first["middle_name"]) == ("Смирнова", "Олеговна")

    again = sqlite_app.test_client()
    citizen_login(again, idp, sub)
    assert identity_of(sqlite_app, sub)["user_id"] == first["user_id"]

    count = identity_count(sqlite_app)
    moved = sqlite_app.test_client()
    citizen_login(moved, idp, sub, email="second@example.ru", given_name="Анна",
                  family_name="Смирнова")
    assert_logged_in(moved)
    after = identity_of(sqlite_app, sub)
    assert after["user_id"] == first["user_id"]
    assert after["email"] == "second@example.ru" and after["user_email"] == "second@example.ru"
    assert identity_count(sqlite_app) == count


def test_oidc_mode_refuses_a_replayed_callback(sqlite_app, idp):
    sub = f"oidc-{uuid.uuid4().hex[:8]}"
    idp.put_user(sub, email=f"{sub}@example.ru")
    client = sqlite_app.test_client()
    start_response = client.get("/login/esia")
    answer = requests.post(start_response.headers["Location"], data={"sub": sub},
                           allow_redirects=False, timeout=10)
    back = urlparse(answer.headers["Location"])
    callback = f"{back.path}?{back.query}"
    other = sqlite_app.test_client()
    refused = other.get(callback)
    assert "/welcome" in refused.headers["Location"]
    assert "Не удалось войти через Госуслуги" in landing_text(other)
    assert identity_of(sqlite_app, sub) is None


@pytest.mark.parametrize("claim", ["<img/src=x/onerror=alert(1)>@x.ru", "a@x.ru\r\nBcc: b@evil.ru",
                                   "a@x.ru, b@evil.ru", "не адрес"])
def test_a_hostile_email_claim_is_not_stored(app, idp, claim):
    """The provider's e-mail claim goes through the same address check as every other address:
    a hostile one leaves the account without it (the placeholder), and the login still works."""
    sub = f"oidc-{uuid.uuid4().hex[:8]}"
    client = app.test_client()
    citizen_login(client, idp, sub, email=claim, given_name="Анна", family_name="Смирнова")
    assert_logged_in(client)
    stored = identity_of(app, sub)
    assert stored["email"] == "" or stored["email"] is None
    assert stored["user_email"].endswith("@email.notfound")
