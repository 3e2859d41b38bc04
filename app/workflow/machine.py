"""The one function that performs any transition of the application state machine (views, API,
CLI, scheduler and the outbox worker all call `fire`); the transitions themselves are records in
app.workflow.transitions (who, from where to where, fields, texts, channels, mails, effects).

A transition is one database transaction: the state change with a version check, the
audit event, the outbox messages and the side effects (the access grant) commit together
or not at all."""
from flask_babel import gettext
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from ..access import acting_kind, get_application
from ..extensions import db
from ..models import Application, ApplicationState as S, AuditAction, AuditEvent, utcnow
from .errors import Conflict, IllegalTransition, NotAllowed, NotFound, ValidationFailed
from .notifications import messages_for
from .transitions import TRANSITIONS, Transition  # noqa: F401 - Transition: for callers


def action_title(name):
    """The Russian name of a recorded action (the audit log keeps the code)."""
    transition = TRANSITIONS.get(name)
    if transition and transition.title:
        return str(transition.title)
    return str(AuditAction.label_for(name))


def available_transitions(application, actor, channel=None):
    """Names of transitions this actor could fire on this application now (offered in `channel`)."""
    return [t.name for t in offered(application, actor, channel)]


def offered(application, actor, channel=None):
    """The transition records this actor could fire on this application now (in `channel`)."""
    return [
        t
        for t in TRANSITIONS.values()
        if application.state in t.sources
        and (channel is None or channel in t.channels)
        and _acting_kind(t, application, actor)
    ]


def _acting_kind(transition, application, actor):
    """The kind in which the actor may fire the transition on this application, or None
    (app.access.acting_kind)."""
    return acting_kind(actor, transition.actors, application)


def _load(application_id, actor):
    """The application through the actor's scope (app.access.get_application), its row locked
    until this transaction ends: the re-check and the change see the same row."""
    application = get_application(actor, application_id, for_update=True)
    if application is None:
        raise NotFound()
    return application


def fire(name, actor, application_id=None, data=None, expected_version=None, commit=True, then=None):
    """Perform transition `name` as `actor`. Returns the application after the change, or what
    `then(application)` gives: computed in the transaction, before the commit expires the rows
    just written (an API answer built from them without reading them back); on an error it is
    discarded with everything else.

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
        application = _perform(transition, actor, application_id, data, expected_version)
        return then(application) if then is not None else application
    try:
        application = _perform(transition, actor, application_id, data, expected_version)
        result = then(application) if then is not None else application
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
    return result


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
    event = _record(application, transition, actor, None, changes)
    set_committed_value(application, "events", [event])  # a new application's whole history
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
    if transition.decides:
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
    # What was decided, as saved: the transition's fields (the cleaned reason; the pupil matched
    # or added to the roster).
    asked = {f.name for f in transition.fields}
    details = {k: v for k, v in changes.items() if k in asked}
    event = AuditEvent(
        actor_id=actor.user_id,
        actor_label=actor.label,
        action=transition.name,
        object_type="application",
        object_id=application.id,
        from_state=from_state,
        to_state=application.state,
        details=details,
    )
    db.session.add(event)
    for message in messages_for(transition, application):
        db.session.add(message)
    db.session.flush()
    return event
