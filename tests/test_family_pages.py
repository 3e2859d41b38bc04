"""What families read, page by page, on SQLite and PostgreSQL, with viewer scopes enforced:
a tutor with "only schedule and homework" sees no grades anywhere (the family: fixture
`pupil_world`, tests/fixtures/diary.py)."""
import json
import re

from sqlalchemy import select

from app.extensions import db
from app.models import AccessLogEntry, User
from tests.helpers.web import assert_russian

GRADE_SECTIONS = ["grades", "results", "dynamics", "stats"]
ALL_SECTIONS = ["diary", *GRADE_SECTIONS, "attendance", "events", "meetings"]


def url(student_id, section, query=""):
    return f"/my/students/{student_id}/{section}{query}"


def test_the_week_shows_lessons_topics_homework_grades_and_marks(app, pupil_world):
    page = pupil_world["parent-ivanova"].get(url(pupil_world["volkov"], "diary", "?week=2026-11-25"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in ("Понедельник, 23.11", "Алгебра", "Линейные уравнения", "№ 112, 114", ">3<",
                 "Не выполнено домашнее задание", "ОП", "Предыдущая неделя"):
        assert text in html, text
    empty = pupil_world["parent-ivanova"].get(url(pupil_world["volkov"], "diary", "?week=2026-12-28"))
    assert "На этой неделе уроков нет" in empty.get_data(as_text=True)


def test_grades_results_stats_dynamics_events(app, pupil_world):
    client, p = pupil_world["parent-ivanova"], pupil_world["volkov"]
    grades = client.get(url(p, "grades", "?from=2026-09-01&to=2026-12-31")).get_data(as_text=True)
    assert "Алгебра" in grades and "средний балл 3,00" in grades and "Литература" in grades
    stats = client.get(url(p, "stats", "?from=2026-09-01&to=2026-12-31")).get_data(as_text=True)
    assert "Средний балл класса" in stats
    dynamics = client.get(url(p, "dynamics", "?from=2026-11-01&to=2026-11-30")).get_data(as_text=True)
    assert "vendor/chart.umd.js" in dynamics
    chart = json.loads(re.search(r'(?s)<script id="dynamics-data" type="application/json">(.*?)</script>',
                                 dynamics).group(1))
    assert "Алгебра" in [s["label"] for s in chart["series"]] and chart["labels"][0] == "26.10" and chart["labels"][-1] == "30.11"
    assert not re.search(r'(src|href)="(https?:)?//', dynamics)  # nothing from a CDN or another site
    assert "Новогодний концерт" in client.get(url(p, "events")).get_data(as_text=True)
    assert "Итоги полугодия" in client.get(url(p, "meetings")).get_data(as_text=True)
    assert client.get(url(p, "results")).status_code == 200


def test_scopes_are_enforced_on_every_page(app, pupil_world):
    p = pupil_world["volkov"]
    tutor, papa, stranger = pupil_world["tutor-oleg"], pupil_world["papa-sergey"], pupil_world["parent-petrov"]
    for section in GRADE_SECTIONS + ["attendance"]:
        assert tutor.get(url(p, section)).status_code == 403, section
    week = tutor.get(url(p, "diary", "?week=2026-11-25")).get_data(as_text=True)
    assert "№ 112, 114" in week  # homework: yes
    assert ">3<" not in week and "Не выполнено домашнее задание" not in week and "ОП" not in week  # grades: no
    assert "/grades" not in week  # no tab to a section outside the scope
    assert papa.get(url(p, "grades")).status_code == 200
    for section in ("diary", "attendance", "events", "meetings"):
        assert papa.get(url(p, section)).status_code == 403, section
    for section in ALL_SECTIONS:
        assert stranger.get(url(p, section)).status_code == 404, section


def test_viewers_visits_are_logged_and_the_representatives_are_not(app, pupil_world):
    p = pupil_world["volkov"]
    pupil_world["parent-ivanova"].get(url(p, "grades"))
    pupil_world["papa-sergey"].get(url(p, "grades"))
    pupil_world["tutor-oleg"].get(url(p, "diary"))
    with app.app_context():
        log = db.session.execute(select(AccessLogEntry.what, User.username).join(
            User, User.id == AccessLogEntry.user_id).order_by(AccessLogEntry.id)).all()
        assert [(what, name.split(":")[-1]) for what, name in log] == [
            ("grades", "papa-sergey"), ("diary", "tutor-oleg")]


def test_family_pages_are_russian(app, pupil_world):
    for section in ALL_SECTIONS:
        assert_russian(pupil_world["parent-ivanova"], url(pupil_world["volkov"], section))


def test_grades_grid_subjects_by_dates_with_weighted_averages(app, pupil_world):
    """The МЭШ / Дневник.ру view: a row per subject, a column per date a grade was given on, the
    weighted average last — a test of weight 2 counts twice (3 and 5×2: 4,33, not 4,00)."""
    from datetime import date

    from app.models import Grade, Subject

    client, p = pupil_world["parent-ivanova"], pupil_world["volkov"]
    with app.app_context():
        algebra = db.session.execute(select(Subject.id).where(Subject.name == "Алгебра")).scalar_one()
        db.session.add(Grade(student_id=p, subject_id=algebra, date=date(2026, 11, 26), value="5", kind="test",
                             weight=2))
        db.session.commit()
    html = client.get(url(p, "grades", "?from=2026-09-01&to=2026-12-31")).get_data(as_text=True)
    grid = re.search(r'(?s)<table class="table grid">(.*?)</table>', html).group(1)
    header = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', grid)
    assert header[0] == "Предмет" and header[-1] == "Средний балл"
    assert "23.11" in header and "26.11" in header and header.index("23.11") < header.index("26.11")
    row = re.search(r'(?s)<tr><th scope="row">Алгебра</th>(.*?)</tr>', grid).group(1)
    cells = re.findall(r"(?s)<td[^>]*>(.*?)</td>", row)
    assert len(cells) == len(header) - 1  # one cell per date and the average
    assert ">3<" in cells[header.index("23.11") - 1]
    assert ">5<sub>2</sub>" in cells[header.index("26.11") - 1]
    assert re.search(r"4[.,]33", cells[-1]), cells[-1]
    assert "Оценки по предметам" in html  # the per-subject list stays beside it
