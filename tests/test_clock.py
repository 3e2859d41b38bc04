"""The service's day is St. Petersburg's, never the server clock's (app/clock.py).

Servers run in UTC: from 21:00 to 24:00 UTC it is already the next day in St. Petersburg. These
tests put the clock at Sunday 29 November 2026, 22:30 UTC — Monday 30 November, 01:30 in
St. Petersburg — and look at what a parent, a teacher and a supervisor see; then run the app in a
process whose own time zone is twelve hours behind UTC. And a guard: nothing in app/ but
app/clock.py reads the clock."""
import ast
import json
import os
import re
import subprocess
import sys
import textwrap
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from icalendar import Calendar
from sqlalchemy import select

from app.extensions import db
from app.models import (
    AccessGrant, Application, Identity, Lesson, School, SchoolEvent, Student, Subject, TeachingAssignment, User,
)

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"

# Sunday 22:30 in a UTC server's own clock (ZoneInfo: time-machine sets the process zone to UTC too)
SUNDAY_NIGHT_UTC = datetime(2026, 11, 29, 22, 30, tzinfo=ZoneInfo("UTC"))
MONDAY = date(2026, 11, 30)  # St. Petersburg's date at that moment (01:30)
SUNDAY = MONDAY - timedelta(days=1)


# --------------------------------------------------------------------------- the guard
FORBIDDEN = {
    "datetime.date.today", "datetime.datetime.today", "datetime.datetime.now", "datetime.datetime.utcnow",
    "time.time", "time.time_ns", "sqlalchemy.func.now", "sqlalchemy.func.current_date",
    "sqlalchemy.func.current_timestamp", "sqlalchemy.func.localtimestamp",
    # read the clock when called without a time (and then in the process's own zone)
    "time.localtime", "time.gmtime", "time.ctime", "time.asctime", "time.strftime", "email.utils.formatdate",
}


def clock_reads(source, filename="<module>"):
    """(line, name) of every reference to a clock-reading function in the source — called or
    passed (`default=datetime.utcnow`), whatever the import's alias."""
    tree = ast.parse(source, filename)
    names = {}  # local name -> qualified name
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def qualified(node):
        if isinstance(node, ast.Name):
            return names.get(node.id)
        if isinstance(node, ast.Attribute):
            base = qualified(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(getattr(node, "ctx", None), ast.Load):
            name = qualified(node)
            if name in FORBIDDEN:
                found.append((node.lineno, name))
    return sorted(set(found))


def test_the_guard_sees_clock_reads_under_any_alias():
    source = textwrap.dedent("""
        import datetime as dt
        import time
        from datetime import date as day, datetime
        from time import time as seconds
        from sqlalchemy import Column, DateTime, func

        a = day.today()
        b = datetime.now()
        c = dt.datetime.utcnow()
        d = seconds()
        e = Column(DateTime, default=datetime.utcnow)
        f = func.now()
        fine = (time.monotonic(), datetime.combine(a, dt.time.min), dt.date(2026, 9, 1))
    """)
    assert [name for _, name in clock_reads(source)] == [
        "datetime.date.today", "datetime.datetime.now", "datetime.datetime.utcnow", "time.time",
        "datetime.datetime.utcnow", "sqlalchemy.func.now"]


def test_nothing_in_app_but_app_clock_reads_the_clock():
    offenders = []
    for path in sorted(APP.rglob("*.py")):
        if path == APP / "clock.py":
            continue
        for line, name in clock_reads(path.read_text(encoding="utf-8"), str(path)):
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {name} (use app.clock)")
    assert not offenders, "\n".join(offenders)


DAY_FROM_THE_PROCESS = {"datetime.date.today", "datetime.datetime.today", "datetime.datetime.utcnow"}


def test_no_test_takes_the_day_from_the_process_clock():
    """A test that counts from the process's «today» disagrees with the service by a day from 21:00
    to 24:00 UTC (already tomorrow in St. Petersburg): an age check of «not yet 5» passed then, and
    on New Year's night «next year's 1 January» is today. Tests ask app.clock, as the app does."""
    offenders = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for line, name in clock_reads(path.read_text(encoding="utf-8"), str(path)):
            if name in DAY_FROM_THE_PROCESS:
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {name} (use app.clock.today() / utcnow())")
    assert not offenders, "\n".join(offenders)


# --------------------------------------------------------------------------- Monday, 01:30
def _parent(app, login_parent, sub):
    client = app.test_client()
    login_parent(client, sub)
    return client


@pytest.fixture
def monday_night(app, login_parent, login_staff):
    """The demo term made at Sunday 22:30 UTC (Monday 01:30 in St. Petersburg), and the clock left
    there: Иванова sees Софья's diary, Петров holds a viewer's access to Софья that ended on Sunday,
    two events on Monday (one at midnight, one in the morning) and a lesson six weeks ahead."""
    from app.diary.demo import load_diary_demo

    with time_machine.travel(SUNDAY_NIGHT_UTC, tick=False):
        ivanova, petrov = _parent(app, login_parent, "parent-ivanova"), _parent(app, login_parent, "parent-petrov")
        with app.app_context():
            load_diary_demo()  # around the service's today
            sofia = db.session.execute(select(Student).where(Student.first_name == "Софья")).scalar_one()
            math = db.session.execute(select(Subject).where(
                Subject.school_id == sofia.school_id, Subject.name == "Математика")).scalar_one()
            assignment = db.session.execute(select(TeachingAssignment).where(
                TeachingAssignment.subject_id == math.id)).scalar_one()
            lesson = db.session.execute(select(Lesson).where(
                Lesson.subject_id == math.id, Lesson.date == MONDAY)).scalars().first()
            petrov_id = db.session.execute(select(Identity.user_id).where(
                Identity.subject == "parent-petrov")).scalar_one()
            db.session.add_all([
                AccessGrant(user_id=petrov_id, student_id=sofia.id, relation="viewer", scope="all",
                            valid_until=SUNDAY),
                SchoolEvent(school_id=sofia.school_id, title="Старт онлайн-олимпиады по математике",
                            starts_at=datetime.combine(MONDAY, time(0, 0))),
                SchoolEvent(school_id=sofia.school_id, title="Общешкольная линейка",
                            starts_at=datetime.combine(MONDAY, time(8, 30))),
                Lesson(class_id=assignment.class_id, subject_id=math.id, teacher_id=assignment.teacher_id,
                       date=MONDAY + timedelta(days=42), number=1, starts_at=time(9), ends_at=time(9, 45),
                       topic="Повторение"),
            ])
            db.session.commit()
            world = dict(sofia=sofia.id, assignment=assignment.id, lesson=lesson.id)
        world.update(ivanova=ivanova, petrov=petrov,
                     teacher=login_staff(app.test_client(), "teacher239", "teacher12345"))
        yield world


def test_the_week_page_shows_mondays_week_and_marks_monday_today(app, monday_night):
    page = monday_night["ivanova"].get(f"/my/students/{monday_night['sofia']}/diary")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    today = re.findall(r'(?s)<section class="day today">\s*<h2>(.*?)</h2>', html)
    assert [" ".join(h.split()) for h in today] == ["Понедельник, 30.11 · сегодня"]
    assert "23.11" not in html  # not the week that ended on Sunday


def test_the_diary_api_gives_mondays_week(app, monday_night):
    week = monday_night["ivanova"].get(f"/api/v1/students/{monday_night['sofia']}/diary").json
    assert week["week_start"] == "2026-11-30"
    assert week["days"][0]["date"] == "2026-11-30" and week["days"][0]["lessons"]


def test_a_grade_given_on_monday_night_is_among_the_parents_grades(app, monday_night):
    teacher, sofia = monday_night["teacher"], monday_night["sofia"]
    journal = teacher.get(f"/journal/{monday_night['assignment']}").get_data(as_text=True)
    assert "30.11" in journal and "07.12" in journal  # the default weeks reach a week past today
    answer = teacher.post(f"/journal/{monday_night['assignment']}/cell",
                          json={"student_id": sofia, "lesson_id": monday_night["lesson"], "value": "2"})
    assert answer.status_code == 200, answer.data
    grades = monday_night["ivanova"].get(f"/my/students/{sofia}/grades").get_data(as_text=True)
    maths = re.search(r"(?s)<h3>Математика .*?</section>", grades).group(0)
    assert re.search(r'<span class="grade">2</span>\s*<span class="muted">30\.11', maths), maths
    api = monday_night["ivanova"].get(f"/api/v1/students/{sofia}/grades").json
    assert api["to"] == "2026-11-30"
    maths_api = next(s for s in api["subjects"] if s["subject"] == "Математика")
    assert {"date": "2026-11-30", "value": "2"}.items() <= next(
        g for g in maths_api["grades"] if g["value"] == "2").items()


def test_an_access_that_ended_on_sunday_is_closed_on_monday_night(app, monday_night):
    sofia = monday_night["sofia"]
    assert monday_night["petrov"].get(f"/my/students/{sofia}/diary").status_code == 404
    assert monday_night["petrov"].get(f"/api/v1/students/{sofia}/diary").status_code == 404
    refused = monday_night["ivanova"].post(f"/api/v1/students/{sofia}/invitations", json={
        "email": "babushka@example.ru", "kind": "viewer", "scope": "all", "until": SUNDAY.isoformat()})
    assert refused.status_code == 400
    assert refused.json["errors"]["until"] == "Дата окончания не может быть в прошлом."
    allowed = monday_night["ivanova"].post(f"/api/v1/students/{sofia}/invitations", json={
        "email": "babushka@example.ru", "kind": "viewer", "scope": "all", "until": MONDAY.isoformat()})
    assert allowed.status_code == 201


def test_events_at_midnight_are_past_by_one_thirty(app, monday_night):
    ivanova, sofia = monday_night["ivanova"], monday_night["sofia"]
    page = ivanova.get(f"/my/students/{sofia}/events").get_data(as_text=True)
    upcoming, past = page.split("<h2>Прошедшие</h2>")
    assert "Общешкольная линейка" in upcoming and "Старт онлайн-олимпиады" not in upcoming
    assert "Старт онлайн-олимпиады по математике" in past
    api = ivanova.get(f"/api/v1/students/{sofia}/events").json
    assert "Старт онлайн-олимпиады по математике" in [e["title"] for e in api["past"]]
    assert "Старт онлайн-олимпиады по математике" not in [e["title"] for e in api["upcoming"]]


def _feed(client):
    page = client.post("/my/settings/calendar").get_data(as_text=True)
    path = re.search(r'value="https?://[^/"]+(/[^"]+\.ics)"', page).group(1)
    answer = client.get(path)
    assert answer.status_code == 200
    return [(str(e["SUMMARY"]), e.decoded("DTSTART")) for e in Calendar.from_ical(answer.data).walk("VEVENT")]


def test_the_calendar_feed_counts_its_weeks_from_st_petersburgs_day(app, monday_night):
    events = _feed(monday_night["ivanova"])
    six_weeks = [start for summary, start in events if summary == "Софья: Математика"
                 and start.date() == MONDAY + timedelta(days=42)]
    assert six_weeks == [datetime(2027, 1, 11, 9, 0, tzinfo=ZoneInfo("Europe/Moscow"))]
    petrov = [summary for summary, _ in _feed(monday_night["petrov"])]
    assert any(s.startswith("Алиса:") for s in petrov)  # his own daughter
    assert not any(s.startswith("Софья:") for s in petrov)  # the access ended on Sunday


def test_reports_count_an_application_in_the_local_month_it_was_sent(app, login_staff):
    """Sent at 00:30 on 1 November in St. Petersburg (31 October 21:30 UTC): November's."""
    from app.reports.rollup import refresh
    from app.workflow import rules

    sent = datetime(2026, 10, 31, 21, 30)  # stored as naive UTC
    with app.app_context():
        admin = db.session.execute(select(User.id).where(User.username == "admin")).scalar_one()
        school = db.session.execute(select(School.id).where(School.number == "321")).scalar_one()
        birth = date(2014, 5, 5)
        db.session.add(Application(
            code=rules.new_code(), parent_id=admin, school_id=school, child_last_name="Полуночный",
            child_first_name="Тест", child_middle_name="", child_birth_date=birth,
            child_key=rules.child_key("Полуночный", "Тест", "", birth), state="rejected", version=1,
            reason="Заявление подано в другую школу", created_at=sent, updated_at=sent,
            decided_at=sent + timedelta(days=1)))
        db.session.commit()
        refresh(full=True)
    supervisor = login_staff(app.test_client(), "supervisor", "super12345")
    november = "from=2026-11-01&to=2026-11-30"
    funnel = supervisor.get(f"/api/v1/reports/funnel?{november}").json
    assert [(r["total"], r["rejected"]) for r in funnel["rows"] if "321" in r["school"]] == [(1, 1)]
    october = supervisor.get("/api/v1/reports/funnel?from=2026-10-01&to=2026-10-31").json
    assert [r for r in october["rows"] if "321" in r["school"]] == []
    reasons = supervisor.get(f"/api/v1/reports/approval-time?{november}").json["extra"]["reasons"]
    assert reasons == [{"reason": "Заявление подано в другую школу", "count": 1}]


def test_a_mail_sent_on_monday_night_is_dated_in_st_petersburgs_time(sqlite_app):
    from app.models import OutboxMessage
    from app.notify.mail import build_email

    with sqlite_app.app_context(), time_machine.travel(SUNDAY_NIGHT_UTC, tick=False):
        mail = build_email(OutboxMessage(channel="email", recipient="ivanova@example.ru", subject="Новая оценка",
                                         body_text="Математика: 2", idempotency_key="grade:1"))
    assert mail["Date"] == "Mon, 30 Nov 2026 01:30:00 +0300"


# --------------------------------------------------------------------------- a far-away process zone
FAR_AWAY_SCRIPT = r'''
import json, os, re, sys
from datetime import date, datetime, timezone

import time_machine

sys.path.insert(0, os.environ["ROOT"])
# Monday 30 November 2026, 13:00 in St. Petersburg; Sunday 22:00 by this process's own clock (a
# timestamp: time-machine leaves the process zone alone, as it does not for a UTC datetime)
with time_machine.travel(datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc).timestamp(), tick=False):
    from flask_migrate import upgrade
    from sqlalchemy import select

    from app import clock, create_app
    from app.access import grant_is_active
    from app.auth.sessions import store_login
    from app.cli import setup_roles
    from app.demo import load_demo
    from app.diary import journal, queries
    from app.diary.demo import load_diary_demo
    from app.extensions import db
    from app.models import AccessGrant, Identity, SchoolEvent, Student, TeachingAssignment, User

    app = create_app(overrides={
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"],
        "SECRET_KEY": os.urandom(32).hex(), "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 9, "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    client = app.test_client()
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        setup_roles()
        load_demo()
        load_diary_demo()
        sofia = db.session.execute(select(Student).where(Student.first_name == "Софья")).scalar_one()
        petrov = db.session.execute(select(Identity.user_id).where(Identity.subject == "parent-petrov")).scalar_one()
        db.session.add_all([
            SchoolEvent(school_id=sofia.school_id, title="Лекция", starts_at=datetime(2026, 11, 30, 12, 0)),
            AccessGrant(user_id=petrov, student_id=sofia.id, relation="viewer", valid_until=date(2026, 11, 29)),
        ])
        db.session.commit()
        assignment = db.session.execute(select(TeachingAssignment)).scalars().first()
        answer = {
            "process_today": date.today().isoformat(),
            "service_today": clock.today().isoformat(),
            "week_start": queries.week(sofia, clock.today())["week_start"].isoformat(),
            "journal_to": journal.grid(assignment).date_to.isoformat(),
            "past_events": [e.title for e in queries.events(sofia)["past"]],
            "petrov_active": db.session.execute(select(AccessGrant.id).where(
                AccessGrant.user_id == petrov, AccessGrant.student_id == sofia.id, grant_is_active())).all() != [],
        }
        sofia_id = sofia.id
    with app.test_request_context():
        ivanova = db.session.execute(select(User).join(Identity, Identity.user_id == User.id).where(
            Identity.subject == "parent-ivanova")).scalar_one()
        client.set_cookie(app.config["SESSION_COOKIE_NAME"], store_login(ivanova))
    page = client.get(f"/my/students/{sofia_id}/diary").get_data(as_text=True)
    marked = [" ".join(h.split()) for h in re.findall(r'(?s)<section class="day today">\s*<h2>(.*?)</h2>', page)]
    answer["page_today"] = marked
    answer["api_week_start"] = client.get(f"/api/v1/students/{sofia_id}/diary").json["week_start"]
    print(json.dumps(answer, ensure_ascii=False))
'''


def test_a_process_twelve_hours_behind_utc_still_lives_in_st_petersburgs_day(tmp_path):
    script = tmp_path / "far_away.py"
    script.write_text(FAR_AWAY_SCRIPT, encoding="utf-8")
    env = {**os.environ, "TZ": "Etc/GMT+12", "ROOT": str(ROOT), "DATABASE_URL": "sqlite://"}  # in memory
    env.pop("TIMEZONE", None)
    run = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    answer = json.loads(run.stdout.strip().splitlines()[-1])
    assert answer.pop("process_today") == "2026-11-29"  # the process's own clock says Sunday
    assert "Лекция" in answer.pop("past_events")  # 12:00 on Monday is past at 13:00 in St. Petersburg
    assert answer == {
        "service_today": "2026-11-30",
        "week_start": "2026-11-30",
        "journal_to": "2026-12-07",  # a week past today
        "petrov_active": False,  # his access ended on Sunday
        "page_today": ["Понедельник, 30.11 · сегодня"],
        "api_week_start": "2026-11-30",
    }


# --------------------------------------------------------------------------- FAB's own stamps
@pytest.fixture
def far_west_process():
    """This process's own zone twelve hours behind UTC (FAB stamps accounts with datetime.now())."""
    import time as process_clock

    saved = os.environ.get("TZ")
    os.environ["TZ"] = "Etc/GMT+12"
    process_clock.tzset()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        process_clock.tzset()


def test_account_times_are_utc_whatever_the_process_zone(app, login_staff, far_west_process):
    """A login and a new account are stored in UTC like every other moment (and shown in
    St. Petersburg's time), not in the process's own zone: FAB's datetime.now() stamps of
    last_login / created_on were twelve hours off here."""
    utc_now = datetime.now(ZoneInfo("UTC")).replace(tzinfo=None)
    login_staff(app.test_client(), "clerk239", "clerk12345")
    with app.app_context():
        clerk = db.session.execute(select(User).where(User.username == "clerk239")).scalar_one()
        assert abs(clerk.last_login - utc_now) < timedelta(minutes=10), clerk.last_login
        role = app.appbuilder.sm.find_role("Clerk")
        added = app.appbuilder.sm.add_user("stamp-check", "Анна", "Тестова", "stamp-check@example.ru", role,
                                       password="Ключ-к-журналу-2026")
        assert abs(added.created_on - utc_now) < timedelta(minutes=10), added.created_on
        assert abs(added.changed_on - utc_now) < timedelta(minutes=10), added.changed_on
        clerk_id, role_id = clerk.id, role.id
    admin = login_staff(app.test_client(), "admin", "admin12345")
    edited = admin.post(f"/users/edit/{clerk_id}", data={
        "first_name": "Ольга", "last_name": "Смирнова", "username": "clerk239", "active": "y",
        "email": "clerk239@example.ru", "roles": str(role_id)})
    assert edited.status_code == 302, edited.get_data(as_text=True)[:300]
    with app.app_context():
        clerk = db.session.get(User, clerk_id)
        assert clerk.first_name == "Ольга"
        assert abs(clerk.changed_on - utc_now) < timedelta(minutes=10), clerk.changed_on
