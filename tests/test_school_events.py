"""Events and parent meetings kept by the school's clerk: own school only; families are told."""
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage, ParentMeeting, SchoolClass, SchoolEvent
from tests.helpers.data import grant, import_examples, pupil_id
from tests.helpers.web import assert_russian


def test_clerk_adds_a_class_meeting_and_the_family_is_notified(app, login_staff, login_parent):
    parent = app.test_client()
    login_parent(parent, "parent-ivanova")
    with app.app_context():
        import_examples()
        klass = db.session.execute(select(SchoolClass).where(SchoolClass.name == "7 «Б»")).scalar_one()
        volkov = pupil_id("S-1002")
        grant("parent-ivanova", volkov)
        class_id = klass.id
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    assert_russian(clerk, "/parent-meetings/list/")
    assert_russian(clerk, "/parent-meetings/add")
    answer = clerk.post("/parent-meetings/add", data={
        "school": "1", "school_class": str(class_id), "starts_at": "2026-12-10 19:00:00",
        "topic": "Итоги полугодия", "place": "Кабинет 21"})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    with app.app_context():
        assert db.session.execute(select(ParentMeeting.topic)).scalars().all() == ["Итоги полугодия"]
        subjects = db.session.execute(select(OutboxMessage.subject).where(
            OutboxMessage.recipient == "ivanova@example.ru")).scalars().all()
        assert "Родительское собрание: Итоги полугодия" in subjects
    assert "Итоги полугодия" in parent.get(f"/my/students/{volkov}/meetings").get_data(as_text=True)


def test_other_schools_are_out_of_reach(app, login_staff):
    with app.app_context():
        db.session.add(SchoolEvent(school_id=1, title="Концерт лицея", starts_at=__import__("datetime").datetime(2030, 1, 1, 12)))
        db.session.commit()
        event_id = db.session.execute(select(SchoolEvent.id)).scalar_one()
    other = login_staff(app.test_client(), "clerk27", "clerk12345")
    assert "Концерт лицея" not in other.get("/school-events/list/").get_data(as_text=True)
    assert other.get(f"/school-events/show/{event_id}").status_code in (302, 404)
    other.post(f"/school-events/edit/{event_id}", data={"school": "1", "title": "Взлом", "starts_at": "2030-01-01 12:00:00"})
    crafted = other.post("/school-events/add", data={"school": "1", "title": "Чужое", "starts_at": "2030-01-01 12:00:00"})
    assert crafted.status_code in (200, 302)
    with app.app_context():
        titles = db.session.execute(select(SchoolEvent.title)).scalars().all()
        assert titles == ["Концерт лицея"]
    supervisor = login_staff(app.test_client(), "supervisor", "super12345")
    assert supervisor.get("/school-events/list/").status_code in (302, 403)
