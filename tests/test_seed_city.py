"""`flask seed city`: the same seed gives the same data; the data set is consistent (every grade
belongs to a pupil of the lesson's class, grants only for approved applications) and usable by
the app's reports."""
from datetime import date, timedelta

from sqlalchemy import cast, func, Integer, select

from app import clock
from app.extensions import db
from app.models import AccessGrant, Application, Grade, Lesson, SchoolClass, Student
from app.reports import queries
from tests.helpers.app import reset_data


def fingerprint():
    states = tuple(db.session.execute(select(Application.state, func.count()).group_by(Application.state)
                                      .order_by(Application.state)).all())
    grades = db.session.execute(select(func.count(Grade.id), func.sum(cast(Grade.value, Integer)))).one()
    return states, tuple(grades)


def test_tiny_city_is_consistent_and_reproducible(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed", "city", "--seed", "7", "--scale", "0.001"])
    assert result.exit_code == 0, result.output
    assert "Загружено: districts 18, schools 18" in result.output
    with app.app_context():
        foreign = db.session.scalar(
            select(func.count()).select_from(Grade).join(Lesson, Lesson.id == Grade.lesson_id)
            .join(SchoolClass, SchoolClass.id == Lesson.class_id).join(Student, Student.id == Grade.student_id)
            .where((Student.class_name != SchoolClass.name) | (Student.school_id != SchoolClass.school_id)))
        assert foreign == 0
        wrong_grants = db.session.scalar(
            select(func.count()).select_from(AccessGrant).join(Application, Application.id == AccessGrant.application_id)
            .where(Application.state.not_in(("approved", "notified"))))
        assert wrong_grants == 0
        # an evening in term: this week has a timetable (the family mix's week page and «Сегодня»
        # are not empty), and nothing is graded before it has taken place
        monday = clock.week_start()
        assert db.session.scalar(select(func.count()).select_from(Lesson).where(
            Lesson.date >= monday, Lesson.date <= monday + timedelta(days=4))) > 0
        assert db.session.scalar(select(func.count()).select_from(Grade).join(Lesson, Lesson.id == Grade.lesson_id)
                                 .where(Lesson.date >= clock.today())) == 0
        first = fingerprint()
        assert {state for state, _ in first[0]} >= {"submitted", "notified", "rejected", "expired"}
        funnel = queries.funnel(None, date(2000, 1, 1), date(2100, 1, 1))
        assert sum(r["total"] for r in funnel["rows"]) == sum(n for _, n in first[0])
    reset_data(app)
    again = runner.invoke(args=["seed", "city", "--seed", "7", "--scale", "0.001"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        assert fingerprint() == first


def test_every_chunk_of_a_bulk_load_lands(app, monkeypatch):
    """COPY is sent in chunks: with tiny chunks every row the command reports is in the database
    (a writer left on the previous chunk's buffer once lost all rows after the first chunk)."""
    from app.seed import city

    monkeypatch.setattr(city.Loader, "CHUNK", 7)
    tables = {"pupils": Student, "applications": Application, "lessons": Lesson, "grades": Grade}
    with app.app_context():
        before = {key: db.session.scalar(select(func.count()).select_from(model)) for key, model in tables.items()}
        figures = city.seed_city(seed=3, scale=0.001)
        after = {key: db.session.scalar(select(func.count()).select_from(model)) for key, model in tables.items()}
    assert figures["pupils"] > 7 * 3 and figures["grades"] > 7 * 3
    assert {key: after[key] - before[key] for key in tables} == {key: figures[key] for key in tables}
