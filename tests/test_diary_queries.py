"""What families read, computed from imported school data (docs/import-examples)."""
from datetime import date, datetime

from sqlalchemy import select

from app.diary import queries
from app.extensions import db
from app.models import ParentMeeting, School, SchoolClass, SchoolEvent, Student
from tests.helpers.data import import_examples


def pupil(external_id):
    return db.session.execute(select(Student).where(Student.external_id == external_id)).scalar_one()


def test_week_has_lessons_grades_and_marks(app):
    with app.app_context():
        import_examples()
        week = queries.week(pupil("S-1002"), date(2026, 11, 25))
        assert week["week_start"] == date(2026, 11, 23) and len(week["days"]) == 6
        monday, tuesday = week["days"][0], week["days"][1]
        assert [l["subject"] for l in monday["lessons"]] == ["Алгебра", "Русский язык"]
        algebra = monday["lessons"][0]
        assert algebra["homework"] == "№ 112, 114" and algebra["starts_at"].strftime("%H:%M") == "09:00"
        assert algebra["grades"] == [{"value": "3", "kind": "current", "weight": 1,
                                      "remark": "Не выполнено домашнее задание"}]
        assert tuesday["lessons"][0]["attendance"] == "ОП"
        assert tuesday["lessons"][0]["grades"][0]["value"] == "5"  # from grades.json
        empty = queries.week(pupil("S-1002"), date(2026, 12, 7))
        assert all(not d["lessons"] for d in empty["days"])


def test_weighted_averages_skip_pass_fail_and_finals(app):
    assert queries.weighted_average([("5", 1), ("3", 3), ("зч", 1)]) == 3.5
    assert queries.weighted_average([("нзч", 1)]) is None
    with app.app_context():
        import_examples()
        subjects = queries.grades_by_subject(pupil("S-1001"), date(2026, 9, 1), date(2026, 12, 31))
        assert [(s["subject"], s["average"]) for s in subjects] == [("Алгебра", 5.0), ("Русский язык", 4.0)]
        results = queries.results(pupil("S-1003"))
        assert results == [{"subject": "Алгебра", "results": [
            {"kind": "quarter", "date": date(2026, 10, 30), "value": "4", "period": None}]}]  # no periods in the tables


def test_stats_compare_with_the_class_and_respect_rankings_switch(app):
    with app.app_context():
        import_examples()
        stats = queries.stats(pupil("S-1001"), date(2026, 9, 1), date(2026, 12, 31))
        algebra = next(s for s in stats["subjects"] if s["subject"] == "Алгебра")
        assert (algebra["average"], algebra["class_average"], algebra["place"], algebra["of"]) == (5.0, 4.0, 1, 2)
        assert stats["rankings"] and stats["place"] == 1
        db.session.get(School, 1).rankings_enabled = False
        db.session.commit()
        stats = queries.stats(pupil("S-1001"), date(2026, 9, 1), date(2026, 12, 31))
        assert stats["place"] is None and all(s["place"] is None for s in stats["subjects"])


def test_attendance_dynamics_events_and_meetings(app):
    with app.app_context():
        import_examples()
        summary = queries.attendance(pupil("S-1003"), date(2026, 9, 1), date(2026, 12, 31))
        assert summary["by_subject"] == [{"subject": "Алгебра", "counts": {"Б": 1}}]
        chart = queries.dynamics(pupil("S-1001"), date(2026, 11, 16), date(2026, 11, 29))
        assert len(chart["weeks"]) == 2 and chart["series"]["Алгебра"] == [None, 5.0]
        klass = db.session.execute(select(SchoolClass).where(SchoolClass.name == "7 «Б»")).scalar_one()
        db.session.add_all([
            SchoolEvent(school_id=1, title="День открытых дверей", starts_at=datetime(2026, 12, 5, 11)),
            SchoolEvent(school_id=1, class_id=klass.id, title="Экскурсия", starts_at=datetime(2026, 10, 1, 9)),
            ParentMeeting(school_id=1, class_id=klass.id, starts_at=datetime(2026, 12, 10, 19),
                          place="каб. 21", topic="Итоги четверти"),
        ])
        db.session.commit()
        now = datetime(2026, 11, 25, 12)
        events = queries.events(pupil("S-1001"), now)
        assert [e.title for e in events["upcoming"]] == ["День открытых дверей"]
        assert [e.title for e in events["past"]] == ["Экскурсия"]
        assert [m.topic for m in queries.meetings(pupil("S-1001"), now)["upcoming"]] == ["Итоги четверти"]


def test_admin_switches_rankings_off_for_a_school(sqlite_app, login_staff):
    admin = login_staff(sqlite_app.test_client(), "admin", "admin12345")
    page = admin.get("/schools/edit/1").get_data(as_text=True)
    assert "Семьи видят место обучающегося в классе" in page
    answer = admin.post("/schools/edit/1", data={"number": "239", "name": "ГБОУ лицей № 239", "district": "1",
                                                 "address": "Кирочная ул., д. 8"})
    assert answer.status_code == 302
    with sqlite_app.app_context():
        assert db.session.get(School, 1).rankings_enabled is False


def test_the_class_of_the_day_from_the_access_check_is_the_class_of_the_day(app):
    """membership.class_id_on from the memberships the access check read (app.diary.revisions)
    gives what class_of gives, on each side of a move and for a pupil in no class."""
    from app.diary import membership, revisions

    with app.test_request_context():
        import_examples()
        volkov, sokolova = pupil("S-1002"), pupil("S-1001")
        membership.enroll(volkov, "7 «А»", date(2026, 11, 24))
        db.session.commit()
        for student in (volkov, sokolova):
            revisions.remember(student.id, db.session.execute(
                select(revisions.pupil_column(Student.id)).where(Student.id == student.id)).scalar())
        for student in (volkov, sokolova):
            for day in (date(2026, 9, 1), date(2026, 11, 23), date(2026, 11, 24), date(2027, 1, 10)):
                expected = membership.class_of(student, day)
                assert membership.class_id_on(student, day) == (expected.id if expected else None), (student.id, day)
        revisions.remember(volkov.id, None)  # no memberships at all
        assert membership.class_id_on(volkov, date(2026, 11, 24)) is None
