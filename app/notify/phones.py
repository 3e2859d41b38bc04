"""A parent's mobile number for SMS: normalised with `phonenumbers` (Russian mobiles, E.164), taken
verified from the identity provider at login, or typed by the parent and confirmed with a code that
goes by SMS through the outbox.

The confirmed number is the citizen's Identity.phone (the latest identity's). A code is six random
digits; only a keyed hash of it is stored (PhoneCode), it expires after PHONE_CODE_TTL_MINUTES,
is single-use, allows PHONE_CODE_MAX_ATTEMPTS wrong tries, and a newer code replaces it. The SMS
carrying it is an outbox row marked WIPE_BODY: once sent (or given up) the worker replaces its
text, so the code does not stay readable in the outbox."""
import hashlib
import hmac
import secrets
from datetime import timedelta
from enum import Enum

import phonenumbers
from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select, update

from ..extensions import db
from ..models import Identity, OutboxMessage, PhoneCode, utcnow

WIPE_BODY = "wipe_body"  # OutboxMessage.on_sent: the worker blanks the text after sending
_MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def normalize(value):
    """A Russian mobile number as +79XXXXXXXXX (E.164), or None when it is not one."""
    if not isinstance(value, str) or not value.strip() or len(value) > 40 or "\x00" in value:
        return None
    try:
        number = phonenumbers.parse(value.strip(), "RU")
    except phonenumbers.NumberParseException:
        return None
    if (phonenumbers.region_code_for_number(number) != "RU" or not phonenumbers.is_valid_number(number)
            or phonenumbers.number_type(number) not in _MOBILE_TYPES):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display(phone):
    """+79211234567 as a person writes it: +7 921 123-45-67."""
    normalized = normalize(phone)
    if normalized is None:
        return phone or ""
    number = phonenumbers.parse(normalized, "RU")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _truthy(value):
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def from_claims(claims):
    """The verified mobile number in a login's claims, or None: ESIA's `phone` (the client keeps
    only a VERIFIED MBT contact), OpenID Connect's `phone_number` when `phone_number_verified`."""
    if claims.get("phone"):
        return normalize(claims.get("phone"))
    if claims.get("phone_number") and _truthy(claims.get("phone_number_verified")):
        return normalize(claims.get("phone_number"))
    return None


def confirmed(user_id):
    """The person's confirmed mobile number (E.164), or None."""
    phone = db.session.execute(
        select(Identity.phone).where(Identity.user_id == user_id).order_by(Identity.id.desc())
    ).scalar()
    return normalize(phone)


def set_confirmed(user_id, phone):
    """Record a confirmed number (in the caller's transaction)."""
    identity_id = db.session.execute(
        select(Identity.id).where(Identity.user_id == user_id).order_by(Identity.id.desc())
    ).scalar()
    if identity_id is not None:
        db.session.execute(update(Identity).where(Identity.id == identity_id).values(phone=phone))


def _hash(user_id, phone, code):
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{user_id}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def issue_code(user_id, phone, now=None):
    """A new code for `phone`: the PhoneCode row and its SMS in the outbox, in the caller's
    transaction (the caller commits). Earlier unused codes of the person stop working."""
    now = now or utcnow()
    config = current_app.config
    code = f"{secrets.randbelow(10 ** 6):06d}"
    db.session.execute(update(PhoneCode).where(PhoneCode.user_id == user_id, PhoneCode.used_at.is_(None))
                       .values(used_at=now))
    row = PhoneCode(user_id=user_id, phone=phone, code_hash=_hash(user_id, phone, code), created_at=now,
                    expires_at=now + timedelta(minutes=config["PHONE_CODE_TTL_MINUTES"]))
    db.session.add(row)
    db.session.flush()
    with force_locale("ru"):
        text = gettext("Code %(code)s confirms your number in the E-diary. Do not tell it to anyone.",
                       code=code)
        subject = gettext("Phone number confirmation")
    db.session.add(OutboxMessage(channel="sms", recipient=phone, subject=subject, body_text=text, body_html="",
                                 idempotency_key=f"phone-code:{row.id}", on_sent=WIPE_BODY, next_attempt_at=now))
    return row


class Check(Enum):
    CONFIRMED = "confirmed"
    WRONG = "wrong"  # PhoneCode.attempts counts it
    EXPIRED = "expired"  # too late, too many wrong tries, or no code asked for
    MALFORMED = "malformed"  # not six digits: not counted


def _usable(row, now):
    return row is not None and now < row.expires_at and row.attempts < current_app.config["PHONE_CODE_MAX_ATTEMPTS"]


def pending(user_id, now=None):
    """The person's code that may still be typed, or None."""
    now = now or utcnow()
    row = db.session.execute(select(PhoneCode).where(PhoneCode.user_id == user_id, PhoneCode.used_at.is_(None))
                             .order_by(PhoneCode.id.desc()).limit(1)).scalar_one_or_none()
    return row if _usable(row, now) else None


def check_code(user_id, code, now=None):
    """Check a typed code (the caller commits): (Check, the PhoneCode row or None). The right code
    confirms its number and is used up; a wrong one counts against the code's attempts."""
    now = now or utcnow()
    code = (code or "").strip().replace(" ", "") if isinstance(code, str) else ""
    query = select(PhoneCode).where(PhoneCode.user_id == user_id, PhoneCode.used_at.is_(None)) \
        .order_by(PhoneCode.id.desc()).limit(1)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update()  # two tries at once cannot both pass the attempt limit
    row = db.session.execute(query).scalar_one_or_none()
    if not _usable(row, now):
        return Check.EXPIRED, row
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return Check.MALFORMED, row
    if not hmac.compare_digest(row.code_hash, _hash(user_id, row.phone, code)):
        row.attempts += 1
        return Check.WRONG, row
    row.used_at = now
    set_confirmed(user_id, row.phone)
    return Check.CONFIRMED, row


def attempts_left(row):
    return max(0, current_app.config["PHONE_CODE_MAX_ATTEMPTS"] - row.attempts)
