"""Diary notifications: routed by preference and access scope into the outbox; e-mail through the
real SMTP server on loopback, SMS through a small HTTP gateway on loopback (fixture `gateway`),
quiet hours, the daily digest, a gateway outage that loses nothing."""
from datetime import datetime, timedelta

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Identity, NotificationPreference, OutboxMessage, UserSettings
from app.notify.routing import after_quiet_hours, next_digest_time
from app.notify.phones import normalize as normalize_phone
from app.workflow.outbox import deliver_one
from tests.helpers.data import citizen_id, grant
from tests.helpers.web import teacher

PARENT_PHONE = "+79211234567"


def family(app, login_parent, school, **preference):
    """Иванова (demo parent) is the representative of Волков (S-1002); a tutor sees only
    schedule and homework."""
    parent = app.test_client()
    login_parent(parent, "parent-ivanova")
    tutor = app.test_client()
    login_parent(tutor, "tutor-oleg", email="tutor@example.ru", given_name="Олег", family_name="Репетиторов")
    grant(app, "parent-ivanova", school["volkov"])
    grant(app, "tutor-oleg", school["volkov"], relation="viewer", scope="schedule_homework")
    with app.app_context():
        ivanova = citizen_id("parent-ivanova")
        identity = db.session.execute(select(Identity).where(Identity.user_id == ivanova)).scalar_one()
        identity.phone = "8 (921) 123-45-67"
        for kind in ("grade", "absence", "homework"):
            db.session.add(NotificationPreference(user_id=ivanova, student_id=school["volkov"], kind=kind,
                                                  **preference))
        db.session.commit()


def deliver_all(app, due_by=None):
    with app.app_context():
        while deliver_one(due_by or clock.utcnow() + timedelta(seconds=1)):
            pass


def set_grade(app, school, value="5"):
    client = teacher(app)
    answer = client.post(f"/journal/{school['algebra']}/cell", json={
        "student_id": school["volkov"], "lesson_id": school["algebra_lesson"], "value": value})
    assert answer.status_code == 200, answer.json
    return client


def outbox(channel):
    return db.session.execute(select(OutboxMessage).where(OutboxMessage.channel == channel)).scalars().all()


def test_phone_numbers_are_checked_as_russian_mobiles():
    assert normalize_phone("8 (921) 123-45-67") == normalize_phone("+7 921 123 45 67") == PARENT_PHONE
    assert normalize_phone("9211234567") == PARENT_PHONE
    for bad in ("+7 812 123-45-67", "12345", "", None, "+1 921 123 45 67"):
        assert normalize_phone(bad) is None


def test_new_grade_goes_by_email_and_sms_but_not_to_a_homework_only_tutor(
        app, school, login_parent, smtp, gateway):
    family(app, login_parent, school, email=True, sms=True)
    with app.app_context():
        db.session.add(UserSettings(user_id=db.session.execute(select(Identity.user_id).where(
            Identity.subject == "parent-ivanova")).scalar_one(),
            quiet_from=datetime.strptime("00:00", "%H:%M").time(),
            quiet_to=datetime.strptime("00:01", "%H:%M").time()))
        db.session.commit()
    smtp.mailbox.clear()
    set_grade(app, school, "5")
    deliver_all(app)
    mails = smtp.mailbox.to("ivanova@example.ru")
    assert len(mails) == 1 and "Новая оценка: Максим" in mails[0]["Subject"]
    assert "5 — 23.11.2026, Алгебра" in mails[0].get_body(("plain",)).get_content()
    assert smtp.mailbox.to("tutor@example.ru") == []  # "only schedule and homework"
    assert [m["to"] for m in gateway.received] == [PARENT_PHONE]
    assert "Новая оценка: Максим" in gateway.received[0]["text"]
    # homework reaches both: the representative and the tutor
    client = teacher(app)
    client.post(f"/journal/{school['algebra']}/lesson", json={
        "lesson_id": school["algebra_lesson"], "topic": "Уравнения", "homework": "№ 200"})
    deliver_all(app)
    assert len(smtp.mailbox.to("tutor@example.ru")) == 1
    assert smtp.mailbox.to("tutor@example.ru")[0]["Subject"].startswith("Домашнее задание для Максима: Алгебра")
    assert "№ 200" in smtp.mailbox.to("tutor@example.ru")[0].get_body(("plain",)).get_content()


def test_sms_waits_for_the_end_of_quiet_hours(app):
    with app.app_context():
        night = datetime(2026, 11, 25, 20, 30)  # 23:30 in St. Petersburg
        assert after_quiet_hours(night) == datetime(2026, 11, 26, 5, 0)  # 08:00 local
        day = datetime(2026, 11, 25, 9, 0)  # 12:00 local
        assert after_quiet_hours(day) == day
        settings = UserSettings(quiet_from=datetime.strptime("13:00", "%H:%M").time(),
                                quiet_to=datetime.strptime("15:00", "%H:%M").time())
        assert after_quiet_hours(datetime(2026, 11, 25, 10, 30), settings) == datetime(2026, 11, 25, 12, 0)
        assert next_digest_time(day) == datetime(2026, 11, 25, 16, 0)  # 19:00 local


def test_digest_gathers_the_days_events_into_one_letter(app, school, login_parent, smtp):
    family(app, login_parent, school, email=False, digest=True)
    smtp.mailbox.clear()
    client = set_grade(app, school, "4")
    client.post(f"/journal/{school['algebra']}/cell", json={
        "student_id": school["volkov"], "lesson_id": school["algebra_lesson"], "value": "4 Н"})
    deliver_all(app)
    assert smtp.mailbox.to("ivanova@example.ru") == []  # nothing before the digest time
    deliver_all(app, due_by=clock.utcnow() + timedelta(days=1, hours=1))
    mails = smtp.mailbox.to("ivanova@example.ru")
    assert len(mails) == 1, [m["Subject"] for m in mails]
    body = mails[0].get_body(("plain",)).get_content()
    assert body.startswith("Уважаемая Мария Петровна!")  # the digest names its addressee
    assert "Новая оценка: Максим" in body and "Посещаемость: Максим" in body
    assert "Отсутствовал — " in body  # agreeing with the pupil (Волков, «пол» м)
    with app.app_context():
        assert {m.status for m in outbox("digest")} == {"sent"}


def test_gateway_down_keeps_sms_pending_and_sends_it_once_later(
        app, school, login_parent, smtp, gateway):
    family(app, login_parent, school, email=False, sms=True)
    deliver_all(app)  # what the demo data left in the outbox
    gateway.failing = True
    with app.app_context():
        app.config["OUTBOX_BACKOFF_SECONDS"] = 0
    set_grade(app, school, "2 Н")
    # the lesson's date is in the past, quiet hours may defer: deliver as of tomorrow noon
    due = clock.utcnow() + timedelta(days=1)
    with app.app_context():
        assert deliver_one(due) == "retry"
        sms = outbox("sms")
        assert len(sms) == 2 and all(m.status == "pending" for m in sms)
    gateway.failing = False
    deliver_all(app, due)
    deliver_all(app, due)
    texts = sorted(m["text"] for m in gateway.received)
    assert len(texts) == 2 and len(set(texts)) == 2
    with app.app_context():
        assert {m.status for m in outbox("sms")} == {"sent"}


def test_a_homework_for_the_class_reaches_every_family_in_the_same_few_statements(app, school, login_parent, smtp):
    """A homework is for every family of the class: their grants, people, preferences and
    addresses are read in a few queries for all of them, not several per family (the city's
    classes hold thirty pupils with one or two people each); each family's message is its own
    outbox row."""
    from tests.helpers.data import pupil_id
    from tests.helpers.sql import statements

    client = teacher(app)

    def save(homework):
        with statements(app) as seen:
            answer = client.post(f"/journal/{school['algebra']}/lesson", json={
                "lesson_id": school["algebra_lesson"], "topic": "Уравнения", "homework": homework})
        assert answer.status_code == 200, answer.json
        return len([statement for statement in seen if statement.startswith("SELECT")])  # an outbox row each: INSERTs

    one = app.test_client()
    login_parent(one, "parent-ivanova")
    grant(app, "parent-ivanova", school["volkov"])
    with_one = save("№ 201")
    for sub, pupil in (("parent-a", "S-1001"), ("parent-b", "S-1003"), ("parent-c", "S-1003")):
        login_parent(app.test_client(), sub, email=f"{sub}@example.ru", given_name="Анна", family_name="Смирнова")
        with app.app_context():
            grant(sub, pupil_id(pupil))
    deliver_all(app)
    smtp.mailbox.clear()
    with_four = save("№ 202")
    assert with_four <= with_one, (with_one, with_four)
    deliver_all(app)
    for address in ("ivanova@example.ru", "parent-a@example.ru", "parent-b@example.ru", "parent-c@example.ru"):
        mails = smtp.mailbox.to(address)
        assert len(mails) == 1 and "№ 202" in mails[0].get_body(("plain",)).get_content(), address
