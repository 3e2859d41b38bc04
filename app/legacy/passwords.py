"""Password hashes of the old portal's accounts (docs/legacy.md).

Accepted formats:
- werkzeug `pbkdf2:<sha256|sha512|sha1>[:<iterations>]$<salt>$<hex>`;
- werkzeug `scrypt:<n>:<r>:<p>$<salt>$<hex>`;
- the old portal's own `sha256$<salt>$<hex>`: HMAC-SHA256 of the UTF-8 password with the salt
  (UTF-8) as the key, hex digest — what Werkzeug before 2.3 wrote for `method="sha256"`.

The cost parameters are bounded when a file is imported, so a hostile file cannot make one
login attempt burn minutes of CPU or gigabytes of memory."""
import hashlib
import hmac
import re
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

_PBKDF2 = re.compile(r"^pbkdf2:(sha256|sha512|sha1)(?::(\d{1,9}))?\$([^$]{1,128})\$([0-9a-f]{40,256})$")
_SCRYPT = re.compile(r"^scrypt:(\d{1,8}):(\d{1,3}):(\d{1,3})\$([^$]{1,128})\$([0-9a-f]{32,512})$")
_OWN = re.compile(r"^sha256\$([^$]{1,128})\$([0-9a-f]{64})$")

MAX_PBKDF2_ITERATIONS = 5_000_000
MAX_SCRYPT_N = 2**20
MAX_PASSWORD_LENGTH = 1024


def hash_format(value):
    """'pbkdf2' | 'scrypt' | 'sha256' for a supported hash with sane costs, else None."""
    value = value or ""
    match = _PBKDF2.match(value)
    if match:
        iterations = match.group(2)
        if iterations is not None and not 1 <= int(iterations) <= MAX_PBKDF2_ITERATIONS:
            return None
        return "pbkdf2"
    match = _SCRYPT.match(value)
    if match:
        n, r, p = (int(match.group(i)) for i in (1, 2, 3))
        if n < 2 or n > MAX_SCRYPT_N or n & (n - 1) or not 1 <= r <= 32 or not 1 <= p <= 16:
            return None
        return "scrypt"
    if _OWN.match(value):
        return "sha256"
    return None


def own_sha256_hash(password, salt=None):
    """The old portal's format (used by tests and docs to make examples)."""
    salt = salt or secrets.token_hex(8)
    digest = hmac.new(salt.encode(), password.encode(), hashlib.sha256).hexdigest()
    return f"sha256${salt}${digest}"


def verify(stored, password):
    """True when `password` matches the stored hash; False for any malformed input."""
    if not stored or password is None or len(password) > MAX_PASSWORD_LENGTH:
        return False
    kind = hash_format(stored)
    if kind is None:
        return False
    if kind == "sha256":
        _method, salt, digest = stored.split("$", 2)
        expected = hmac.new(salt.encode(), password.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, digest)
    try:
        return check_password_hash(stored, password)
    except (ValueError, TypeError, MemoryError):
        return False


_DUMMIES = {}


def dummy_verify(like, password):
    """Spend about the time a real check against a hash like `like` would take (unknown
    e-mails must not answer faster than wrong passwords). The result is meaningless."""
    method = (like or "").split("$", 1)[0] if hash_format(like) else "pbkdf2:sha256"
    if method == "sha256":
        dummy = _DUMMIES.setdefault(method, own_sha256_hash(secrets.token_hex(16)))
    else:
        dummy = _DUMMIES.get(method)
        if dummy is None:
            dummy = _DUMMIES[method] = generate_password_hash(secrets.token_hex(16), method=method)
    verify(dummy, (password or "")[:MAX_PASSWORD_LENGTH])
    return False
