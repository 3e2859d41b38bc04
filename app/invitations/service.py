"""Invitations: random tokens (≥ 128 bits) of which only the SHA-256 is stored, single-use,
expiring after INVITE_DAYS, at most INVITE_MAX_ACTIVE pending per pupil. Every change is one
transaction with its audit event, consent rows and outbox e-mail."""
import hashlib
import secrets
from datetime import timedelta

from flask import current_app, render_template
from flask_babel import force_locale, gettext, pgettext
from sqlalchemy import func, select

from .. import clock
from ..access import active_grant, active_grants, grant_is_active, representative_grant
from ..domain_error import DomainError
from ..extensions import db
from ..inputs import InvalidInput, parse_email
from ..names import FEMALE
from ..notify.headers import header_text
from ..models import (
    AccessGrant, AuditActor, AuditEvent, Consent, Identity, Invitation, InvitationState, OutboxMessage, Relation, Scope,
    Student, User, utcnow,
)

CONSENT_VERSION = "2026-11"
CONSENT_TEXT = ("Я даю согласие на предоставление доступа к сведениям об успеваемости и посещаемости "
                "обучающегося в объёме, выбранном официальным представителем, и на обработку моих "
                "персональных данных (ФИО, адрес электронной почты) для этой цели. Согласие действует до "
                "отзыва доступа.")


class InvitationError(DomainError):
    def __init__(self, message, status=400, fields=None):
        super().__init__(message)
        self.message, self.status, self.fields = message, status, fields or {}


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _audit(actor_user, action, object_type, object_id, details):
    db.session.add(AuditEvent(actor_id=actor_user.id if actor_user else None,
                              actor_label=actor_user.name.document if actor_user else AuditActor.SYSTEM.value,
                              action=action, object_type=object_type, object_id=object_id, details=details))


def _effective_state(invitation, now=None):
    if invitation.state == InvitationState.PENDING and invitation.expires_at <= (now or utcnow()):
        return InvitationState.EXPIRED
    return invitation.state


def invite(user, student_id, email, kind, scope=Scope.ALL, until=None, consent=False):
    """Create the invitation and queue its e-mail. Only an official representative may."""
    if representative_grant(user.id, student_id) is None:
        raise InvitationError(gettext("Only an official representative of the pupil can invite."), 403)
    errors = {}
    try:
        email = parse_email(email, "email")
    except InvalidInput as exc:
        errors.update(exc.fields)
    if kind not in (Relation.STUDENT, Relation.VIEWER):
        errors["kind"] = gettext("Choose whom to invite.")
    if kind == Relation.STUDENT:
        scope, until = Scope.ALL, None
    if Scope.get(scope) is None:
        errors["scope"] = gettext("Choose what the person will see.")
    if until is not None and until < clock.today():
        errors["until"] = gettext("The end date cannot be in the past.")
    if not consent:
        errors["consent"] = gettext("Confirm the consent to share the data.")
    if errors:
        raise InvitationError(gettext("Check the highlighted fields."), 400, errors)
    now = utcnow()
    pending = db.session.execute(select(Invitation).where(
        Invitation.student_id == student_id, Invitation.state == InvitationState.PENDING,
        Invitation.expires_at > now)).scalars().all()
    if any(i.email == email for i in pending):
        raise InvitationError(gettext("An invitation to this address is already waiting."), 409, {"email": gettext(
            "An invitation to this address is already waiting.")})
    if len(pending) >= current_app.config["INVITE_MAX_ACTIVE"]:
        raise InvitationError(gettext("Too many invitations are waiting for this pupil: revoke one first."), 409)
    has_access = db.session.execute(
        select(AccessGrant.id).join(Identity, Identity.user_id == AccessGrant.user_id)
        .where(AccessGrant.student_id == student_id, grant_is_active(), func.lower(Identity.email) == email)).first()
    if has_access:
        raise InvitationError(gettext("This person already has access."), 409, {"email": gettext("This person already has access.")})
    token = secrets.token_urlsafe(32)
    invitation = Invitation(student_id=student_id, invited_by_id=user.id, email=email, kind=kind, scope=scope,
                            valid_until=until, token_hash=token_hash(token), state=InvitationState.PENDING,
                            created_at=now, expires_at=now + timedelta(days=current_app.config["INVITE_DAYS"]))
    db.session.add(invitation)
    db.session.flush()
    db.session.add(Consent(user_id=user.id, student_id=student_id, purpose="grant", text_version=CONSENT_VERSION,
                           invitation_id=invitation.id, accepted_at=now))
    _audit(user, "invited", "invitation", invitation.id, {"kind": kind, "scope": scope, "student": student_id,
                                                         "until": until.isoformat() if until else None})
    student = db.session.get(Student, student_id)
    link = current_app.config["PUBLIC_URL"].rstrip("/") + f"/invite/{token}"
    context = dict(inviter=user, student=student, invitation=invitation, link=link,
                   scope_label=Scope(scope).label, days=current_app.config["INVITE_DAYS"])
    with force_locale("ru"):
        context["greeting"], context["invites"] = _opening(user, student, kind)
        subject = header_text(gettext("Invitation to the e-diary of %(pupil)s", pupil=student.first_name))
        body_text = render_template("mail/invite.txt", **context)
        body_html = render_template("mail/invite.html", **context)
    db.session.add(OutboxMessage(channel="email", recipient=email, subject=subject, body_text=body_text,
                                 body_html=body_html, idempotency_key=f"invitation:{invitation.id}",
                                 next_attempt_at=now))
    db.session.commit()
    return invitation, token


def _opening(inviter, student, kind):
    """The letter's first lines: the pupil invited to the own diary is greeted by name; anybody
    else reads whose diary it is, the pupil's name declined («дневник обучающейся Ивановой Софьи
    Ивановны»)."""
    name = inviter.name.document
    if kind == Relation.STUDENT:
        return (gettext("Hello, %(name)s!", name=student.first_name),
                gettext("%(name)s invites you to your e-diary (St. Petersburg Education portal).", name=name))
    pupil = student.name.declined("genitive")
    if student.name.sex_code == FEMALE:
        text = pgettext("invitation, girl", "%(name)s invites you to the e-diary of %(pupil)s "
                        "(St. Petersburg Education portal).", name=name, pupil=pupil)
    else:
        text = pgettext("invitation, boy", "%(name)s invites you to the e-diary of %(pupil)s "
                        "(St. Petersburg Education portal).", name=name, pupil=pupil)
    return gettext("Hello!"), text


def invitation_for_token(token):
    """The invitation if the token is valid and waiting; InvitationError (404/410) otherwise."""
    invitation = db.session.execute(select(Invitation).where(
        Invitation.token_hash == token_hash(token or ""))).scalar_one_or_none() if token and len(token) < 200 else None
    if invitation is None:
        raise InvitationError(gettext("This invitation link is not valid."), 404)
    state = _effective_state(invitation)
    if state == InvitationState.ACCEPTED:
        raise InvitationError(gettext("This invitation has already been accepted. Log in to see the pupil."), 410)
    if state == InvitationState.EXPIRED:
        raise InvitationError(gettext("This invitation has expired. Ask the parent to send a new one."), 410)
    if state == InvitationState.REVOKED:
        raise InvitationError(gettext("This invitation has been revoked by the parent."), 410)
    return invitation


def mask(email):
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}"


def accept(user, token, consent):
    invitation = invitation_for_token(token)
    emails = {e.lower() for e in db.session.execute(select(Identity.email).where(Identity.user_id == user.id)).scalars() if e}
    if invitation.email not in emails:
        raise InvitationError(gettext(
            "The invitation was sent to %(email)s, but your Gosuslugi account has another e-mail address. Log in with "
            "the account of that address, or ask the parent to invite your address.", email=mask(invitation.email)), 403)
    if not consent:
        message = gettext("Confirm the consent to accept the invitation.")
        raise InvitationError(message, 400, {"consent": message})
    if active_grant(user.id, invitation.student_id) is not None:
        raise InvitationError(gettext("You already have access to this pupil."), 409)
    now = utcnow()
    grant = AccessGrant(user_id=user.id, student_id=invitation.student_id, relation=invitation.kind,
                        scope=invitation.scope, valid_until=invitation.valid_until, granted_at=now)
    db.session.add(grant)
    db.session.flush()
    invitation.state, invitation.accepted_by_id, invitation.accepted_at, invitation.grant_id = (
        InvitationState.ACCEPTED, user.id, now, grant.id)
    db.session.add(Consent(user_id=user.id, student_id=invitation.student_id, purpose="accept",
                           text_version=CONSENT_VERSION, invitation_id=invitation.id, grant_id=grant.id, accepted_at=now))
    _audit(user, "accepted", "invitation", invitation.id, {"grant": grant.id})
    db.session.commit()
    return grant


def revoke(user, invitation_id):
    """Revoke a waiting invitation, or the access it gave. Representatives of the pupil only."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or representative_grant(user.id, invitation.student_id) is None:
        raise InvitationError(gettext("Not found."), 404)
    now = utcnow()
    if invitation.state == InvitationState.ACCEPTED and invitation.grant_id:
        revoke_grant(user, db.session.get(AccessGrant, invitation.grant_id), commit=False)
    elif _effective_state(invitation, now) != InvitationState.PENDING:
        raise InvitationError(gettext("This invitation can no longer be revoked."), 409)
    invitation.state, invitation.revoked_at = InvitationState.REVOKED, now
    _audit(user, "revoked", "invitation", invitation.id, {})
    db.session.commit()
    return invitation


def revoke_grant(user, grant, commit=True):
    if grant is None or grant.relation == Relation.REPRESENTATIVE or representative_grant(user.id, grant.student_id) is None:
        raise InvitationError(gettext("Not found."), 404)
    now = utcnow()
    if grant.revoked_at is None:
        grant.revoked_at, grant.revoked_by_id = now, user.id
        for consent in db.session.execute(select(Consent).where(Consent.grant_id == grant.id,
                                                                Consent.withdrawn_at.is_(None))).scalars():
            consent.withdrawn_at = now
        _audit(user, "revoked", "access_grant", grant.id, {"student": grant.student_id})
    if commit:
        db.session.commit()
    return grant


def people_of(student_id):
    """Who has or was offered access: representatives, the pupil, interested persons."""
    grants = db.session.execute(active_grants(student_id=student_id).order_by(AccessGrant.id)).scalars().all()
    invitations = db.session.execute(select(Invitation).where(Invitation.student_id == student_id)
                                     .order_by(Invitation.created_at.desc())).scalars().all()
    now = utcnow()
    shown = []
    for i in invitations:
        shown.append({"invitation": i, "state": _effective_state(i, now),
                      "user": db.session.get(User, i.accepted_by_id) if i.accepted_by_id else None})
    return {"representatives": [g for g in grants if g.relation == Relation.REPRESENTATIVE],
            "student": [s for s in shown if s["invitation"].kind == Relation.STUDENT],
            "viewers": [s for s in shown if s["invitation"].kind == Relation.VIEWER]}
