"""The application state machine driven directly through `app.workflow.fire`, in an app context:
the demo people as actors, a fresh application in any state, what a transition left behind."""
from flask import current_app
from sqlalchemy import select

from app.access import SYSTEM, actor_for
from app.extensions import db
from app.models import AccessGrant, Application, AuditEvent, Identity, OutboxMessage, School, Student
from app.workflow import fire
from tests.helpers.data import IVAN, count

IVANOVA_EMAIL = "ivanova@example.ru"


def parent(sub="parent-ivanova"):
    identity = db.session.execute(select(Identity).where(Identity.subject == sub)).scalar_one()
    return actor_for(identity.user)


def staff(username):
    user = current_app.appbuilder.sm.find_user(username=username)
    assert user is not None, username
    return actor_for(user)


def school(number):
    return db.session.execute(select(School).where(School.number == number)).scalar_one()


def roster_student(last_name, number="239"):
    return db.session.execute(
        select(Student).where(Student.last_name == last_name,
                              Student.school_id == school(number).id)
    ).scalar_one()


def get(application_id):
    db.session.expire_all()
    return db.session.get(Application, application_id)


def snapshot():
    """Everything a transition may touch, to prove a failed one touched nothing."""
    db.session.expire_all()
    rows = db.session.execute(
        select(Application.id, Application.state, Application.version, Application.reason,
               Application.document_type, Application.student_id, Application.verified_by_id,
               Application.decided_at).order_by(Application.id)
    ).all()
    return {
        "applications": [tuple(r) for r in rows],
        "audit": count(AuditEvent),
        "outbox": count(OutboxMessage),
        "grants": [tuple(r) for r in db.session.execute(
            select(AccessGrant.id, AccessGrant.user_id, AccessGrant.student_id,
                   AccessGrant.revoked_at).order_by(AccessGrant.id)).all()],
        "roster": count(Student),
    }


def submit(actor=None, school_number="239", child=None, **extra):
    data = {"school_id": school(school_number).id, "child": dict(child or IVAN), **extra}
    return fire("submit", actor or parent(), data=data).id


def drive(state, child=None):
    """A fresh application of Ivanova at school 239 in `state`; returns its id."""
    clerk = staff("clerk239")
    application_id = submit(child=child)
    if state == "submitted":
        return application_id
    if state == "expired":
        fire("expire", SYSTEM, application_id)
        return application_id
    if state == "withdrawn":
        fire("withdraw", parent(), application_id)
        return application_id
    fire("verify_passport", clerk, application_id, {"document_type": "passport_rf"})
    if state == "passport_verified":
        return application_id
    if state == "rejected":
        fire("reject", clerk, application_id, {"reason": "Документы не совпали"})
        return application_id
    fire("approve", clerk, application_id, {})
    if state == "approved":
        return application_id
    assert state == "notified"
    fire("mark_notified", SYSTEM, application_id)
    return application_id


def events(application_id):
    db.session.expire_all()
    return db.session.execute(
        select(AuditEvent).where(AuditEvent.object_type == "application",
                                 AuditEvent.object_id == application_id).order_by(AuditEvent.id)
    ).scalars().all()


def rendered(messages):
    """The letters as the outbox worker sends them: rendered just before sending (the transition
    writes the template only)."""
    from app.workflow.notifications import render

    messages = list(messages)
    for message in messages:
        render(message)
    return messages
