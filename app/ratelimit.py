"""Attempt limits with our own keys (per account, per address), on FAB's Flask-Limiter storage:
memory by default, Redis when REDIS_URL is set (RATELIMIT_STORAGE_URI in config.py).

Flask-Limiter's decorators key on one thing per rule; logins need two at once ("this account from
anywhere" and "this address whatever the account"), so the checks are explicit:

    if not attempts_left("legacy-link", email=email, address=request.remote_addr):
        -> refuse with "Слишком много попыток…" (errors.TooManyAttempts)
    ... check the password ...
    on failure: record_failure("legacy-link", email=email, address=request.remote_addr)
"""
from flask import current_app
from limits import parse


def _limit(kind):
    return parse(current_app.config.get(f"{kind.upper().replace('-', '_')}_RATE_LIMIT",
                                        current_app.config["ATTEMPT_RATE_LIMIT"]))


def _strategy():
    limiter = current_app.appbuilder.sm.limiter
    return limiter.limiter if limiter.enabled else None


def _keys(kind, keys):
    return [(kind, name, str(value).strip().lower()) for name, value in sorted(keys.items()) if value]


def attempts_left(kind, **keys):
    """False when any of the keys (e.g. email=…, address=…) used up its failed attempts."""
    strategy = _strategy()
    if strategy is None:
        return True
    limit = _limit(kind)
    return all(strategy.test(limit, *key) for key in _keys(kind, keys))


def record_failure(kind, **keys):
    strategy = _strategy()
    if strategy is None:
        return
    limit = _limit(kind)
    for key in _keys(kind, keys):
        strategy.hit(limit, *key)


def clear(kind, **keys):
    """Forget the failures after a success (the address keeps its count: it may be guessing)."""
    strategy = _strategy()
    if strategy is None:
        return
    limit = _limit(kind)
    for key in _keys(kind, keys):
        strategy.clear(limit, *key)
