"""Settings of the service. Every value can be overridden by an environment variable
of the same name (microblog-style environment-driven Config)."""
import os

from flask_appbuilder.const import AUTH_DB

BASE_DIR = os.path.abspath(os.path.dirname(__file__))
INSTANCE_DIR = os.path.join(BASE_DIR, "instance")


def _env_int(name, default):
    return int(os.environ.get(name, default))


def _env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


class Config:
    APP_NAME = "Электронный дневник"
    # Required: at least 32 random bytes (create_app refuses to start otherwise, app/auth/session_keys.py).
    # `make run` makes its own development key once (instance/dev-secret-key); the tests pass theirs.
    SECRET_KEY = os.environ.get("SECRET_KEY", "")

    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", "sqlite:///" + os.path.join(INSTANCE_DIR, "diary.db")
    )
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # A streaming replica (app/replica): reports and family diary reads go there while its lag is
    # at most REPLICA_MAX_LAG_SECONDS (asked once per REPLICA_CHECK_SECONDS per process); empty: none.
    DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
    REPLICA_MAX_LAG_SECONDS = float(os.environ.get("REPLICA_MAX_LAG_SECONDS", "5"))
    REPLICA_CHECK_SECONDS = float(os.environ.get("REPLICA_CHECK_SECONDS", "1"))
    REPLICA_CONNECT_TIMEOUT = _env_int("REPLICA_CONNECT_TIMEOUT", 2)

    # Flask-AppBuilder: schema belongs to migrations, permissions to `flask init`.
    FAB_CREATE_DB = False
    FAB_UPDATE_PERMS = False
    FAB_SECURITY_MANAGER_CLASS = "app.security.DiarySecurityManager"
    FAB_INDEX_VIEW = "app.views.DiaryIndexView"
    FAB_API_SWAGGER_UI = True
    FAB_API_MAX_PAGE_SIZE = 100
    # FAB's REST user/role/permission/group API (/api/v1/security/users/ …) stays off: staff
    # accounts are managed on our screens (password policy, audit). The JSON login
    # POST /api/v1/security/login does not depend on it (FAB_ADD_SECURITY_VIEWS).
    FAB_ADD_SECURITY_API = False
    FAB_ROLES = {}

    # Staff log in with a password; citizens through ESIA (own Authlib client, app/auth).
    AUTH_TYPE = AUTH_DB
    AUTH_ROLE_ADMIN = "Admin"
    AUTH_ROLE_PUBLIC = "Public"
    AUTH_USER_REGISTRATION = False
    # FAB's own per-address limit of login form POSTs counts in each process's memory: off; the
    # failed-attempt limits below cover the form and the JSON login, shared by all processes.
    AUTH_RATE_LIMITED = _env_bool("AUTH_RATE_LIMITED", False)
    AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "10 per 20 second")
    # Operations (app/ops): Redis checked by /ready when set; /metrics open to loopback or to
    # "Authorization: Bearer <METRICS_TOKEN>"; logs as JSON lines (LOG_FORMAT=text for plain lines).
    REDIS_URL = os.environ.get("REDIS_URL", "")
    # Family diary pages and diary API GETs answer with an ETag and a 304 when the client holds
    # the answer (app.diary.conditional); RELEASE (e.g. the image tag) goes into every ETag,
    # by default a stamp of the app's files.
    CONDITIONAL_GET = _env_bool("CONDITIONAL_GET", True)
    RELEASE = os.environ.get("RELEASE", "")
    # The week of a class in Redis (app.diary.read_model), when REDIS_URL is set; keys carry the
    # class revision, so a change is seen at once and old entries just expire.
    READ_MODEL_CACHE = _env_bool("READ_MODEL_CACHE", True)
    READ_MODEL_TTL_SECONDS = _env_int("READ_MODEL_TTL_SECONDS", 86400)
    # A family's account (user, roles, session secret) in Redis for the session check without a
    # database round trip (app.auth.account_cache), when REDIS_URL is set; every change through
    # the app forgets it at once, a change made outside it (SQL by hand) within this many seconds.
    ACCOUNT_CACHE = _env_bool("ACCOUNT_CACHE", True)
    # The operator commands (`flask db`, `flask init`, `flask seed` …) and their migration tool:
    # scripts/gunicorn_conf.py turns them off in web workers (about 9 MB a worker less).
    CLI_COMMANDS = _env_bool("CLI_COMMANDS", True)
    ACCOUNT_CACHE_SECONDS = _env_int("ACCOUNT_CACHE_SECONDS", 300)
    READY_TIMEOUT_SECONDS = float(os.environ.get("READY_TIMEOUT_SECONDS", "2"))
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL", "memory://")
    # Failed attempts (app/ratelimit.py): staff logins (form, JSON, own password change) and the
    # legacy account link. Counters in Redis (REDIS_URL) or else the database, never in memory.
    ATTEMPT_STORAGE_URI = os.environ.get("ATTEMPT_STORAGE_URI") or os.environ.get("REDIS_URL") or "database"
    # per (address, account):
    ATTEMPT_RATE_LIMIT = os.environ.get("ATTEMPT_RATE_LIMIT", "5 per 15 minutes")
    # per address, any account:
    ATTEMPT_ADDRESS_RATE_LIMIT = os.environ.get("ATTEMPT_ADDRESS_RATE_LIMIT", "100 per 15 minutes")
    # per account, any address: after FREE failures waits of DELAY s, doubling, at most MAX s;
    # failures remembered MEMORY s from the first.
    ATTEMPT_ACCOUNT_FREE_FAILURES = _env_int("ATTEMPT_ACCOUNT_FREE_FAILURES", 5)
    ATTEMPT_ACCOUNT_DELAY_SECONDS = _env_int("ATTEMPT_ACCOUNT_DELAY_SECONDS", 1)
    ATTEMPT_ACCOUNT_DELAY_MAX_SECONDS = _env_int("ATTEMPT_ACCOUNT_DELAY_MAX_SECONDS", 600)
    ATTEMPT_ACCOUNT_MEMORY_SECONDS = _env_int("ATTEMPT_ACCOUNT_MEMORY_SECONDS", 86400)
    # Any of them for one kind only: STAFF_LOGIN_<NAME> or LEGACY_LINK_<NAME> (read below).
    # Client address: X-Forwarded-For / X-Forwarded-Proto are believed only from this many
    # proxies in front of the app (werkzeug ProxyFix); 0: the socket's address.
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
    # Staff passwords (app/auth/passwords.py).
    PASSWORD_MIN_LENGTH = _env_int("PASSWORD_MIN_LENGTH", 10)
    # The database cannot be reached: pages and API answer 503 with this Retry-After (app/errors.py).
    RETRY_AFTER_SECONDS = _env_int("RETRY_AFTER_SECONDS", 30)

    # Russian first.
    BABEL_DEFAULT_LOCALE = "ru"
    # The service's day (app/clock.py): St. Petersburg's, never the server clock's.
    TIMEZONE = os.environ.get("TIMEZONE", "Europe/Moscow")
    BABEL_DEFAULT_TIMEZONE = TIMEZONE
    # One language: the service is for Russian speakers (FAB hides its language menu then).
    LANGUAGES = {"ru": {"flag": "ru", "name": "Русский"}}

    # Forms and cookies.
    WTF_CSRF_ENABLED = _env_bool("WTF_CSRF_ENABLED", True)
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_NAME = "diary_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Served over HTTPS (behind the balancer): links are built with https and the session cookie
    # is Secure. PREFERRED_URL_SCHEME=https switches SESSION_COOKIE_SECURE on even when set
    # later (app/auth/sessions.py); docs/staff-login.md.
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", PREFERRED_URL_SCHEME == "https")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Server-side sessions (Flask-Session, app/auth/session_store.py): the database table web_session
    # by default, Redis when SESSION_REDIS_URL (default: REDIS_URL) is set. A session ends after
    # SESSION_IDLE_MINUTES_* without a request and SESSION_MAX_HOURS_* after its login, whatever
    # happens (app/auth/sessions.py); staff accounts (any staff role) and families apart.
    SESSION_REDIS_URL = os.environ.get("SESSION_REDIS_URL", os.environ.get("REDIS_URL", ""))
    SESSION_IDLE_MINUTES_STAFF = _env_int("SESSION_IDLE_MINUTES_STAFF", 30)
    SESSION_MAX_HOURS_STAFF = _env_int("SESSION_MAX_HOURS_STAFF", 12)
    SESSION_IDLE_MINUTES_FAMILY = _env_int("SESSION_IDLE_MINUTES_FAMILY", 60)
    SESSION_MAX_HOURS_FAMILY = _env_int("SESSION_MAX_HOURS_FAMILY", 24)
    SESSION_CLEANUP_N_REQUESTS = _env_int("SESSION_CLEANUP_N_REQUESTS", 1000)  # expired rows deleted
    SESSION_PERMANENT = True
    SESSION_REFRESH_EACH_REQUEST = False  # the store is written when the session changes (last seen: once a minute)

    # Request limits (app/http_security.py): a body over MAX_CONTENT_LENGTH is refused with 413
    # before it is read; only the data import upload may send up to IMPORT_MAX_BYTES (the page
    # itself refuses files over 50 MB). Form fields held in memory, form parts, JSON nesting.
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 1024 * 1024)
    IMPORT_MAX_BYTES = _env_int("IMPORT_MAX_BYTES", 51 * 1024 * 1024)
    MAX_FORM_MEMORY_SIZE = _env_int("MAX_FORM_MEMORY_SIZE", 500 * 1024)
    MAX_FORM_PARTS = _env_int("MAX_FORM_PARTS", 1000)
    JSON_MAX_DEPTH = _env_int("JSON_MAX_DEPTH", 64)

    # Identity provider for citizens (ESIA in production, oidc-provider-mock in development).
    IDP_PORT = _env_int("IDP_PORT", 5001)
    OIDC_ISSUER = os.environ.get("OIDC_ISSUER", f"http://localhost:{IDP_PORT}")
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "e-diary")
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "e-diary-secret")
    OIDC_SCOPE = os.environ.get("OIDC_SCOPE", "openid profile email phone")  # phone: phone_number(_verified)
    OIDC_PROVIDER = os.environ.get("OIDC_PROVIDER", "esia")  # key stored with the subject

    # Citizens' login client (docs/esia.md): "oidc" = standard OpenID Connect with the OIDC_*
    # settings above; "esia" = ESIA's own protocol with signed requests (production).
    ESIA_MODE = os.environ.get("ESIA_MODE", "oidc")
    ESIA_URL = os.environ.get("ESIA_URL", "https://esia.gosuslugi.ru")  # test: esia-portal1.test.gosuslugi.ru
    ESIA_CLIENT_ID = os.environ.get("ESIA_CLIENT_ID", "")  # the system's mnemonic at ESIA
    ESIA_SCOPE = os.environ.get("ESIA_SCOPE", "openid fullname email mobile")
    ESIA_CERT_HASH = os.environ.get("ESIA_CERT_HASH", "")  # client_certificate_hash of our certificate
    # Shell command: bytes on stdin -> detached signature (DER or base64) on stdout.
    ESIA_SIGNER_COMMAND = os.environ.get("ESIA_SIGNER_COMMAND", "")
    # Certificate or public key (PEM/DER) that checks the id_token signature; empty: trust the
    # TLS-validated direct token response (ESIA_URL must be https).
    ESIA_VERIFY_CERT = os.environ.get("ESIA_VERIFY_CERT", "")
    ESIA_TIMEOUT = _env_int("ESIA_TIMEOUT", 10)  # seconds, HTTP calls and the signer

    # Invitations to a pupil's diary (app/invitations).
    INVITE_DAYS = _env_int("INVITE_DAYS", 7)
    INVITE_MAX_ACTIVE = _env_int("INVITE_MAX_ACTIVE", 5)

    # SMS gateway (app/notify/sms.py); without a URL messages go to SMS_DIR as text files.
    SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
    SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")
    SMS_TIMEOUT = _env_int("SMS_TIMEOUT", 10)
    SMS_DIR = os.environ.get("SMS_DIR", os.path.join(BASE_DIR, "instance", "sms"))
    SMS_QUIET_FROM = os.environ.get("SMS_QUIET_FROM", "22:00")  # local time (TIMEZONE)
    SMS_QUIET_TO = os.environ.get("SMS_QUIET_TO", "08:00")
    # Confirming a typed mobile number by an SMS code (app/notify/phones.py, app/portal/phone.py):
    # the code lives 10 minutes and allows 5 wrong tries; sending is limited per person and address
    # by app/ratelimit.py (kind "phone-code"): 3 codes per 15 minutes, then a doubling wait.
    PHONE_CODE_TTL_MINUTES = _env_int("PHONE_CODE_TTL_MINUTES", 10)
    PHONE_CODE_MAX_ATTEMPTS = _env_int("PHONE_CODE_MAX_ATTEMPTS", 5)
    PHONE_CODE_RATE_LIMIT = os.environ.get("PHONE_CODE_RATE_LIMIT", "3 per 15 minutes")
    PHONE_CODE_ADDRESS_RATE_LIMIT = os.environ.get("PHONE_CODE_ADDRESS_RATE_LIMIT", "30 per hour")
    PHONE_CODE_ACCOUNT_FREE_FAILURES = _env_int("PHONE_CODE_ACCOUNT_FREE_FAILURES", 3)
    PHONE_CODE_ACCOUNT_DELAY_SECONDS = _env_int("PHONE_CODE_ACCOUNT_DELAY_SECONDS", 60)
    DIGEST_TIME = os.environ.get("DIGEST_TIME", "19:00")  # the daily digest goes out then

    # Mail.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "Электронный дневник <no-reply@diary.localhost>"
    )
    MAIL_TIMEOUT = _env_int("MAIL_TIMEOUT", 10)
    # Where e-mails go when MAIL_SERVER is empty: .eml files a developer can open.
    MAIL_DIR = os.environ.get("MAIL_DIR", os.path.join(INSTANCE_DIR, "mail"))
    # Public address used in links inside e-mails.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", f"http://localhost:{_env_int('PORT', 5000)}")

    # Workflow.
    EXPIRE_DAYS = _env_int("EXPIRE_DAYS", 30)
    MAX_ATTEMPTS = _env_int("MAX_ATTEMPTS", 5)
    OUTBOX_BACKOFF_SECONDS = _env_int("OUTBOX_BACKOFF_SECONDS", 30)
    OUTBOX_BACKOFF_MAX_SECONDS = _env_int("OUTBOX_BACKOFF_MAX_SECONDS", 3600)
    OUTBOX_POLL_SECONDS = float(os.environ.get("OUTBOX_POLL_SECONDS", "2"))
    # After MAX_ATTEMPTS fast tries a message is retried every OUTBOX_SLOW_RETRY_SECONDS until
    # OUTBOX_GIVE_UP_DAYS after its first failure; then it is failed and ADMIN_EMAIL (comma-separated;
    # empty: the e-mails of active administrators) gets one alert an hour at most.
    OUTBOX_SLOW_RETRY_SECONDS = _env_int("OUTBOX_SLOW_RETRY_SECONDS", 3600)
    OUTBOX_GIVE_UP_DAYS = _env_int("OUTBOX_GIVE_UP_DAYS", 3)
    ADMIN_EMAIL = os.environ.get("ADMIN_EMAIL", "")

    PORT = _env_int("PORT", 5000)

    BABEL_TRANSLATION_DIRECTORIES = os.path.join(BASE_DIR, "app", "translations")


# Per-kind overrides of the attempt limits (app/ratelimit.py), e.g. STAFF_LOGIN_RATE_LIMIT.
for _kind in ("STAFF_LOGIN", "LEGACY_LINK"):
    for _name in ("RATE_LIMIT", "ADDRESS_RATE_LIMIT", "ACCOUNT_FREE_FAILURES", "ACCOUNT_DELAY_SECONDS",
                  "ACCOUNT_DELAY_MAX_SECONDS", "ACCOUNT_MEMORY_SECONDS"):
        if os.environ.get(f"{_kind}_{_name}"):
            setattr(Config, f"{_kind}_{_name}", os.environ[f"{_kind}_{_name}"])
