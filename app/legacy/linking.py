"""Linking an account of the old portal (e-mail + password) to the parent's ESIA account.

`attempt_link` is the whole decision: attempt limits (app/ratelimit.py: per e-mail with growing
delays, per (address, e-mail), per address), the password
check (with a dummy check for unknown e-mails, so the answer time does not tell whether an
account exists), and on success one transaction that moves everything the old account holds
to the parent, marks it linked and records an audit event."""
import logging
from dataclasses import dataclass, field

from sqlalchemy import and_, select, update
from sqlalchemy.exc import IntegrityError

from .. import ratelimit
from ..access import grant_unrevoked
from ..extensions import db
from ..models import (
    AccessGrant,
    Application,
    ApplicationState,
    AuditEvent,
    LegacyAccount,
    utcnow,
)
from .passwords import MAX_PASSWORD_LENGTH, dummy_verify, verify

log = logging.getLogger(__name__)

KIND = "legacy-link"  # app/ratelimit.py; LEGACY_LINK_<NAME> settings override ATTEMPT_<NAME>

# outcomes
LINKED = "linked"
INVALID = "invalid"  # unknown e-mail or wrong password: one answer for both
ALREADY_LINKED = "already_linked"
TOO_MANY = "too_many_attempts"
EMPTY = "empty"
CONFLICT = "conflict"  # a concurrent change; try again

UNKNOWN = 0  # audit object id of attempts on an e-mail no legacy account has


@dataclass
class Outcome:
    status: str
    account_id: int | None = None
    grants_moved: list = field(default_factory=list)  # student ids now the parent's
    grants_revoked: list = field(default_factory=list)  # student ids the parent already had
    applications_moved: list = field(default_factory=list)  # codes
    applications_kept: list = field(default_factory=list)  # codes (parent has an active twin)

    @property
    def ok(self):
        return self.status == LINKED


def normalize_email(email):
    return (email or "").strip().lower()[:255]


def _audit(actor, account_id, action, **details):
    db.session.add(AuditEvent(
        actor_id=actor.user_id,
        actor_label=actor.label,
        action=action,
        object_type="legacy_account",
        object_id=account_id,
        details=details,
    ))


def attempt_link(actor, email, password, address=None):
    """Try to link the legacy account `email`/`password` to `actor` (an ESIA parent)."""
    email = normalize_email(email)
    password = password or ""
    if not email or not password:
        return Outcome(EMPTY)
    account = db.session.execute(
        select(LegacyAccount).where(LegacyAccount.email == email)
    ).scalar_one_or_none()
    account_id = account.id if account is not None else None
    attempt = ratelimit.begin(KIND, account=email, address=address)  # counted until it succeeds
    if attempt is None:
        _audit(actor, account_id or UNKNOWN, "link_refused", reason=TOO_MANY)
        db.session.commit()
        log.warning("legacy link: too many attempts (account %s, address %s)", account_id, address)
        return Outcome(TOO_MANY, account_id)
    if account is None:
        like = db.session.execute(select(LegacyAccount.password_hash).limit(1)).scalar()
        dummy_verify(like, password)
        # audited like a wrong password (same work, same time), without the typed e-mail
        _audit(actor, UNKNOWN, "link_failed", reason="unknown_email")
        db.session.commit()
        return Outcome(INVALID)
    if len(password) > MAX_PASSWORD_LENGTH or not verify(account.password_hash, password):
        _audit(actor, account_id, "link_failed", reason="wrong_password")
        db.session.commit()
        return Outcome(INVALID, account_id)
    attempt.succeeded()  # the right password: not a failure, whatever follows
    if account.linked_user_id is not None:
        _audit(actor, account_id, "link_refused", reason=ALREADY_LINKED,
               same_user=account.linked_user_id == actor.user_id)
        db.session.commit()
        return Outcome(ALREADY_LINKED, account_id)
    try:
        outcome = _move(actor, account)
        db.session.commit()
    except IntegrityError:
        # The parent got a grant or an application for the same pupil at this very moment.
        db.session.rollback()
        log.warning("legacy link of account %s conflicted with a concurrent change", account_id)
        return Outcome(CONFLICT, account_id)
    except Exception:
        db.session.rollback()
        raise
    return outcome


def _move(actor, account):
    """One transaction: claim the account, move grants and applications, audit."""
    now = utcnow()
    user_id = actor.user_id
    claimed = db.session.execute(
        update(LegacyAccount)
        .where(LegacyAccount.id == account.id, LegacyAccount.linked_user_id.is_(None))
        .values(linked_user_id=user_id, linked_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # somebody linked it a moment ago
        db.session.rollback()
        _audit(actor, account.id, "link_refused", reason=ALREADY_LINKED)
        return Outcome(ALREADY_LINKED, account.id)
    outcome = Outcome(LINKED, account.id)
    holder_id = account.holder_id

    mine = set(db.session.execute(
        select(AccessGrant.student_id).where(
            AccessGrant.user_id == user_id, grant_unrevoked())
    ).scalars())
    for grant in db.session.execute(
        select(AccessGrant).where(AccessGrant.user_id == holder_id).order_by(AccessGrant.id)
    ).scalars().all():
        if grant.revoked_at is None and grant.student_id in mine:
            grant.revoked_at = now  # the parent already sees this pupil: keep one grant
            grant.revoked_by_id = user_id
            outcome.grants_revoked.append(grant.student_id)
            continue
        if grant.revoked_at is None:
            outcome.grants_moved.append(grant.student_id)
        grant.user_id = user_id  # revoked ones move too: they are the history of the access

    active = ApplicationState.ACTIVE
    for application in db.session.execute(
        select(Application).where(Application.parent_id == holder_id).order_by(Application.id)
    ).scalars().all():
        if application.state in active and db.session.execute(
            select(Application.id).where(and_(
                Application.parent_id == user_id,
                Application.school_id == application.school_id,
                Application.child_key == application.child_key,
                Application.state.in_(active),
            ))
        ).first() is not None:
            # One active application per parent, child and school: the parent's own stays;
            # this one stays with the old account until the school processes or it expires.
            outcome.applications_kept.append(application.code)
            continue
        application.parent_id = user_id
        application.updated_at = now
        outcome.applications_moved.append(application.code)
    db.session.flush()
    _audit(actor, account.id, "linked",
           grants_moved=len(outcome.grants_moved),
           grants_revoked=len(outcome.grants_revoked),
           applications_moved=len(outcome.applications_moved),
           applications_kept=len(outcome.applications_kept),
           student_ids=outcome.grants_moved + outcome.grants_revoked,
           application_codes=outcome.applications_moved)
    db.session.flush()
    return outcome
