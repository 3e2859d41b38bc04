"""The application state machine, declared once as data, and the one function that
performs any transition (views, API, CLI, scheduler and the outbox worker all call `fire`).

A transition is one database transaction: the state change with a version check, the
audit event, the outbox messages and the side effects (the access grant) commit together
or not at all."""
from dataclasses import dataclass, field
from typing import Callable

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..access import can_see_application
from ..extensions import db
from ..models import AUDIT_ACTIONS, AccessGrant, Application, ApplicationState as S, AuditEvent, utcnow
from . import rules
from .errors import Conflict, IllegalTransition, NotAllowed, NotFound, ValidationFailed
from .notifications import messages_for


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple  # states it may start from; (None,) for creation
    target: str
    actors: frozenset  # actor kinds: parent, clerk, admin, system
    prepare: Callable | None = None  # validates input -> column changes
    title: object = ""  # what the audit log and timelines call it (lazy, translated)
    effects: tuple = field(default_factory=tuple)


def _grant_access(application, actor):
    existing = db.session.execute(
        select(AccessGrant).where(
            AccessGrant.user_id == application.parent_id,
            AccessGrant.student_id == application.student_id,
            AccessGrant.revoked_at.is_(None),
        )
    ).scalar_one_or_none()
    if existing is None:
        db.session.add(
            AccessGrant(
                user_id=application.parent_id,
                student_id=application.student_id,
                application_id=application.id,
            )
        )


TRANSITIONS = {
    t.name: t
    for t in (
        Transition(
            "submit",
            (None,),
            S.SUBMITTED,
            frozenset({"parent"}),
            rules.prepare_submit,
            title=_l("Application submitted"),
        ),
        Transition(
            "verify_passport",
            (S.SUBMITTED,),
            S.PASSPORT_VERIFIED,
            frozenset({"clerk", "admin"}),
            rules.prepare_verify_passport,
            title=_l("Passport checked"),
        ),
        Transition(
            "approve",
            (S.PASSPORT_VERIFIED,),
            S.APPROVED,
            frozenset({"clerk", "admin"}),
            rules.prepare_approve,
            title=_l("Approved"),
            effects=(_grant_access,),
        ),
        Transition(
            "reject",
            (S.SUBMITTED, S.PASSPORT_VERIFIED),
            S.REJECTED,
            frozenset({"clerk", "admin"}),
            rules.prepare_reject,
            title=_l("Rejected"),
        ),
        Transition(
            "withdraw",
            (S.SUBMITTED, S.PASSPORT_VERIFIED),
            S.WITHDRAWN,
            frozenset({"parent"}),
            title=_l("Withdrawn by the parent"),
        ),
        Transition(
            "expire", (S.SUBMITTED,), S.EXPIRED, frozenset({"system"}), title=_l("Expired")
        ),
        Transition(
            "mark_notified",
            (S.APPROVED,),
            S.NOTIFIED,
            frozenset({"system"}),
            title=_l("E-mail about the approval delivered"),
        ),
    )
}


def action_title(name):
    """The Russian name of a recorded action (the audit log keeps the code)."""
    transition = TRANSITIONS.get(name)
    if transition and transition.title:
        return str(transition.title)
    return str(AUDIT_ACTIONS.get(name, name))


def available_transitions(application, actor):
    """Names of transitions this actor could fire on this application now."""
    return [
        t.name
        for t in TRANSITIONS.values()
        if application.state in t.sources and _acting_kind(t, application, actor)
    ]


def _acting_kind(transition, application, actor):
    """The kind in which the actor may fire the transition on this application, or None."""
    kinds = actor.kinds() & transition.actors
    if "system" in kinds or "admin" in kinds:
        return "system" if "system" in kinds else "admin"
    if "clerk" in kinds and application.school_id == actor.school_id:
        return "clerk"
    if "parent" in kinds and application.parent_id == actor.user_id:
        return "parent"
    return None


def _load(application_id, actor):
    query = select(Application).where(Application.id == application_id)
    application = db.session.execute(query).scalar_one_or_none()
    if application is None or not can_see_application(actor, application):
        raise NotFound()
    return application


def fire(name, actor, application_id=None, data=None, expected_version=None, commit=True):
    """Perform transition `name` as `actor`. Returns the application after the change.

    Raises WorkflowError subclasses (400 ValidationFailed, 403 NotAllowed, 404 NotFound,
    409 IllegalTransition / Conflict); on any error nothing is saved. With commit=False
    the caller owns the transaction (the outbox worker marks its message in the same one)."""
    data = data or {}
    if not isinstance(data, dict):
        raise ValidationFailed(gettext("Send a JSON object."))
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise IllegalTransition(gettext("Unknown action: %(name)s.", name=name))
    if transition.sources == (None,) and application_id is not None:
        # A creating transition aimed at an existing application must not quietly create another.
        raise IllegalTransition(
            gettext("This action is not possible for an existing application.")
        )
    if expected_version is not None:
        try:
            expected_version = int(expected_version)
        except (TypeError, ValueError):
            message = gettext("Reload the page: the application's version is not valid.")
            raise ValidationFailed(message, {"version": message}) from None
    if not commit:
        return _perform(transition, actor, application_id, data, expected_version)
    try:
        application = _perform(transition, actor, application_id, data, expected_version)
        db.session.commit()
    except IntegrityError:
        # A concurrent request won a unique index (one active application per parent, child and
        # school; one active grant per parent and pupil): a clear refusal, not a raw DB error.
        db.session.rollback()
        if transition.sources == (None,):
            try:
                transition.prepare(None, data, actor)  # now sees the winner: "already applied"
            finally:
                db.session.rollback()
        raise Conflict() from None
    except Exception:
        db.session.rollback()
        raise
    return application


def _perform(transition, actor, application_id, data, expected_version):
    if transition.sources == (None,):
        return _create(transition, actor, data)
    return _advance(transition, actor, application_id, data, expected_version)


def _create(transition, actor, data):
    if not (actor.kinds() & transition.actors):
        raise NotAllowed(gettext("Only a parent (legal representative) can submit an application."))
    changes = transition.prepare(None, data, actor)
    application = Application(parent_id=actor.user_id, state=transition.target, version=1, **changes)
    db.session.add(application)
    db.session.flush()
    _record(application, transition, actor, None, changes)
    return application


def _advance(transition, actor, application_id, data, expected_version):
    application = _load(application_id, actor)
    kind = _acting_kind(transition, application, actor)
    if kind is None:
        if not (actor.kinds() & transition.actors):
            raise NotAllowed(gettext("You are not allowed to perform this action."))
        raise NotAllowed(gettext("This application belongs to another school or person."))
    if expected_version is not None and expected_version != application.version:
        raise Conflict()
    if application.state not in transition.sources:
        if application.state not in S.ACTIVE:
            raise IllegalTransition(
                gettext(
                    "The application has already been processed (state: «%(state)s»).",
                    state=application.state_label,
                )
            )
        raise IllegalTransition(
            gettext(
                "This action is not possible for an application in the state «%(state)s».",
                state=application.state_label,
            )
        )
    changes = transition.prepare(application, data, actor) if transition.prepare else {}
    from_state, version = application.state, application.version
    now = utcnow()
    values = dict(changes, state=transition.target, version=version + 1, updated_at=now)
    if transition.target in (S.APPROVED, S.REJECTED):
        values["decided_at"] = now
    result = db.session.execute(
        update(Application)
        .where(
            Application.id == application.id,
            Application.version == version,
            Application.state == from_state,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict()
    db.session.refresh(application)
    for effect in transition.effects:
        effect(application, actor)
    _record(application, transition, actor, from_state, changes)
    return application


def _record(application, transition, actor, from_state, changes):
    # What was decided, as saved (the cleaned reason; the pupil matched or added to the roster).
    details = {k: v for k, v in changes.items() if k in ("reason", "document_type", "student_id")}
    db.session.add(
        AuditEvent(
            actor_id=actor.user_id,
            actor_label=actor.label,
            action=transition.name,
            object_type="application",
            object_id=application.id,
            from_state=from_state,
            to_state=application.state,
            details=details,
        )
    )
    for message in messages_for(transition.name, application):
        db.session.add(message)
    db.session.flush()
