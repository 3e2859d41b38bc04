"""The application state machine through its one entry point, `app.workflow.fire`, on SQLite
and PostgreSQL: every legal transition and what it leaves behind (state, version, audit event,
outbox e-mail, access grant), every illegal one and that it leaves nothing behind."""
from datetime import date, timedelta

import pytest
from flask import current_app
from sqlalchemy import select, update

from app import clock
from app.access import SYSTEM
from app.extensions import db
from app.models import (
    AccessGrant,
    Application,
    AuditEvent,
    OutboxMessage,
    Student,
    utcnow,
)
from app.workflow import (
    Conflict,
    IllegalTransition,
    NotAllowed,
    NotFound,
    ValidationFailed,
    WorkflowError,
    fire,
)
from app.workflow.expiry import expire_overdue
from tests.helpers.data import count
from tests.helpers.workflow import IVAN, IVANOVA_EMAIL, drive, events, get, parent
from tests.helpers.workflow import rendered, roster_student, school, snapshot, staff, submit

STATES = ["submitted", "passport_verified", "approved", "notified", "rejected", "withdrawn",
          "expired"]
# The legal (transition, from-state) pairs of the design card.
LEGAL = {
    ("verify_passport", "submitted"),
    ("approve", "passport_verified"),
    ("reject", "submitted"),
    ("reject", "passport_verified"),
    ("withdraw", "submitted"),
    ("withdraw", "passport_verified"),
    ("expire", "submitted"),
    ("mark_notified", "approved"),
}
ADVANCING = ["verify_passport", "approve", "reject", "withdraw", "expire", "mark_notified"]


# --------------------------------------------------------------------------- helpers
def valid_data(name):
    return {
        "verify_passport": {"document_type": "passport_rf"},
        "approve": {},
        "reject": {"reason": "Не пришли в школу"},
    }.get(name, {})


def proper_actor(name):
    """The actor kind that may fire `name` on Ivanova's school-239 application."""
    if name in ("verify_passport", "approve", "reject"):
        return staff("clerk239")
    if name == "withdraw":
        return parent()
    return SYSTEM


def assert_fails_cleanly(error, status, call):
    """`call` raises `error` with HTTP `status` and changes nothing at all."""
    before = snapshot()
    with pytest.raises(error) as caught:
        call()
    assert caught.value.status == status
    assert caught.value.message  # the user is told something
    db.session.rollback()
    assert snapshot() == before
    return caught.value


def mails(application_id):
    return db.session.execute(
        select(OutboxMessage).where(OutboxMessage.application_id == application_id)
        .order_by(OutboxMessage.id)
    ).scalars().all()


def active_grants(**where):
    query = select(AccessGrant).where(AccessGrant.revoked_at.is_(None))
    for key, value in where.items():
        query = query.where(getattr(AccessGrant, key) == value)
    return db.session.execute(query).scalars().all()


def check_step(application_id, before_events, before_mails, *, actor, action, from_state, to_state,
               version, details=None):
    """One transition happened: new state and version, one audit event, what was mailed."""
    application = get(application_id)
    assert application.state == to_state
    assert application.version == version
    new_events = events(application_id)[before_events:]
    assert len(new_events) == 1
    event = new_events[0]
    assert (event.action, event.from_state, event.to_state) == (action, from_state, to_state)
    assert event.actor_id == actor.user_id
    assert event.actor_label == actor.label
    for key, value in (details or {}).items():
        assert event.details.get(key) == value
    return application, mails(application_id)[before_mails:]


# --------------------------------------------------------------------------- legal transitions
def test_submit_creates_application_audit_and_email(app):
    with app.app_context():
        ivanova = parent()
        before = snapshot()
        application_id = submit(ivanova)
        application, new_mails = check_step(
            application_id, 0, 0, actor=ivanova, action="submit", from_state=None,
            to_state="submitted", version=1)
        assert application.parent_id == ivanova.user_id
        assert application.school_id == school("239").id
        assert (application.child_last_name, application.child_first_name,
                application.child_middle_name) == ("Иванов", "Иван", "Иванович")
        assert application.child_birth_date == date(2014, 7, 9)
        assert len(application.code) == 7 and application.code[3] == "-"
        assert application.student_id is None
        assert [m.recipient for m in new_mails] == [IVANOVA_EMAIL]
        assert application.code in new_mails[0].subject
        assert new_mails[0].status == "pending"
        assert count(AuditEvent) == before["audit"] + 1
        assert count(OutboxMessage) == before["outbox"] + 1
        assert snapshot()["grants"] == before["grants"]


def test_codes_are_unique_and_typed_forms_are_normalized(app):
    from app.workflow.rules import normalize_code

    with app.app_context():
        codes = set()
        for child in (IVAN, {**IVAN, "first_name": "Ольга"}, {**IVAN, "first_name": "Анна"}):
            codes.add(get(submit(child=child)).code)
        assert len(codes) == 3
        code = codes.pop()
        assert normalize_code(code.lower().replace("-", "")) == code
        assert normalize_code(code.replace("-", " ")) == code
        assert normalize_code("Иванов") is None


@pytest.mark.parametrize("document_type", ["passport_rf", "other"])
def test_verify_passport_records_document_type_and_sends_nothing(app, document_type):
    with app.app_context():
        clerk = staff("clerk239")
        application_id = drive("submitted")
        n_mails = len(mails(application_id))
        grants = snapshot()["grants"]
        fire("verify_passport", clerk, application_id, {"document_type": document_type})
        application, new_mails = check_step(
            application_id, 1, n_mails, actor=clerk, action="verify_passport",
            from_state="submitted", to_state="passport_verified", version=2,
            details={"document_type": document_type})
        assert application.document_type == document_type
        assert application.verified_by_id == clerk.user_id
        assert application.verified_at is not None
        assert new_mails == []
        assert snapshot()["grants"] == grants


def test_approve_with_roster_pupil_grants_access_and_mails_parent(app):
    with app.app_context():
        clerk = staff("clerk239")
        application_id = drive("passport_verified")
        pupil = roster_student("Иванов")
        roster = count(Student)
        fire("approve", clerk, application_id, {"student_id": pupil.id})
        application, new_mails = check_step(
            application_id, 2, 1, actor=clerk, action="approve",
            from_state="passport_verified", to_state="approved", version=3,
            details={"student_id": pupil.id})
        assert application.student_id == pupil.id
        assert application.decided_at is not None
        assert count(Student) == roster
        grants = active_grants(application_id=application_id)
        assert [(g.parent_id, g.student_id) for g in grants] == [(application.parent_id, pupil.id)]
        assert len(active_grants()) == 1
        assert [m.recipient for m in new_mails] == [IVANOVA_EMAIL]
        assert application.code in new_mails[0].subject
        assert new_mails[0].on_sent == "mark_notified"


def test_approve_without_pupil_adds_the_child_to_the_roster(app):
    with app.app_context():
        clerk = staff("clerk239")
        child = {"last_name": "Новикова", "first_name": "Ева", "middle_name": "",
                 "birth_date": "2016-02-29"}
        application_id = drive("passport_verified", child=child)
        roster = count(Student)
        fire("approve", clerk, application_id, {})
        application, new_mails = check_step(
            application_id, 2, 1, actor=clerk, action="approve",
            from_state="passport_verified", to_state="approved", version=3)
        assert count(Student) == roster + 1
        # the audit names the pupil that was added
        assert events(application_id)[-1].details.get("student_id") == application.student_id
        pupil = db.session.get(Student, application.student_id)
        assert pupil.school_id == school("239").id
        assert (pupil.last_name, pupil.first_name, pupil.birth_date) == (
            "Новикова", "Ева", date(2016, 2, 29))
        grants = active_grants()
        assert [(g.parent_id, g.student_id, g.application_id) for g in grants] == [
            (application.parent_id, pupil.id, application_id)]
        assert [m.recipient for m in new_mails] == [IVANOVA_EMAIL]


def test_admin_may_approve_any_school(app):
    with app.app_context():
        admin = staff("admin")
        application_id = drive("passport_verified")
        fire("approve", admin, application_id, {})
        check_step(application_id, 2, 1, actor=admin, action="approve",
                   from_state="passport_verified", to_state="approved", version=3)
        assert len(active_grants(application_id=application_id)) == 1


@pytest.mark.parametrize("from_state", ["submitted", "passport_verified"])
def test_reject_keeps_reason_and_mails_parent(app, from_state):
    with app.app_context():
        clerk = staff("clerk239")
        application_id = drive(from_state)
        n_events, n_mails = len(events(application_id)), len(mails(application_id))
        reason = "Паспорт не совпал с данными заявления"
        fire("reject", clerk, application_id, {"reason": reason})
        application, new_mails = check_step(
            application_id, n_events, n_mails, actor=clerk, action="reject",
            from_state=from_state, to_state="rejected", version=n_events + 1,
            details={"reason": reason})
        assert application.reason == reason
        assert application.decided_at is not None
        assert active_grants() == []
        assert [m.recipient for m in new_mails] == [IVANOVA_EMAIL]
        letter, = rendered(new_mails)  # as the outbox worker sends it
        assert reason in letter.body_text and reason in letter.body_html


@pytest.mark.parametrize("from_state", ["submitted", "passport_verified"])
def test_own_parent_withdraws_before_approval(app, from_state):
    with app.app_context():
        ivanova = parent()
        application_id = drive(from_state)
        n_events, n_mails = len(events(application_id)), len(mails(application_id))
        fire("withdraw", ivanova, application_id)
        _, new_mails = check_step(
            application_id, n_events, n_mails, actor=ivanova, action="withdraw",
            from_state=from_state, to_state="withdrawn", version=n_events + 1)
        assert new_mails == []
        assert active_grants() == []


def test_system_expires_submitted_application(app):
    with app.app_context():
        application_id = drive("submitted")
        fire("expire", SYSTEM, application_id)
        event = events(application_id)[-1]
        assert (event.action, event.from_state, event.to_state) == ("expire", "submitted", "expired")
        assert event.actor_id is None and event.actor_label == "system"
        application = get(application_id)
        assert (application.state, application.version) == ("expired", 2)
        assert len(events(application_id)) == 2


def test_system_marks_approved_application_notified(app):
    with app.app_context():
        application_id = drive("approved")
        n_mails = len(mails(application_id))
        grants = snapshot()["grants"]
        fire("mark_notified", SYSTEM, application_id)
        _, new_mails = check_step(application_id, 3, n_mails, actor=SYSTEM, action="mark_notified",
                                  from_state="approved", to_state="notified", version=4)
        assert new_mails == []
        assert snapshot()["grants"] == grants and len(grants) == 1


def test_history_of_a_full_journey(app):
    with app.app_context():
        application_id = drive("notified")
        assert [(e.action, e.from_state, e.to_state) for e in events(application_id)] == [
            ("submit", None, "submitted"),
            ("verify_passport", "submitted", "passport_verified"),
            ("approve", "passport_verified", "approved"),
            ("mark_notified", "approved", "notified"),
        ]
        assert get(application_id).version == 4
        # submission + approval e-mails only, both to the parent
        assert [m.recipient for m in mails(application_id)] == [IVANOVA_EMAIL] * 2


# --------------------------------------------------------------------------- illegal transitions
@pytest.mark.parametrize("state", STATES)
def test_every_transition_not_allowed_in_a_state_fails_and_changes_nothing(app, state):
    with app.app_context():
        application_id = drive(state)
        assert get(application_id).state == state
        illegal = [name for name in ADVANCING if (name, state) not in LEGAL]
        assert illegal
        for name in illegal:
            error = assert_fails_cleanly(
                IllegalTransition, 409,
                lambda: fire(name, proper_actor(name), application_id, valid_data(name)))
            assert isinstance(error, WorkflowError)
        assert get(application_id).state == state


def test_unknown_transition_name_is_an_error(app):
    with app.app_context():
        application_id = drive("submitted")
        assert_fails_cleanly(IllegalTransition, 409,
                             lambda: fire("delete", staff("admin"), application_id))


def test_submit_cannot_target_an_existing_application(app):
    """`submit` creates; aimed at an existing application it must not quietly create another."""
    with app.app_context():
        application_id = drive("withdrawn")
        data = {"school_id": school("239").id, "child": IVAN}
        assert_fails_cleanly(IllegalTransition, 409,
                             lambda: fire("submit", parent(), application_id, data))


@pytest.mark.parametrize(
    "state, name, who, statuses",
    [
        ("passport_verified", "approve", "parent", (403,)),   # parent approving own application
        ("submitted", "verify_passport", "parent", (403,)),
        ("submitted", "reject", "parent", (403,)),
        ("submitted", "expire", "parent", (403,)),
        ("submitted", "withdraw", "clerk239", (403,)),       # clerk withdrawing for the parent
        ("submitted", "withdraw", "admin", (403,)),
        ("approved", "mark_notified", "clerk239", (403,)),
        ("submitted", "expire", "admin", (403,)),
        ("passport_verified", "approve", "SYSTEM", (403,)),
        ("passport_verified", "approve", "supervisor", (403,)),  # sees the district, acts on nothing
        ("passport_verified", "approve", "clerk321", (403, 404)),  # clerk of another school
        ("submitted", "verify_passport", "clerk27", (403, 404)),
        ("submitted", "reject", "clerk321", (403, 404)),
        ("submitted", "withdraw", "parent-petrov", (403, 404)),  # another parent
    ],
)
def test_wrong_actor_is_refused_and_nothing_changes(app, state, name, who, statuses):
    with app.app_context():
        application_id = drive(state)
        if who == "SYSTEM":
            actor = SYSTEM
        elif who.startswith("parent"):
            actor = parent() if who == "parent" else parent(who)
        else:
            actor = staff(who)
        before = snapshot()
        with pytest.raises((NotAllowed, NotFound)) as caught:
            fire(name, actor, application_id, valid_data(name))
        error = caught.value
        assert error.status in statuses
        assert isinstance(error, NotFound if error.status == 404 else NotAllowed)
        db.session.rollback()
        assert snapshot() == before


def test_other_schools_clerk_cannot_even_find_the_application(app):
    with app.app_context():
        application_id = drive("submitted")
        for clerk in ("clerk321", "clerk27"):
            assert_fails_cleanly(
                NotFound, 404, lambda: fire("verify_passport", staff(clerk), application_id,
                                            {"document_type": "passport_rf"}))


def test_anonymous_and_missing_application(app):
    from app.access import Actor

    with app.app_context():
        application_id = drive("passport_verified")
        assert_fails_cleanly(NotFound, 404, lambda: fire(
            "approve", Actor(user_id=None, label="anonymous"), application_id, {}))
        assert_fails_cleanly(NotFound, 404, lambda: fire("approve", staff("admin"), 999999, {}))
        assert_fails_cleanly(NotAllowed, 403, lambda: fire(
            "submit", staff("clerk239"), data={"school_id": school("239").id, "child": IVAN}))


@pytest.mark.parametrize("reason", [None, "", "   ", "\n\t"])
def test_reject_needs_a_reason(app, reason):
    with app.app_context():
        application_id = drive("submitted")
        data = {} if reason is None else {"reason": reason}
        error = assert_fails_cleanly(
            ValidationFailed, 400, lambda: fire("reject", staff("clerk239"), application_id, data))
        assert "reason" in error.fields


@pytest.mark.parametrize("data", [{}, {"document_type": "passport"},
                                  {"document_type": "4510 123456"}, {"document_type": None}])
def test_verify_passport_needs_a_known_document_type(app, data):
    with app.app_context():
        application_id = drive("submitted")
        error = assert_fails_cleanly(
            ValidationFailed, 400,
            lambda: fire("verify_passport", staff("clerk239"), application_id, data))
        assert "document_type" in error.fields


def test_approve_refuses_pupils_not_on_this_schools_roster(app):
    with app.app_context():
        application_id = drive("passport_verified")
        clerk = staff("clerk239")
        other_school_pupil = roster_student("Петрова", number="321")
        for student_id in (other_school_pupil.id, 999999, "abc", -1):
            error = assert_fails_cleanly(
                ValidationFailed, 400,
                lambda: fire("approve", clerk, application_id, {"student_id": student_id}))
            assert "student_id" in error.fields
        assert get(application_id).state == "passport_verified"


def test_stale_version_is_a_conflict(app):
    with app.app_context():
        clerk = staff("clerk239")
        application_id = drive("submitted")
        seen = get(application_id).version
        fire("verify_passport", clerk, application_id, {"document_type": "other"},
             expected_version=seen)
        assert get(application_id).version == seen + 1
        # a second clerk's screen still shows the old version
        error = assert_fails_cleanly(
            Conflict, 409,
            lambda: fire("approve", clerk, application_id, {}, expected_version=seen))
        assert error.status == 409
        fire("approve", clerk, application_id, {}, expected_version=str(seen + 1))
        assert get(application_id).state == "approved"


def test_reason_is_saved_cleaned_in_application_and_audit(app):
    with app.app_context():
        application_id = drive("submitted")
        fire("reject", staff("clerk239"), application_id, {"reason": "  Нет   паспорта \n"})
        assert get(application_id).reason == "Нет паспорта"
        assert events(application_id)[-1].details == {"reason": "Нет паспорта"}


def test_input_that_is_not_an_object_is_refused(app):
    with app.app_context():
        application_id = drive("submitted")
        assert_fails_cleanly(ValidationFailed, 400, lambda: fire(
            "reject", staff("clerk239"), application_id, ["reason", "Нет паспорта"]))
        assert_fails_cleanly(ValidationFailed, 400, lambda: fire("submit", parent(), data="x"))


def test_malformed_expected_version_is_a_validation_error(app):
    with app.app_context():
        application_id = drive("submitted")
        assert_fails_cleanly(
            ValidationFailed, 400,
            lambda: fire("verify_passport", staff("clerk239"), application_id,
                         {"document_type": "other"}, expected_version="abc"))


# --------------------------------------------------------------------------- submission rules
def years_ago(years, days=0):
    today = clock.today()  # the service's day (St. Petersburg's), as the age check counts
    try:
        birth = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        birth = today.replace(year=today.year - years, day=28)
    return (birth + timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    "child_changes, school_number, field",
    [
        ({"birth_date": years_ago(5, days=1)}, "239", "child.birth_date"),   # not yet 5
        ({"birth_date": years_ago(20)}, "239", "child.birth_date"),          # 20 today
        ({"birth_date": years_ago(40)}, "239", "child.birth_date"),
        ({"birth_date": (clock.today() + timedelta(days=1)).isoformat()}, "239", "child.birth_date"),
        ({"birth_date": "2014-13-45"}, "239", "child.birth_date"),
        ({"birth_date": "31.02.2014"}, "239", "child.birth_date"),
        ({"birth_date": "вчера"}, "239", "child.birth_date"),
        ({"birth_date": ""}, "239", "child.birth_date"),
        ({"last_name": ""}, "239", "child.last_name"),
        ({"last_name": "   "}, "239", "child.last_name"),
        ({"first_name": ""}, "239", "child.first_name"),
        ({"first_name": "<script>"}, "239", "child.first_name"),
        ({}, None, "school_id"),
        ({}, "nonsense", "school_id"),
        ({}, 999999, "school_id"),
    ],
)
def test_submission_validation(app, child_changes, school_number, field):
    with app.app_context():
        if school_number is None:
            school_id = None
        elif school_number == "nonsense" or isinstance(school_number, int):
            school_id = school_number
        else:
            school_id = school(school_number).id
        data = {"school_id": school_id, "child": {**IVAN, **child_changes}}
        error = assert_fails_cleanly(ValidationFailed, 400,
                                     lambda: fire("submit", parent(), data=data))
        assert field in error.fields
        assert error.fields[field]


@pytest.mark.parametrize("age", [5, 19])
def test_school_age_boundaries_are_accepted(app, age):
    with app.app_context():
        application_id = submit(child={**IVAN, "birth_date": years_ago(age)})
        assert get(application_id).state == "submitted"


def test_dotted_birth_date_is_accepted(app):
    with app.app_context():
        application_id = submit(child={**IVAN, "birth_date": "09.07.2014"})
        assert get(application_id).child_birth_date == date(2014, 7, 9)


@pytest.mark.parametrize("state", ["submitted", "passport_verified", "approved", "notified"])
def test_second_application_for_the_same_child_and_school_is_refused(app, state):
    with app.app_context():
        drive(state)
        # the same child, typed differently (case, ё/е, spaces)
        for child in (IVAN, {**IVAN, "last_name": "ИВАНОВ", "first_name": " иван "}):
            error = assert_fails_cleanly(
                ValidationFailed, 400,
                lambda: fire("submit", parent(), data={"school_id": school("239").id,
                                                       "child": child}))
            assert error.fields


def test_yo_and_ye_spellings_are_the_same_child(app):
    with app.app_context():
        child = {**IVAN, "last_name": "Селёзнев"}
        submit(child=child)
        assert_fails_cleanly(ValidationFailed, 400, lambda: submit(
            child={**child, "last_name": "Селезнев"}))


@pytest.mark.parametrize("state", ["rejected", "withdrawn", "expired"])
def test_new_application_allowed_after_a_closed_one(app, state):
    with app.app_context():
        old = drive(state)
        new = submit()
        assert new != old and get(new).state == "submitted"


def test_same_child_at_another_school_and_another_parent_are_separate(app):
    with app.app_context():
        drive("submitted")
        other_school = submit(school_number="321")
        other_parent = submit(parent("parent-petrov"))
        assert get(other_school).state == "submitted"
        assert get(other_parent).state == "submitted"


# --------------------------------------------------------------------------- expiry
def test_expire_overdue_expires_only_old_submitted_applications(app):
    with app.app_context():
        days = current_app.config["EXPIRE_DAYS"]
        now = utcnow()
        old_submitted = drive("submitted")
        fresh_submitted = submit(child={**IVAN, "first_name": "Ольга"})
        almost_old = submit(child={**IVAN, "first_name": "Анна"})
        old_verified = drive("passport_verified", child={**IVAN, "first_name": "Вера"})
        old_rejected = drive("rejected", child={**IVAN, "first_name": "Глеб"})
        ages = {old_submitted: days + 1, almost_old: days - 1, old_verified: days + 10,
                old_rejected: days + 10}
        for application_id, age in ages.items():
            db.session.execute(update(Application).where(Application.id == application_id)
                               .values(created_at=now - timedelta(days=age)))
        db.session.commit()
        before = snapshot()
        states = {a: get(a).state for a in (fresh_submitted, almost_old, old_verified,
                                             old_rejected)}

        assert expire_overdue() == 1

        assert get(old_submitted).state == "expired"
        assert {a: get(a).state for a in states} == states
        after = snapshot()
        assert after["audit"] == before["audit"] + 1
        event = events(old_submitted)[-1]
        assert (event.action, event.actor_id) == ("expire", None)
        expired_mail = mails(old_submitted)[-1]
        assert expired_mail.recipient == IVANOVA_EMAIL
        assert after["outbox"] == before["outbox"] + 1
        # nothing left to do: a second run changes nothing
        assert expire_overdue() == 0
        assert snapshot() == after
        # ...until time passes
        assert expire_overdue(now=now + timedelta(days=2)) == 1
        assert get(almost_old).state == "expired"
