"""Final grades per period: the teacher enters them in the journal's «Итоговые» view, by the
school's own periods («I четверть», «I полугодие», «Год», «Экзамен»); a period that has not begun
takes none; another teacher cannot open or write the sheet; the family reads «Итоговые оценки» as
a table by period, each named as in the school's calendar."""
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from app.extensions import db
from app.models import AcademicYear, AuditEvent, Grade, OutboxMessage, Period
from tests.helpers.data import EXAMPLE_SCHOOL, count
from tests.helpers.web import csrf_token, teacher

WEDNESDAY = datetime(2026, 12, 2, 12, 0, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def calendar(app, school, pupil_world):
    """School 239's year 2026/2027 with four quarters and two half-years; the clock on 2 December."""
    with app.app_context():
        year = AcademicYear(school_id=EXAMPLE_SCHOOL, name="2026/2027", starts_on=date(2026, 9, 1),
                            ends_on=date(2027, 5, 31))
        db.session.add(year)
        db.session.flush()
        spans = {("quarter", 1): ("2026-09-01", "2026-10-25"), ("quarter", 2): ("2026-11-05", "2026-12-28"),
                 ("quarter", 3): ("2027-01-09", "2027-03-22"), ("quarter", 4): ("2027-03-31", "2027-05-31"),
                 ("half_year", 1): ("2026-09-01", "2026-12-28"), ("half_year", 2): ("2027-01-09", "2027-05-31")}
        ids = {}
        for (kind, number), (since, until) in spans.items():
            period = Period(year_id=year.id, kind=kind, number=number, starts_on=date.fromisoformat(since),
                            ends_on=date.fromisoformat(until))
            db.session.add(period)
            db.session.flush()
            ids[(kind, number)] = period.id
        db.session.commit()
    with time_machine.travel(WEDNESDAY, tick=False):
        yield dict(school, periods=ids, parent=pupil_world["parent-ivanova"])


def _url(world):
    return f"/journal/{world['algebra']}/finals"


def test_the_teacher_enters_final_grades_by_period_and_the_family_reads_them_by_name(app, calendar):
    client = teacher(app)
    page = client.get(_url(calendar))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    header = re.findall(r'<th scope="col">([^<]*)</th>', re.search(r"(?s)<thead>(.*?)</thead>", html).group(1))
    assert header == ["I четверть", "II четверть", "III четверть", "IV четверть", "I полугодие", "II полугодие",
                          "Год", "Экзамен"]
    q1, q3 = calendar["periods"][("quarter", 1)], calendar["periods"][("quarter", 3)]
    volkov = calendar["volkov"]
    assert re.search(rf'name="final-{volkov}-p{q3}"[^>]*disabled', html, re.S)  # not begun yet
    with app.app_context():
        sent = count(OutboxMessage)
    saved = client.post(_url(calendar), data={"csrf_token": csrf_token(page), f"final-{volkov}-p{q1}": "4",
                                              f"final-{volkov}-year": "5"})
    assert saved.status_code == 302
    with app.app_context():
        grades = {(g.kind, g.period_id): (g.value, g.date) for g in db.session.execute(
            select(Grade).where(Grade.student_id == volkov, Grade.lesson_id.is_(None))).scalars()}
        assert grades[("quarter", q1)] == ("4", date(2026, 10, 25))
        assert grades[("year", None)][0] == "5"
        audit = db.session.execute(select(AuditEvent).where(AuditEvent.action == "final_set")).scalars().all()
        assert {(e.details["period"], e.details["to"]) for e in audit} == {("I четверть", "4"), ("Год", "5")}
        assert count(OutboxMessage) > sent  # the family hears of it through the outbox
    again = client.get(_url(calendar)).get_data(as_text=True)
    assert re.search(rf'name="final-{volkov}-p{q1}"[^>]*value="4"', again, re.S)
    family = calendar["parent"].get(f"/my/students/{volkov}/results").get_data(as_text=True)
    header = re.search(r"(?s)<thead>(.*?)</thead>", family).group(1)
    assert ">I четверть<" in header and ">Год<" in header and ">Экзамен<" in header
    row = re.search(r"(?s)<th scope=\"row\">Алгебра</th>(.*?)</tr>", family).group(1)
    assert "<strong>4</strong>" in row and "<strong>5</strong>" in row


def test_a_period_not_begun_and_a_wrong_value_are_refused_beside_the_cell(app, calendar):
    client = teacher(app)
    page = client.get(_url(calendar))
    q2, q3 = calendar["periods"][("quarter", 2)], calendar["periods"][("quarter", 3)]
    volkov = calendar["volkov"]
    refused = client.post(_url(calendar), data={"csrf_token": csrf_token(page), f"final-{volkov}-p{q3}": "5",
                                                f"final-{volkov}-p{q2}": "6", f"final-{volkov}-exam": "4\x00"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "ещё не начался" in html and "Введите оценку 1–5" in html
    assert f'id="err-{volkov}-p{q2}"' in html
    with app.app_context():
        assert count(Grade, Grade.student_id == volkov, Grade.kind.in_(("quarter", "half_year"))) == 0


def test_another_teacher_cannot_open_or_write_the_sheet(app, calendar, login_staff):
    belov = teacher(app, "a.belov")  # teaches 7 «Б» Russian, not its algebra
    assert belov.get(_url(calendar)).status_code == 404
    page = belov.get(f"/journal/{calendar['russian']}/finals")
    assert page.status_code == 200
    q1 = calendar["periods"][("quarter", 1)]
    assert belov.post(_url(calendar), data={"csrf_token": csrf_token(page),
                                            f"final-{calendar['volkov']}-p{q1}": "2"}).status_code == 404
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    assert clerk.get(_url(calendar)).status_code in (302, 403)
    with app.app_context():
        assert count(Grade, Grade.value == "2", Grade.lesson_id.is_(None)) == 0
