"""A small ESIA-protocol server for the tests, on 127.0.0.1 in a thread.

It implements what app/auth/esia_client.py talks to and checks what real ESIA checks:
- GET  /aas/oauth2/v2/ac   - the request's client_secret signature (client_id + scope +
  timestamp + state + redirect_uri), the timestamp format `YYYY.MM.DD HH:MM:SS +0300` and its
  freshness, the certificate hash; auto-approves as `next_oid` (redirect with code and state),
  refuses by redirecting with error=... and the caller's state;
- POST /aas/oauth2/v3/te   - the same checks with the code in the signed string; a code is
  single-use and bound to its redirect_uri; answers access_token and an RS256 id_token with
  `urn:esia:sbj_id`, echoing the request's state;
- GET  /rs/prns/<oid>, /rs/prns/<oid>/ctts?embed=(elements) - the person and contacts, for the
  Bearer token of that person only.

Signatures are what `openssl dgst -sha256 -sign key.pem` prints: RSA PKCS#1 v1.5 over SHA-256
(the GOST CMS signature of production is the same contract with another algorithm)."""
import base64
import re
import secrets
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

TIMESTAMP_RE = re.compile(r"^\d{4}\.\d{2}\.\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}$")
TIMESTAMP_FORMAT = "%Y.%m.%d %H:%M:%S %z"
MAX_TIMESTAMP_AGE = 300  # seconds


def make_key_and_cert(directory, name):
    """An RSA key and a self-signed certificate as PEM files; (key_path, cert_path, key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path = directory / f"{name}.key.pem"
    cert_path = directory / f"{name}.cert.pem"
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path, key


def cert_hash(cert_path):
    """A stand-in for ESIA's client_certificate_hash (real ESIA: a GOST hash of the cert)."""
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return cert.fingerprint(hashes.SHA256()).hex().upper()


def _b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class EsiaServer:
    def __init__(self, directory, client_id, client_cert_path):
        self.client_id = client_id
        self.client_public_key = x509.load_pem_x509_certificate(
            client_cert_path.read_bytes()).public_key()
        self.cert_hash = cert_hash(client_cert_path)
        _, self.verify_cert_path, server_key = make_key_and_cert(directory, "esia-server")
        self.signing_key = RSAKey.import_key(server_key)
        self.app = self._make_app()
        self.users = {}
        self.reset()
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # ------------------------------------------------------------------ control
    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()

    def reset(self):
        self.users.clear()
        self.next_oid = None
        self.codes = {}
        self.tokens = {}
        self.refusals = []  # (endpoint, reason) of every refused request
        self.clock_offset = 0  # seconds the server's clock runs ahead
        self.id_token_iat_offset = 0  # seconds added to the id_token's iat
        self.id_token_lifetime = 3600
        self.check_authorize_signature = True
        self.deny_next = False  # the person presses "Отказать"
        self.echo_state = True
        self.legacy_subject = False  # urn:esia:sbj/urn:esia:sbj_oid instead of urn:esia:sbj_id

    def put_user(self, oid, first, last, middle="", email=None, mobile=None,
                 email_verified=True):
        oid = str(oid)
        contacts = []
        if email:
            contacts.append({"type": "EML", "value": email,
                             "vrfStu": "VERIFIED" if email_verified else "NOT_VERIFIED"})
        if mobile:
            contacts.append({"type": "MBT", "value": mobile, "vrfStu": "VERIFIED"})
        self.users[oid] = {
            "person": {"firstName": first, "lastName": last, "middleName": middle,
                       "trusted": True, "stateFacts": ["EntityRoot"]},
            "contacts": contacts,
        }
        self.next_oid = oid

    # ------------------------------------------------------------------ checks
    def _refuse(self, endpoint, reason):
        self.refusals.append((endpoint, reason))
        return reason

    def _check_common(self, params, endpoint, *signed_extra):
        if params.get("client_id") != self.client_id:
            return self._refuse(endpoint, "unknown client_id")
        if params.get("client_certificate_hash") != self.cert_hash:
            return self._refuse(endpoint, "wrong client_certificate_hash")
        ts = params.get("timestamp", "")
        if not TIMESTAMP_RE.match(ts):
            return self._refuse(endpoint, f"timestamp format: {ts!r}")
        moment = datetime.strptime(ts, TIMESTAMP_FORMAT).timestamp()
        if abs(time.time() + self.clock_offset - moment) > MAX_TIMESTAMP_AGE:
            return self._refuse(endpoint, "timestamp expired")
        try:
            uuid.UUID(params.get("state", ""))
        except ValueError:
            return self._refuse(endpoint, "state is not a UUID")
        if endpoint == "ac" and not self.check_authorize_signature:
            return None
        signed = (params.get("client_id", "") + params.get("scope", "") + ts
                  + params.get("state", "") + params.get("redirect_uri", "")
                  + "".join(signed_extra))
        try:
            self.client_public_key.verify(
                _b64url_decode(params.get("client_secret", "")), signed.encode("utf-8"),
                padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return self._refuse(endpoint, "client_secret signature invalid")
        return None

    # ------------------------------------------------------------------ the app
    def _make_app(self):
        app = Flask("esia-test-server")

        @app.get("/aas/oauth2/v2/ac")
        def authorize():
            params = request.args
            redirect_uri = params.get("redirect_uri")
            if not redirect_uri:
                return "redirect_uri missing", 400
            problem = self._check_common(params, "ac")
            if not problem and params.get("response_type") != "code":
                problem = self._refuse("ac", "response_type")
            if not problem and params.get("access_type") not in ("online", "offline"):
                problem = self._refuse("ac", "access_type")
            answer = {"state": params.get("state", "")}
            if problem:
                answer.update(error="invalid_request", error_description=problem)
            elif self.deny_next or self.next_oid is None:
                self.deny_next = False
                answer.update(error="access_denied", error_description="ESIA-007008")
            else:
                code = secrets.token_urlsafe(24)
                self.codes[code] = {"oid": self.next_oid, "redirect_uri": redirect_uri,
                                    "scope": params.get("scope", "")}
                answer["code"] = code
            return redirect(f"{redirect_uri}?{urlencode(answer)}")

        @app.post("/aas/oauth2/v3/te")
        def token():
            form = request.form
            code = form.get("code", "")
            problem = self._check_common(form, "te", code)
            grant = self.codes.pop(code, None)  # single-use even when refused
            if not problem and form.get("grant_type") != "authorization_code":
                problem = self._refuse("te", "grant_type")
            if not problem and form.get("token_type") != "Bearer":
                problem = self._refuse("te", "token_type")
            if not problem and grant is None:
                problem = self._refuse("te", "unknown or used code")
            if not problem and grant["redirect_uri"] != form.get("redirect_uri"):
                problem = self._refuse("te", "redirect_uri differs from the authorize request")
            if problem:
                return jsonify(error="invalid_request", error_description=problem), 400
            oid = grant["oid"]
            now = int(time.time() + self.clock_offset)
            iat = now + self.id_token_iat_offset
            claims = {
                "iss": self.url + "/", "aud": self.client_id, "sub": int(oid),
                "nbf": iat, "iat": iat, "exp": iat + self.id_token_lifetime,
                "auth_time": iat, "amr": "PWD", "urn:esia:amd": "PWD",
            }
            if self.legacy_subject:
                claims["urn:esia:sbj"] = {"urn:esia:sbj_typ": "P", "urn:esia:sbj_oid": int(oid),
                                          "urn:esia:sbj_is_tru": True}
            else:
                claims["urn:esia:sbj_id"] = int(oid)
            id_token = jwt.encode({"alg": "RS256", "typ": "JWT"}, claims, self.signing_key)
            access_token = secrets.token_urlsafe(32)
            self.tokens[access_token] = oid
            return jsonify(
                access_token=access_token, id_token=id_token, token_type="Bearer",
                expires_in=3600, refresh_token=secrets.token_urlsafe(16),
                state=form.get("state") if self.echo_state else str(uuid.uuid4()),
            )

        def _person_of(oid):
            header = request.headers.get("Authorization", "")
            if not header.startswith("Bearer ") or self.tokens.get(header[7:]) != oid:
                return None
            return self.users.get(oid)

        @app.get("/rs/prns/<oid>")
        def person(oid):
            user = _person_of(oid)
            if user is None:
                return jsonify(code="ESIA-005011", message="Forbidden"), 403
            return jsonify(dict(user["person"], oid=int(oid), eTag="1"))

        @app.get("/rs/prns/<oid>/ctts")
        def contacts(oid):
            user = _person_of(oid)
            if user is None:
                return jsonify(code="ESIA-005011", message="Forbidden"), 403
            if request.args.get("embed") != "(elements)":
                return jsonify(elements=[], size=0)
            elements = [dict(c, id=i + 1) for i, c in enumerate(user["contacts"])]
            return jsonify(stateFacts=["hasSize"], size=len(elements), elements=elements)

        return app
