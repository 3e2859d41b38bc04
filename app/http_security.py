"""HTTP hardening in one place: security headers on every response (flask-talisman) and limits on
what a request may send (size, form parts, JSON nesting).

Headers: a Content-Security-Policy without inline script (our pages load only files from
/static; Flask-AppBuilder's own inline scripts carry talisman's per-request nonce, see
baselib.get_nonce()), frame-ancestors 'none' with X-Frame-Options DENY, nosniff, a
Referrer-Policy, a Permissions-Policy switching off device features, and HSTS when the service is
served over https (request.is_secure, or PREFERRED_URL_SCHEME=https behind the balancer). Nothing
here ever redirects to https: the balancer does that, development and tests run on http.

Styles keep 'unsafe-inline': the templates (ours and Flask-AppBuilder's) use style="" attributes,
and a nonce would not cover attributes. Scripts never do.

Limits: MAX_CONTENT_LENGTH for every request, IMPORT_MAX_BYTES for the data import upload only;
a declared Content-Length over the limit is refused with 413 before a byte of the body is read, a
chunked body is read at most up to the limit. JSON bodies deeper than JSON_MAX_DEPTH are a 400,
checked before any view (Flask-AppBuilder's @safe would turn errors inside its API views into 500
or English text) and again in the app's JSON provider, so every loads() is bounded."""
import re

from flask import Request, current_app, request
from flask.json.provider import DefaultJSONProvider
from flask_talisman import Talisman
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

# Endpoints that accept a large upload (IMPORT_MAX_BYTES instead of MAX_CONTENT_LENGTH).
LARGE_UPLOAD_ENDPOINTS = {"ImportView.form"}

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",  # + the request's nonce (content_security_policy_nonce_in)
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

PERMISSIONS_POLICY = {
    feature: "()"
    for feature in (
        "accelerometer", "autoplay", "browsing-topics", "camera", "display-capture",
        "geolocation", "gyroscope", "magnetometer", "microphone", "midi", "payment",
        "publickey-credentials-get", "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )
}

HSTS = "max-age=31536000; includeSubDomains"


# --------------------------------------------------------------------------- JSON depth
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]")


def json_too_deep(data, limit):
    """True when the JSON text nests arrays/objects deeper than `limit` (strings are skipped;
    the text need not be valid JSON: the parser judges that)."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if data.count(b"[") + data.count(b"{") <= limit:
        return False  # cannot be deeper than the number of its brackets
    depth = 0
    for bracket in _NOT_BRACKET.sub(b"", _JSON_STRING.sub(b"", data)):
        if bracket in b"[{":
            depth += 1
            if depth > limit:
                return True
        elif depth:
            depth -= 1
    return False


class JSONTooDeep(ValueError):
    """A ValueError, so request.get_json() turns it into 400 (or None when silent)."""


class BoundedJSONProvider(DefaultJSONProvider):
    """The app's JSON: loads() refuses nesting over JSON_MAX_DEPTH and never lets a
    RecursionError out."""

    def loads(self, s, **kwargs):
        limit = self._app.config.get("JSON_MAX_DEPTH", 64)
        if json_too_deep(s, limit):
            raise JSONTooDeep(f"JSON nested deeper than {limit}")
        try:
            return super().loads(s, **kwargs)
        except RecursionError as exc:
            raise JSONTooDeep("JSON nested too deep") from exc


# --------------------------------------------------------------------------- hooks
class LimitedRequest(Request):
    """The request's size limit depends on its endpoint (known once the URL is matched), so
    whichever hook or view reads the body first, the right limit applies. A chunked body (no
    length; the server terminates the stream) is read once, at most up to the limit, and is a
    413 past it: werkzeug alone would hand the parsers the first `limit` bytes as if they were
    all of it."""

    @property
    def max_content_length(self):
        if self._max_content_length is None and self.endpoint in LARGE_UPLOAD_ENDPOINTS:
            return current_app.config["IMPORT_MAX_BYTES"]
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value):
        self._max_content_length = value

    def _read_chunked_body(self):
        if getattr(self, "_cached_data", None) is not None or self.content_length is not None:
            return
        if not (self.environ.get("wsgi.input_terminated")
                and "chunked" in self.headers.get("Transfer-Encoding", "").lower()):
            return
        data = super().get_data(cache=True)  # kept: the form and JSON parsers read this copy
        limit = self.max_content_length
        if limit is not None and len(data) >= limit:
            raise RequestEntityTooLarge()

    def get_data(self, *args, **kwargs):
        self._read_chunked_body()
        return super().get_data(*args, **kwargs)

    def _load_form_data(self):
        self._read_chunked_body()
        super()._load_form_data()


def limit_request():
    """Early before_request hook: 413 for a declared length over the limit (nothing read); 400
    for a JSON body nested deeper than JSON_MAX_DEPTH (before Flask-AppBuilder's @safe views could
    turn it into a 500 or English text)."""
    limit = request.max_content_length
    length = request.content_length
    if limit is not None and length is not None and length > limit:
        raise RequestEntityTooLarge()
    if request.is_json:
        data = request.get_data(cache=True)  # at most `limit` bytes (413 past it)
        if data and json_too_deep(data, current_app.config["JSON_MAX_DEPTH"]):
            raise BadRequest()


def strict_transport_security(response):
    if request.is_secure or current_app.config.get("PREFERRED_URL_SCHEME") == "https":
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app):
    app.json = BoundedJSONProvider(app)
    app.request_class = LimitedRequest
    Talisman(
        app,
        force_https=False,  # the balancer redirects; development and tests are plain http
        strict_transport_security=False,  # strict_transport_security() above decides
        session_cookie_secure=app.config.get("SESSION_COOKIE_SECURE", False),  # config decides
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE", "Lax"),
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        content_security_policy_nonce_in=["script-src"],
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy=PERMISSIONS_POLICY,
    )
    # Ahead of CSRFProtect, sessions and logins (the size limits themselves live in LimitedRequest,
    # so they hold whichever hook reads the body first).
    app.before_request_funcs.setdefault(None, []).insert(0, limit_request)
    app.after_request(strict_transport_security)
