"""What families read: «Дневник» (the week), «Оценки», «Итоговые оценки», «Посещаемость»,
«Динамика», «Статистика и рейтинг», «События», «Родительские собрания».

Every page asks app.diary.family.open_section first (access, scope, access log)."""
from datetime import timedelta

from flask import render_template, request, url_for
from flask_babel import lazy_gettext as _l

from .. import clock, formats, inputs
from ..access import current_actor, grant_allows
from ..diary import conditional, family, finals, queries, school_year
from ..models import WEEKDAYS, AttendanceMark, GradeKind
from . import bp
from .guards import citizen_required

MAX_PERIOD_DAYS = 3 * 366  # «Динамика» draws a point per week: a period is at most three years

# (section, endpoint, tab title), in the order of the tabs
TABS = [
    ("profile", "portal.diary_today", _l("Today")),
    ("schedule", "portal.diary_week", _l("Diary")),
    ("grades", "portal.diary_grades", _l("Grades")),
    ("grades", "portal.diary_results", _l("Final grades")),
    ("attendance", "portal.diary_attendance", _l("Attendance")),
    ("grades", "portal.diary_dynamics", _l("Progress")),
    ("grades", "portal.diary_stats", _l("Statistics and rating")),
    ("events", "portal.diary_events", _l("Events")),
    ("events", "portal.diary_meetings", _l("Parent meetings")),
    ("messages", "portal.student_messages", _l("Messages")),
]


def open_section(student_id, section, what):
    """The pupil and the grant, or 404 (no access) / 403 (outside the viewer's scope):
    family.NoAccess, answered by the one error handler."""
    return family.open_section(current_actor(), student_id, section, what, request.path)


def _tabs(student_id, grant):
    return [(url_for(endpoint, student_id=student_id), title, endpoint == request.endpoint)
            for section, endpoint, title in TABS if grant_allows(grant, section)]


def _render(template, student, grant, **context):
    """A section page (portal/_diary_page.html): titled as its tab, the tabs the grant opens."""
    title = next(title for _section, endpoint, title in TABS if endpoint == request.endpoint)
    return render_template(template, student=student, tabs=_tabs(student.id, grant), section_title=title,
                           kinds=GradeKind.labels(), marks=AttendanceMark.labels(),
                           weekday=lambda day: str(WEEKDAYS[day.weekday()]).capitalize(), **context)


def _date(name, default):
    """?week= / ?from= / ?to=: absent or not a date → default; a date beyond the calendar the
    pages can count in → 400 with a Russian message (app.inputs)."""
    return inputs.query_date(request.args.get(name), name, default)


def _term(student):
    """The default range of grade pages: from the start of the pupil's school year (the school's
    AcademicYear, app.diary.school_year) to today."""
    start, today = school_year.since_start(student.school_id)
    return inputs.date_range(_date("from", start), _date("to", today), max_days=MAX_PERIOD_DAYS)


@bp.route("/my/students/<int:student_id>/diary")
@citizen_required
def diary_week(student_id):
    student, grant = open_section(student_id, "schedule", "diary")

    def page():
        day = _date("week", clock.today())
        week = queries.week(student, day)
        return _render("portal/diary_week.html", student, grant, week=week, today=clock.today(),
                       previous=week["week_start"] - timedelta(days=7), next=week["week_start"] + timedelta(days=7),
                       show_grades=grant_allows(grant, "grades"), show_attendance=grant_allows(grant, "attendance"),
                       show_homework=grant_allows(grant, "homework"))

    return conditional.respond(student, grant, page)


def _term_page(student_id, section, what, template, figures):
    """A page over `from`..`to` (_term) showing figures(pupil, from, to) (a dict for the template);
    a 304 when the browser holds it (app.diary.conditional)."""
    student, grant = open_section(student_id, section, what)

    def page():
        date_from, date_to = _term(student)
        return _render(template, student, grant, date_from=date_from, date_to=date_to,
                       **figures(student, date_from, date_to))

    return conditional.respond(student, grant, page)


@bp.route("/my/students/<int:student_id>/grades")
@citizen_required
def diary_grades(student_id):
    def figures(student, date_from, date_to):
        subjects = queries.grades_by_subject(student, date_from, date_to)
        return {"subjects": subjects, "grid": queries.grades_grid(subjects)}

    return _term_page(student_id, "grades", "grades", "portal/diary_grades.html", figures)


@bp.route("/my/students/<int:student_id>/results")
@citizen_required
def diary_results(student_id):
    student, grant = open_section(student_id, "grades", "results")
    return conditional.respond(student, grant, lambda: _render(
        "portal/diary_results.html", student, grant, table=finals.family_table(student)))


@bp.route("/my/students/<int:student_id>/attendance")
@citizen_required
def diary_attendance(student_id):
    return _term_page(student_id, "attendance", "attendance", "portal/diary_attendance.html",
                      lambda student, date_from, date_to: {"data": queries.attendance(student, date_from, date_to)})


@bp.route("/my/students/<int:student_id>/dynamics")
@citizen_required
def diary_dynamics(student_id):
    def chart(student, date_from, date_to):
        data = queries.dynamics(student, date_from, date_to)
        return {"chart": {"labels": [formats.day(w) for w in data["weeks"]], "series": [
            {"label": subject, "data": values} for subject, values in data["series"].items()]}}

    return _term_page(student_id, "grades", "dynamics", "portal/diary_dynamics.html", chart)


@bp.route("/my/students/<int:student_id>/stats")
@citizen_required
def diary_stats(student_id):
    return _term_page(student_id, "grades", "stats", "portal/diary_stats.html",
                      lambda student, date_from, date_to: {"stats": queries.stats(student, date_from, date_to)})


@bp.route("/my/students/<int:student_id>/events")
@citizen_required
def diary_events(student_id):
    student, grant = open_section(student_id, "events", "events")
    return _events_page(student, grant, queries.events, meetings=False)


@bp.route("/my/students/<int:student_id>/meetings")
@citizen_required
def diary_meetings(student_id):
    student, grant = open_section(student_id, "events", "meetings")
    return _events_page(student, grant, queries.meetings, meetings=True)


def _events_page(student, grant, listed, meetings):
    """Events or meetings, upcoming and past as of this minute of the service's clock: with an
    ETag (an edit of one bumps the class revisions, app.diary.revisions) that also changes with
    the minute, so one that has begun moves to the past within a minute."""
    now = clock.local_now().replace(second=0, microsecond=0)
    return conditional.respond(student, grant, lambda: _render(
        "portal/diary_events.html", student, grant, items=listed(student, now=now), meetings=meetings),
        extra=(now,))
