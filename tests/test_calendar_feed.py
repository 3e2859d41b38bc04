"""The calendar feed is valid RFC 5545, checked by a second, independent parser (vobject; the feed
is written with icalendar): CRLF line ends, lines folded at 75 octets, DTSTAMP, a stable UID and a
SEQUENCE on every event, the VTIMEZONE of Europe/Moscow for local times; a lesson the teacher or the
timetable import changes, a changed school event or parent meeting, comes again with SEQUENCE + 1
under the same UID. The first address shown says nothing of a previous one, a re-issued one does."""
import re
from datetime import date, datetime

import vobject
from sqlalchemy import select

from app.diary.calendar import feed
from app.diary.imports.importer import import_file
from app.extensions import db
from app.models import Lesson, ParentMeeting, SchoolEvent
from tests.helpers.data import EXAMPLE_SCHOOL, EXAMPLES, citizen_id, grant
from tests.helpers.web import teacher

DAY = date(2026, 11, 25)


def the_feed(app, sub="parent-ivanova"):
    with app.app_context():
        return feed(citizen_id(sub), today=DAY)


def events_by_uid(text):
    calendar = vobject.readOne(text.decode("utf-8"))
    return calendar, {event.uid.value: event for event in calendar.vevent_list}


def algebra_uid(app, school):
    return f"lesson-{school['algebra_lesson']}-{school['volkov']}@e-diary"


def test_the_feed_is_rfc_5545_as_another_parser_reads_it(app, school, login_parent):
    login_parent(app.test_client(), "parent-ivanova")
    grant(app, "parent-ivanova", school["volkov"])
    text = the_feed(app)
    lines = text.split(b"\r\n")
    assert b"\n" not in b"".join(lines) and lines[-1] == b""  # CRLF only, the last line ended too
    assert all(len(line) <= 75 for line in lines)  # folded (octets, not characters)
    assert any(line.startswith(b" ") for line in lines)  # a long Russian line was folded
    calendar, events = events_by_uid(text)
    assert calendar.version.value == "2.0" and calendar.prodid.value
    assert [tz.tzid.value for tz in calendar.vtimezone_list] == ["Europe/Moscow"]
    assert len(events) == len(calendar.vevent_list) > 0  # every UID is unique
    for event in calendar.vevent_list:
        assert isinstance(event.dtstamp.value, datetime) and event.dtstamp.value.utcoffset().total_seconds() == 0
        assert event.sequence.value == "0"
    algebra = events[algebra_uid(app, school)]
    assert algebra.summary.value.endswith("Алгебра") and "№ 112, 114" in algebra.description.value
    start = algebra.dtstart.value
    assert (start.hour, start.minute) == (9, 0) and start.utcoffset().total_seconds() == 3 * 3600
    assert b"DTSTART;TZID=Europe/Moscow:20261123T090000\r\n" in text
    assert algebra.location.value == "Кабинет 21"
    assert set(events_by_uid(the_feed(app))[1]) == set(events)  # the same UIDs on the next fetch


def test_a_changed_lesson_comes_again_with_a_higher_sequence(app, school, login_parent, tmp_path):
    login_parent(app.test_client(), "parent-ivanova")
    grant(app, "parent-ivanova", school["volkov"])
    uid = algebra_uid(app, school)
    client = teacher(app)
    answer = client.post(f"/journal/{school['algebra']}/lesson", json={
        "lesson_id": school["algebra_lesson"], "topic": "Уравнения с модулем", "homework": "№ 200"})
    assert answer.status_code == 200, answer.json
    event = events_by_uid(the_feed(app))[1][uid]
    assert event.sequence.value == "1" and "№ 200" in event.description.value
    # the school's timetable import moves the lesson to another room: one more revision
    source = (EXAMPLES / "lessons.csv").read_text(encoding="utf-8")
    moved = source.replace("Алгебра;t.orlova;09:00;09:45;21;Линейные уравнения;№ 112, 114",
                           "Алгебра;t.orlova;09:00;09:45;35;Уравнения с модулем;№ 200", 1)
    assert moved != source
    (tmp_path / "lessons.csv").write_text(moved, encoding="utf-8")
    with app.app_context():
        import_file(tmp_path / "lessons.csv", EXAMPLE_SCHOOL)
        db.session.commit()
    event = events_by_uid(the_feed(app))[1][uid]
    assert event.sequence.value == "2" and event.location.value == "Кабинет 35"
    with app.app_context():  # an unchanged re-import is no new revision
        import_file(tmp_path / "lessons.csv", EXAMPLE_SCHOOL)
        db.session.commit()
        assert db.session.get(Lesson, school["algebra_lesson"]).revision == 2
        others = db.session.execute(select(Lesson.revision).where(Lesson.id != school["algebra_lesson"])).scalars()
        assert set(others) == {0}


def test_the_first_address_is_not_called_new_and_can_be_copied(app, pupil_world):
    tutor = pupil_world["tutor-oleg"]
    settings = tutor.get("/my/settings").get_data(as_text=True)
    assert "Получить адрес календаря" in settings and "Адрес календаря у вас уже есть" not in settings
    first = tutor.post("/my/settings/calendar").get_data(as_text=True)
    assert "прежний больше не работает" not in first and "Вот адрес вашего календаря" in first
    assert 'data-copy="calendar-url"' in first and "Скопировать ссылку" in first
    assert re.search(r'<script src="[^"]*copy_link[^"]*" defer>', first)  # (however static URLs are versioned)
    assert "Адрес календаря у вас уже есть" in tutor.get("/my/settings").get_data(as_text=True)
    second = tutor.post("/my/settings/calendar").get_data(as_text=True)
    assert "прежний больше не работает" in second


def test_a_changed_event_or_meeting_comes_again_with_a_higher_sequence(app, school, login_parent):
    login_parent(app.test_client(), "parent-ivanova")
    grant(app, "parent-ivanova", school["volkov"])
    with app.app_context():
        concert = SchoolEvent(school_id=EXAMPLE_SCHOOL, title="Новогодний концерт", starts_at=datetime(2026, 12, 25, 12))
        meeting = ParentMeeting(school_id=EXAMPLE_SCHOOL, starts_at=datetime(2026, 12, 10, 19), topic="Итоги четверти")
        db.session.add_all([concert, meeting])
        db.session.commit()
        uids = f"event-{concert.id}-{school['volkov']}@e-diary", f"meeting-{meeting.id}-{school['volkov']}@e-diary"
    events = events_by_uid(the_feed(app))[1]
    assert [events[uid].sequence.value for uid in uids] == ["0", "0"]
    with app.app_context():
        db.session.get(SchoolEvent, int(uids[0].split("-")[1])).place = "Актовый зал"
        db.session.get(ParentMeeting, int(uids[1].split("-")[1])).starts_at = datetime(2026, 12, 11, 19)
        db.session.commit()
    events = events_by_uid(the_feed(app))[1]
    assert [events[uid].sequence.value for uid in uids] == ["1", "1"]
    assert events[uids[0]].location.value == "Актовый зал" and events[uids[1]].dtstart.value.day == 11
