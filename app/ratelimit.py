"""Failed attempts (staff logins on the form and the JSON API, own password change, linking an old
portal account) limited so that an attacker cannot turn the limit against everybody:

1. per account (user name / e-mail, from any address): ACCOUNT_FREE_FAILURES (5) failures, then
   every further attempt waits for a delay that doubles: 1 s after the 5th failure, 2 s after the
   6th, 4 s, 8 s, … up to ACCOUNT_DELAY_MAX_SECONDS (600 s); the failures are remembered for
   ACCOUNT_MEMORY_SECONDS (a day) from the first one;
2. per (address, account): RATE_LIMIT failures per window ("5 per 15 minutes");
3. per address, whatever the account: ADDRESS_RATE_LIMIT ("100 per 15 minutes").

An attacker's failures from one address lock only that pair; the right password from another
address goes through unless the account-wide delay is running. A success forgets the account's
failures and those of the pair; the address keeps its other failures (it may be guessing).

Each setting is looked up as <KIND>_<NAME> first (e.g. STAFF_LOGIN_RATE_LIMIT,
LEGACY_LINK_ACCOUNT_FREE_FAILURES), then ATTEMPT_<NAME> (config.py). RATELIMIT_ENABLED=false
switches the limits off (tests, debugging).

Usage — the attempt is counted as a failure *before* the password is checked (so that workers
running side by side cannot check more than the limit), and refunded on success:

    attempt = ratelimit.begin("legacy-link", account=email, address=request.remote_addr)
    if attempt is None: -> 429 «Слишком много попыток…» (attempt_refusal() says how long to wait)
    ... check the password ...
    on success: attempt.succeeded()     (on failure nothing more: it stays counted)

The counters are shared by all processes (app/ratelimit_store.py: Redis or the database)."""
import hashlib
import logging
from dataclasses import dataclass, field

from flask import current_app, g
from limits import parse

from .ratelimit_store import store

log = logging.getLogger(__name__)

DEFAULTS = {
    "RATE_LIMIT": "5 per 15 minutes",
    "ADDRESS_RATE_LIMIT": "100 per 15 minutes",
    "ACCOUNT_FREE_FAILURES": 5,
    "ACCOUNT_DELAY_SECONDS": 1,
    "ACCOUNT_DELAY_MAX_SECONDS": 600,
    "ACCOUNT_MEMORY_SECONDS": 86400,
}


def setting(kind, name):
    config = current_app.config
    own = f"{kind.upper().replace('-', '_')}_{name}"
    if config.get(own) not in (None, ""):
        return config[own]
    return config.get(f"ATTEMPT_{name}", DEFAULTS[name])


def enabled():
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def account_delay(kind, failures):
    """Seconds the account waits after `failures` failures (0 below the free ones)."""
    free = _free(kind)
    if failures < free:
        return 0
    base = float(setting(kind, "ACCOUNT_DELAY_SECONDS"))
    cap = float(setting(kind, "ACCOUNT_DELAY_MAX_SECONDS"))
    return min(cap, base * 2 ** min(failures - free, 64))


def _free(kind):
    return max(1, int(setting(kind, "ACCOUNT_FREE_FAILURES")))


def _key(kind, rule, *values):
    digest = hashlib.sha256("\x00".join([kind, rule, *values]).encode()).hexdigest()[:48]
    return f"{rule[:8]}:{digest}"


def _norm(value):
    return str(value or "").strip().lower()


@dataclass
class Attempt:
    """One reserved attempt: counted as a failure until succeeded() refunds it."""

    kind: str
    account: str = ""
    address: str = ""
    taken: list = field(default_factory=list)  # keys incremented for this attempt

    def succeeded(self):
        counters = store()
        for key in self.taken:
            if key.startswith("address:"):
                counters.decr(key)
        if self.account:
            counters.clear(_key(self.kind, "account", self.account))
            counters.clear(_key(self.kind, "gate", self.account))
            counters.clear(_key(self.kind, "armed", self.account))
            if self.address:
                counters.clear(_key(self.kind, "pair", self.address, self.account))
        self.taken = []


@dataclass
class Refusal:
    rule: str  # "address", "pair" or "account"
    retry_after: float  # seconds


class _Refused(Exception):
    def __init__(self, refusal):
        super().__init__(refusal.rule)
        self.refusal = refusal


def begin(kind, account=None, address=None):
    """Reserve one attempt for `account` from `address`: an Attempt, or None when a limit is
    reached (then attempt_refusal() tells which and for how long)."""
    account, address = _norm(account), _norm(address)
    g._attempt_refusal = None
    if not enabled():
        return Attempt(kind, account, address)
    attempt = Attempt(kind, account, address)
    try:
        _reserve(attempt)
    except _Refused as refused:
        _undo(attempt)
        g._attempt_refusal = refused.refusal
        log.warning("%s refused (%s limit, %.0f s): account %r from %s", kind, refused.refusal.rule,
                    refused.refusal.retry_after, account[:64], address[:64])
        return None
    return attempt


def attempt_refusal():
    """The Refusal of the last begin() in this request, or None."""
    return getattr(g, "_attempt_refusal", None)


def _reserve(attempt):
    counters = store()
    kind, account, address = attempt.kind, attempt.account, attempt.address
    windows = []
    if address:
        windows.append(("address", _key(kind, "address", address), parse(setting(kind, "ADDRESS_RATE_LIMIT"))))
        if account:
            windows.append(("pair", _key(kind, "pair", address, account), parse(setting(kind, "RATE_LIMIT"))))
    gate = _key(kind, "gate", account) if account else None
    # Cheap reads first: an attacker beyond a limit causes no writes.
    for rule, key, limit in windows:
        if counters.get(key) >= limit.amount:
            raise _Refused(Refusal(rule, counters.expires_in(key)))
    if gate and counters.get(gate) > 0:
        raise _Refused(Refusal("account", counters.expires_in(gate)))
    # Then the atomic increments decide (several workers at once).
    for rule, key, limit in windows:
        attempt.taken.append(key)
        if counters.incr(key, limit.get_expiry()) > limit.amount:
            raise _Refused(Refusal(rule, counters.expires_in(key)))
    if account:
        key = _key(kind, "account", account)
        attempt.taken.append(key)
        memory = float(setting(kind, "ACCOUNT_MEMORY_SECONDS"))
        failures = counters.incr(key, memory)
        delay = account_delay(kind, failures)
        if delay:
            # The last free attempt closes the gate for the first delay, then "arms" the account;
            # a later attempt passes only when the account is armed and it opens the gate first
            # (holders == 1), closing it for the next delay. Gate before arm: two attempts at once
            # can never both pass.
            armed = _key(kind, "armed", account)
            if failures == _free(kind):
                counters.incr(gate, delay)
                counters.incr(armed, memory)
            elif counters.get(armed) == 0 or counters.incr(gate, delay) > 1:
                raise _Refused(Refusal("account", max(1.0, counters.expires_in(gate))))


def _undo(attempt):
    counters = store()
    for key in attempt.taken:
        counters.decr(key)
    attempt.taken = []
