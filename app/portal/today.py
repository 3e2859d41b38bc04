"""«Сегодня», where a family lands after the login: one child — straight to that child's day;
several — a card per child; nobody's diary open yet — «Мои заявления», as before."""
from datetime import datetime
from functools import cache

from flask import redirect, render_template, session, url_for
from sqlalchemy import bindparam, func, null, select

from .. import clock
from ..access import SECTIONS, Actor, current_actor, grants_with_pupils, grant_allows, own_applications
from ..diary import conditional, today as days
from ..extensions import db
from ..models import Application, ApplicationState
from . import bp
from .account import show_welcome_once
from .diary import _render, open_section
from .guards import citizen_required
from .profile import pending_invitation_redirect

SINCE = "today_since"  # session: {pupil id: the previous visit}, so a reload keeps what was new


def _this_hour():
    """The service's current hour: the ETag of «Сегодня» changes with it (events ahead)."""
    now = clock.local_now()
    return now.date().isoformat(), now.hour


def _sections(grant):
    return {section for section in SECTIONS if grant_allows(grant, section)}


OPEN_APPLICATIONS_SHOWN = 5  # on «Сегодня»; the rest on «Мои заявления»


def _waiting(actor):
    return own_applications(actor), Application.state.in_(ApplicationState.ACTIVE)


def _open_applications():
    """The newest applications still in progress (a few) and how many there are in all: one
    query, the total counted alongside (a window count over all of them, before the LIMIT)."""
    rows = db.session.execute(
        select(Application, func.count().over().label("total")).where(*_waiting(current_actor()))
        .order_by(Application.created_at.desc(), Application.id.desc()).limit(OPEN_APPLICATIONS_SHOWN)
    ).all()
    return [application for application, _total in rows], (rows[0].total if rows else 0)


@cache
def _stamp_statement(messages):
    """The figures «Сегодня»'s ETag holds besides the diary, by bound parameters (user_id,
    student_id), built once per process: the last visit; the unread conversations (`messages`:
    the grant opens them, else NULL); and columns that change whenever the open applications
    shown change — how many, the last change, the sum of their versions (every transition bumps
    one, app.workflow)."""
    user_id, student_id = bindparam("user_id"), bindparam("student_id")
    waiting = _waiting(Actor(user_id=user_id, label=""))
    return select(
        days.visit_column(user_id, student_id),
        days.unread_column(user_id, student_id) if messages else null(),
        *(select(aggregate).where(*waiting).scalar_subquery() for aggregate in (
            func.count(), func.max(Application.updated_at), func.coalesce(func.sum(Application.version), 0))))


def _since(user_id, student_id, stored):
    """What counts as new: after the visit before this session's first one (stored per person and
    pupil); a reload in the same session shows the same news. Every visit is remembered
    (`stored`: the visit as the database holds it now)."""
    known = session.get(SINCE, {})
    previous = days.record_visit(user_id, student_id, stored)
    if str(student_id) not in known:
        known = dict(known, **{str(student_id): (previous or days.default_since()).isoformat()})
        session[SINCE] = known
    return datetime.fromisoformat(known[str(student_id)])


@bp.route("/my/today")
@citizen_required
def today():
    back = pending_invitation_redirect()  # came through an invitation link: back there
    if back is not None:
        return back
    user_id = current_actor().user_id
    rows = grants_with_pupils(user_id)
    if not rows:
        return redirect(url_for("portal.applications"))
    if len(rows) == 1:
        return redirect(url_for("portal.diary_today", student_id=rows[0][1].id))
    show_welcome_once()
    cards = [(student, grant, days.summary(student, user_id, _sections(grant))) for grant, student in rows]
    applications, applications_total = _open_applications()
    return render_template("portal/today.html", cards=cards, applications=applications,
                           applications_total=applications_total, date=clock.today())


@bp.route("/my/students/<int:student_id>/today")
@citizen_required
def diary_today(student_id):
    student, grant = open_section(student_id, "profile", "diary")  # the access log: «Дневник»
    welcome = show_welcome_once()
    user_id = current_actor().user_id
    sections = _sections(grant)
    # besides the diary (the class revisions), the ETag holds the visit, the open applications
    # and the unread messages: one query for all three, the page's own queries only for a 200
    visit, unread, *applications_stamp = db.session.execute(
        _stamp_statement("messages" in sections), {"user_id": user_id, "student_id": student_id}).one()
    since = _since(user_id, student_id, visit)
    # the events and meetings ahead count by the hour (an edit of one bumps the class revisions)
    extra = (since, welcome, tuple(applications_stamp), unread, _this_hour())

    def page():
        applications, applications_total = _open_applications()
        return _render(
            "portal/diary_today.html", student, grant, day=days.today(student, user_id, since, sections, unread),
            applications=applications, applications_total=applications_total,
            show_grades=grant_allows(grant, "grades"), show_attendance=grant_allows(grant, "attendance"),
            show_homework=grant_allows(grant, "homework"))

    return conditional.respond(student, grant, page, extra=extra)
