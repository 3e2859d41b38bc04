"""Concurrency on PostgreSQL: every thread has its own app context, so its own database
session and connection (Flask-SQLAlchemy scopes the session per app context)."""
import threading
from collections import Counter

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AccessGrant, Application, AuditEvent, OutboxMessage, Student
from app.workflow import Conflict, IllegalTransition, ValidationFailed, WorkflowError, fire
from app.workflow.outbox import drain
from tests.helpers.data import count
from tests.helpers.workflow import IVAN, drive, events, get, parent, roster_student, school, staff


def race(app, *jobs):
    """Run each job(application-context) in its own thread; all start their critical step together.
    A job gets `ready` to call once it has loaded what it needs. Returns results or exceptions."""
    barrier = threading.Barrier(len(jobs), timeout=30)
    results = [None] * len(jobs)

    def run(index, job):
        with app.app_context():
            try:
                results[index] = job(barrier.wait)
            except Exception as exc:  # noqa: BLE001 - the test inspects it
                results[index] = exc
                db.session.rollback()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
        assert not thread.is_alive(), "a thread hung (deadlock?)"
    return results


def transition_job(name, actor, application_id, data):
    def job(ready):
        # load the row (as a clerk's screen did), then act at the same moment as the other one
        application = db.session.get(Application, application_id)
        assert application.state == "passport_verified"
        ready()
        return fire(name, actor, application_id, dict(data)).state

    return job


def split(results):
    won = [r for r in results if not isinstance(r, Exception)]
    lost = [r for r in results if isinstance(r, Exception)]
    return won, lost


@pytest.mark.parametrize("use_roster", [True, False], ids=["roster-pupil", "new-pupil"])
def test_two_clerks_approve_at_once_exactly_one_wins(pg_app, use_roster):
    with pg_app.app_context():
        application_id = drive("passport_verified")
        data = {"student_id": roster_student("Иванов").id} if use_roster else {}
        clerk, admin = staff("clerk239"), staff("admin")
        roster = count(Student)
        db.session.commit()

    results = race(pg_app, transition_job("approve", clerk, application_id, data),
                   transition_job("approve", admin, application_id, data))

    won, lost = split(results)
    assert won == ["approved"], results
    assert len(lost) == 1
    error = lost[0]
    assert isinstance(error, (Conflict, IllegalTransition)), repr(error)
    assert error.status == 409 and error.message

    with pg_app.app_context():
        application = get(application_id)
        assert (application.state, application.version) == ("approved", 3)
        assert [e.action for e in events(application_id)].count("approve") == 1
        assert len(events(application_id)) == 3
        grants = db.session.execute(select(AccessGrant)).scalars().all()
        assert [(g.application_id, g.student_id) for g in grants] == [
            (application_id, application.student_id)]
        approvals = db.session.execute(
            select(OutboxMessage).where(OutboxMessage.application_id == application_id,
                                        OutboxMessage.on_sent == "mark_notified")).scalars().all()
        assert len(approvals) == 1
        assert count(Student) == roster + (0 if use_roster else 1)


def test_approve_and_reject_at_once_exactly_one_wins(pg_app):
    with pg_app.app_context():
        application_id = drive("passport_verified")
        clerk, admin = staff("clerk239"), staff("admin")
        db.session.commit()

    results = race(pg_app, transition_job("approve", clerk, application_id, {}),
                   transition_job("reject", admin, application_id, {"reason": "Ошибка в данных"}))

    won, lost = split(results)
    assert len(won) == 1 and len(lost) == 1, results
    assert lost[0].status == 409
    with pg_app.app_context():
        application = get(application_id)
        assert application.state == won[0]
        assert len(events(application_id)) == 3
        grants = count(AccessGrant)
        assert grants == (1 if won[0] == "approved" else 0)
        assert len(db.session.execute(select(OutboxMessage).where(
            OutboxMessage.application_id == application_id)).scalars().all()) == 2


def test_the_same_application_submitted_twice_at_once(pg_app):
    """A double click on "Подать заявление": one application, the other a clear refusal."""
    with pg_app.app_context():
        ivanova = parent()
        data = {"school_id": school("239").id, "child": IVAN}
        applications = count(Application)
        audit = count(AuditEvent)
        db.session.commit()

    def job(ready):
        ready()
        return fire("submit", ivanova, data=dict(data)).id

    results = race(pg_app, job, job)
    won, lost = split(results)
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], WorkflowError), repr(lost[0])  # not a raw database error
    # the loser hears what a sequential second click hears: "you already have an application"
    assert isinstance(lost[0], ValidationFailed) and lost[0].status == 400
    assert "child" in lost[0].fields
    with pg_app.app_context():
        assert count(Application) == applications + 1
        assert count(AuditEvent) == audit + 1


def test_two_workers_deliver_each_message_exactly_once(pg_app, smtp):
    with pg_app.app_context():
        clerk = staff("clerk239")
        names = ["Анна", "Борис", "Вера", "Глеб", "Дарья", "Егор", "Жанна", "Зоя", "Илья",
                 "Кира", "Лев", "Мирон"]
        approved = []
        for index, name in enumerate(names):
            application_id = fire("submit", parent(), data={
                "school_id": school("239").id, "child": {**IVAN, "first_name": name}}).id
            if index % 2 == 0:
                fire("verify_passport", clerk, application_id, {"document_type": "passport_rf"})
                fire("approve", clerk, application_id, {})
                approved.append(application_id)
        pending = db.session.execute(select(OutboxMessage.idempotency_key)).scalars().all()
        assert len(pending) == 12 + 6 + 1  # submissions, approvals, the demo submission
        db.session.commit()

    def worker(ready):
        ready()
        return drain()

    results = race(pg_app, worker, worker)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r["sent"] for r in results) == len(pending)
    assert all(r["sent"] > 0 for r in results), results  # both really worked side by side
    assert all(r["retry"] == 0 and r["failed"] == 0 for r in results)

    received = Counter(m["Message-ID"] for m in smtp.messages)
    assert len(received) == len(pending)
    assert set(received.values()) == {1}
    with pg_app.app_context():
        statuses = db.session.execute(select(OutboxMessage.status)).scalars().all()
        assert set(statuses) == {"sent"}
        for application_id in approved:
            assert get(application_id).state == "notified"
            assert [e.action for e in events(application_id)].count("mark_notified") == 1
