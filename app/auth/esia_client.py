"""ESIA_MODE=esia: the ESIA (Госуслуги) protocol for production.

ESIA is OAuth 2.0 with its own rules: the client authenticates with a signature
(client_secret = base64url of a detached signature by the system's GOST certificate, see
signer.py), every request carries a timestamp `YYYY.MM.DD HH:MM:SS +0300` and a state, and the
person's data comes from the REST API (/rs/prns) rather than a userinfo endpoint.

1. /login/esia: redirect to {ESIA_URL}/aas/oauth2/v2/ac with client_id, client_secret
   (signature of client_id + scope + timestamp + state + redirect_uri), redirect_uri, scope,
   response_type=code, state (UUID4, kept in the session, single-use), timestamp,
   access_type=online, client_certificate_hash.
2. /login/esia/callback: the state must be one we issued in this session and not used yet; an
   `error` parameter ends the login. The code is exchanged at {ESIA_URL}/aas/oauth2/v3/te with
   a new state and a signature of client_id + scope + timestamp + state + redirect_uri + code;
   the answer must echo that state.
3. The id_token: signature checked with ESIA_VERIFY_CERT when set (RS256/384/512, PS*, ES*);
   without it the token is accepted only because it came straight from the token endpoint
   over TLS-validated https (OpenID Connect Core 3.1.3.7 (6)), and ESIA_URL must be https.
   Always checked: aud is our client_id, exp not passed, iat not in the future and not older
   than ID_TOKEN_MAX_AGE, both with CLOCK_SKEW.
4. Subject: `urn:esia:sbj_id` (older tokens: `urn:esia:sbj` -> `urn:esia:sbj_oid`); names
   from /rs/prns/{oid}, verified e-mail (EML) and mobile (MBT) from /rs/prns/{oid}/ctts.
"""
import json
import logging
import uuid
from datetime import timedelta, timezone
from urllib.parse import quote, urlencode

import requests
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_der_public_key, load_pem_public_key
from flask import current_app, redirect, request, session
from flask_babel import gettext
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

from .. import clock
from . import LoginError
from .signer import SignerError, sign_b64url

log = logging.getLogger(__name__)

MOSCOW = timezone(timedelta(hours=3))
TIMESTAMP_FORMAT = "%Y.%m.%d %H:%M:%S %z"  # 2025.01.31 14:05:00 +0300
SESSION_KEY = "esia_pending"
PENDING_MAX = 5  # logins started in parallel tabs
PENDING_TTL = 15 * 60  # seconds a started login may take at ESIA
CLOCK_SKEW = 60  # seconds
ID_TOKEN_MAX_AGE = 10 * 60  # seconds since the id_token was issued
VERIFY_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"]
REQUIRED = ("ESIA_URL", "ESIA_CLIENT_ID", "ESIA_CERT_HASH", "ESIA_SIGNER_COMMAND")


def timestamp(now=None):
    return (now or clock.now()).astimezone(MOSCOW).strftime(TIMESTAMP_FORMAT)


def _unavailable():
    return gettext("Login through Gosuslugi is temporarily unavailable. Please try again later.")


class EsiaClient:
    mode = "esia"

    def __init__(self, app):
        missing = [key for key in REQUIRED if not app.config.get(key)]
        if missing:
            raise RuntimeError("ESIA_MODE=esia needs " + ", ".join(missing))
        self.url = app.config["ESIA_URL"].rstrip("/")
        self.verify_key = None
        if app.config.get("ESIA_VERIFY_CERT"):
            self.verify_key = load_verify_key(app.config["ESIA_VERIFY_CERT"])
        elif not self.url.startswith("https://"):
            raise RuntimeError(
                "ESIA_MODE=esia: set ESIA_VERIFY_CERT, or use an https ESIA_URL so that the "
                "id_token is trusted from the TLS-validated token response"
            )

    # ------------------------------------------------------------------ settings
    @staticmethod
    def _config(key, default=None):
        return current_app.config.get(key, default)

    @property
    def client_id(self):
        return self._config("ESIA_CLIENT_ID")

    @property
    def scope(self):
        return " ".join(self._config("ESIA_SCOPE", "openid").split())

    @property
    def timeout(self):
        return float(self._config("ESIA_TIMEOUT", 10))

    def _sign(self, *parts):
        try:
            return sign_b64url("".join(parts).encode("utf-8"))
        except SignerError as exc:
            raise LoginError(f"ESIA signer failed: {exc}", gettext(
                "Login through Gosuslugi is temporarily unavailable: the request could not be "
                "signed. Please try again later; if it repeats, tell the school or the service "
                "support."
            )) from exc

    # ------------------------------------------------------------------ step 1
    def authorize_redirect(self, redirect_uri):
        state = str(uuid.uuid4())
        ts = timestamp()
        scope = self.scope
        secret = self._sign(self.client_id, scope, ts, state, redirect_uri)
        pending = {
            key: value for key, value in (session.get(SESSION_KEY) or {}).items()
            if value.get("at", 0) > clock.timestamp() - PENDING_TTL
        }
        while len(pending) >= PENDING_MAX:
            pending.pop(min(pending, key=lambda k: pending[k]["at"]))
        pending[state] = {"at": clock.timestamp(), "redirect_uri": redirect_uri}
        session[SESSION_KEY] = pending
        params = {
            "client_id": self.client_id,
            "client_secret": secret,
            "redirect_uri": redirect_uri,
            "scope": scope,
            "response_type": "code",
            "state": state,
            "timestamp": ts,
            "access_type": "online",
            "client_certificate_hash": self._config("ESIA_CERT_HASH"),
        }
        return redirect(f"{self.url}/aas/oauth2/v2/ac?{urlencode(params, quote_via=quote)}")

    # ------------------------------------------------------------------ step 2
    def fetch_claims(self):
        state = request.args.get("state", "")
        pending = dict(session.get(SESSION_KEY) or {})
        started = pending.pop(state, None) if state else None
        session[SESSION_KEY] = pending  # single-use: gone whatever happens next
        if started is None or started.get("at", 0) < clock.timestamp() - PENDING_TTL:
            raise LoginError(f"ESIA callback with unknown, used or stale state {state!r}", gettext(
                "The login link is no longer valid. Please log in with Gosuslugi again."
            ))
        error = request.args.get("error")
        if error:
            description = request.args.get("error_description", "")
            if error == "access_denied":
                raise LoginError(f"ESIA: access denied: {description}", gettext(
                    "You did not allow access at Gosuslugi, so the login was not completed."
                ))
            raise LoginError(f"ESIA answered error={error}: {description}")
        code = request.args.get("code")
        if not code:
            raise LoginError("ESIA callback without code")
        token = self._exchange(code, started["redirect_uri"])
        oid = self._subject(self._id_token_claims(token.get("id_token")))
        return self._person(oid, token["access_token"])

    def _exchange(self, code, redirect_uri):
        state = str(uuid.uuid4())
        ts = timestamp()
        scope = self.scope
        data = {
            "client_id": self.client_id,
            "code": code,
            "grant_type": "authorization_code",
            "client_secret": self._sign(self.client_id, scope, ts, state, redirect_uri, code),
            "state": state,
            "redirect_uri": redirect_uri,
            "scope": scope,
            "timestamp": ts,
            "token_type": "Bearer",
            "client_certificate_hash": self._config("ESIA_CERT_HASH"),
        }
        try:
            response = requests.post(f"{self.url}/aas/oauth2/v3/te", data=data,
                                     timeout=self.timeout)
        except requests.RequestException as exc:
            raise LoginError(f"ESIA token endpoint unreachable: {exc}", _unavailable()) from exc
        if response.status_code != 200:
            raise LoginError(
                f"ESIA token endpoint answered {response.status_code}: {response.text[:300]}"
            )
        try:
            token = response.json()
        except ValueError as exc:
            raise LoginError("ESIA token endpoint answered no JSON") from exc
        if token.get("state") != state:
            raise LoginError("ESIA token response state does not match the request")
        if not token.get("access_token") or not token.get("id_token"):
            raise LoginError("ESIA token response without access_token or id_token")
        return token

    # ------------------------------------------------------------------ step 3
    def _id_token_claims(self, id_token):
        if not id_token:
            raise LoginError("ESIA token response without id_token")
        try:
            if self.verify_key is not None:
                claims = dict(jwt.decode(id_token, self.verify_key,
                                         algorithms=VERIFY_ALGORITHMS).claims)
            else:
                claims = _unverified_payload(id_token)
        except (JoseError, ValueError) as exc:
            raise LoginError(f"ESIA id_token rejected: {exc}") from exc
        now = clock.timestamp()
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.client_id not in audiences:
            raise LoginError(f"ESIA id_token for another audience: {audience!r}")
        exp, iat = _number(claims.get("exp")), _number(claims.get("iat"))
        if exp is None or iat is None:
            raise LoginError("ESIA id_token without exp or iat")
        if exp < now - CLOCK_SKEW:
            raise LoginError(f"ESIA id_token expired {now - exp:.0f} s ago")
        if iat > now + CLOCK_SKEW:
            raise LoginError(f"ESIA id_token issued {iat - now:.0f} s in the future")
        if iat < now - ID_TOKEN_MAX_AGE - CLOCK_SKEW:
            raise LoginError(f"ESIA id_token issued {now - iat:.0f} s ago: too old")
        return claims

    @staticmethod
    def _subject(claims):
        oid = claims.get("urn:esia:sbj_id")
        if oid is None and isinstance(claims.get("urn:esia:sbj"), dict):
            oid = claims["urn:esia:sbj"].get("urn:esia:sbj_oid")
        if oid is None or not str(oid).strip().isdigit():
            raise LoginError(f"ESIA id_token carries no person oid: {oid!r}")
        return str(oid).strip()

    # ------------------------------------------------------------------ step 4
    def _get(self, path, access_token):
        try:
            response = requests.get(f"{self.url}{path}", timeout=self.timeout, headers={
                "Authorization": f"Bearer {access_token}", "Accept": "application/json"})
        except requests.RequestException as exc:
            raise LoginError(f"ESIA REST unreachable: {exc}", _unavailable()) from exc
        if response.status_code != 200:
            raise LoginError(f"ESIA {path} answered {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise LoginError(f"ESIA {path} answered no JSON") from exc

    def _person(self, oid, access_token):
        person = self._get(f"/rs/prns/{oid}", access_token)
        contacts = self._get(f"/rs/prns/{oid}/ctts?embed=(elements)", access_token)
        claims = {
            "sub": oid,
            "given_name": (person.get("firstName") or "").strip(),
            "family_name": (person.get("lastName") or "").strip(),
            "middle_name": (person.get("middleName") or "").strip(),
            "email": "",
            "phone": "",
        }
        for element in contacts.get("elements") or []:
            if not isinstance(element, dict) or element.get("vrfStu") != "VERIFIED":
                continue
            value = (element.get("value") or "").strip()
            if element.get("type") == "EML" and not claims["email"]:
                claims["email"] = value
            elif element.get("type") == "MBT" and not claims["phone"]:
                claims["phone"] = value
        return claims


def _number(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _unverified_payload(token):
    """The payload of a JWS in compact form, without checking its signature (the caller's
    trust comes from the TLS-validated direct response)."""
    from base64 import urlsafe_b64decode

    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not a compact JWS")
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    claims = json.loads(urlsafe_b64decode(payload))
    if not isinstance(claims, dict):
        raise ValueError("JWS payload is not an object")
    return claims


def load_verify_key(path):
    """ESIA_VERIFY_CERT: a certificate or a public key, PEM or DER, as a joserfc key."""
    with open(path, "rb") as handle:
        raw = handle.read()
    public_key = None
    for loader in (x509.load_pem_x509_certificate, x509.load_der_x509_certificate):
        try:
            public_key = loader(raw).public_key()
            break
        except ValueError:
            continue
    if public_key is None:
        for loader in (load_pem_public_key, load_der_public_key):
            try:
                public_key = loader(raw)
                break
            except ValueError:
                continue
    if public_key is None:
        raise RuntimeError(f"ESIA_VERIFY_CERT {path}: neither a certificate nor a public key "
                           "(GOST keys cannot be checked here: see docs/esia.md)")
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    if isinstance(public_key, rsa.RSAPublicKey):
        return RSAKey.import_key(public_key)
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return ECKey.import_key(public_key)
    raise RuntimeError(f"ESIA_VERIFY_CERT {path}: unsupported key type")
