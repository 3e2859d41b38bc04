"""The reports as SQL. Each function takes the scope (a district id, or None for the whole city)
and returns {"columns": [(key, title)], "rows": [dict], "chart": {...} or None}."""
from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, and_, case, cast, func, literal, or_, select

from ..extensions import db
from ..models import (
    AccessGrant,
    Application,
    ApplicationState as S,
    Attendance,
    District,
    Grade,
    GradeKind,
    Identity,
    Invitation,
    Lesson,
    Relation,
    School,
    Student,
    Subject,
)


def _schools(district_id):
    query = select(School.id).join(District)
    if district_id is not None:
        query = query.where(School.district_id == district_id)
    return query


def _period(column, date_from, date_to):
    return and_(column >= datetime.combine(date_from, time.min), column < datetime.combine(date_to, time.min) + timedelta(days=1))


def funnel(district_id, date_from, date_to):
    """Applications by state per school, submitted within the period."""
    counts = [func.sum(case((Application.state == state, 1), else_=0)).label(state) for state in S.ALL]
    rows = db.session.execute(
        select(District.name.label("district"), School.number.label("school"), func.count(Application.id).label("total"), *counts)
        .select_from(Application).join(School, School.id == Application.school_id).join(District)
        .where(Application.school_id.in_(_schools(district_id)), _period(Application.created_at, date_from, date_to))
        .group_by(District.name, School.number).order_by(District.name, School.number)
    ).mappings().all()
    columns = [("district", _l("District")), ("school", _l("School")), ("total", _l("Total"))] + [
        (state, S.LABELS[state]) for state in S.ALL]
    return {"columns": columns, "rows": [dict(r) for r in rows],
            "chart": {"labels": [str(S.LABELS[s]) for s in S.ALL],
                      "values": [sum(r[s] or 0 for r in rows) for s in S.ALL]}}


def backlog(district_id, days, now=None):
    """Waiting for the passport check or approval longer than `days`, per school, oldest first."""
    cutoff = (now or datetime.utcnow()) - timedelta(days=days)
    rows = db.session.execute(
        select(District.name.label("district"), School.number.label("school"),
               func.count(Application.id).label("waiting"), func.min(Application.created_at).label("oldest"))
        .select_from(Application).join(School, School.id == Application.school_id).join(District)
        .where(Application.school_id.in_(_schools(district_id)),
               Application.state.in_((S.SUBMITTED, S.PASSPORT_VERIFIED)), Application.created_at < cutoff)
        .group_by(District.name, School.number).order_by(func.min(Application.created_at))
    ).mappings().all()
    return {"columns": [("district", _l("District")), ("school", _l("School")), ("waiting", _l("Waiting")),
                        ("oldest", _l("Oldest since"))],
            "rows": [dict(r) for r in rows], "chart": None}


def _seconds(later, earlier):
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400


def time_to_approval(district_id, date_from, date_to):
    """Median and 90th percentile of submission → approval per school (window functions, so the
    same SQL runs on PostgreSQL and SQLite), and the rejection reasons."""
    seconds = _seconds(Application.decided_at, Application.created_at).label("seconds")
    approved = (
        select(Application.school_id, seconds,
               func.row_number().over(partition_by=Application.school_id, order_by=seconds).label("n"),
               func.count().over(partition_by=Application.school_id).label("total"))
        .where(Application.school_id.in_(_schools(district_id)), Application.state.in_((S.APPROVED, S.NOTIFIED)),
               Application.decided_at.isnot(None), _period(Application.created_at, date_from, date_to))
        .subquery()
    )

    def percentile(p):
        # the smallest value with at least p of the values at or below it
        rank = cast(func.ceil(approved.c.total * p), Integer) if db.engine.dialect.name == "postgresql" else \
            cast(approved.c.total * p + 0.999999, Integer)
        return func.max(case((approved.c.n == rank, approved.c.seconds), else_=None))

    rows = db.session.execute(
        select(District.name.label("district"), School.number.label("school"), func.max(approved.c.total).label("approved"),
               (percentile(0.5) / 86400).label("median_days"), (percentile(0.9) / 86400).label("p90_days"))
        .select_from(approved).join(School, School.id == approved.c.school_id).join(District)
        .group_by(District.name, School.number).order_by(District.name, School.number)
    ).mappings().all()
    reasons = db.session.execute(
        select(Application.reason, func.count().label("count"))
        .where(Application.school_id.in_(_schools(district_id)), Application.state == S.REJECTED,
               _period(Application.created_at, date_from, date_to))
        .group_by(Application.reason).order_by(func.count().desc()).limit(20)
    ).all()
    return {"columns": [("district", _l("District")), ("school", _l("School")), ("approved", _l("Approved")),
                        ("median_days", _l("Median, days")), ("p90_days", _l("90th percentile, days"))],
            "rows": [{**r, "median_days": round(r["median_days"] or 0, 1), "p90_days": round(r["p90_days"] or 0, 1)}
                     for r in rows],
            "extra": {"reasons": [{"reason": reason, "count": count} for reason, count in reasons]},
            "chart": None}


def coverage(district_id):
    """Share of pupils with at least one connected official representative, per school and class."""
    connected = (select(AccessGrant.student_id).where(AccessGrant.relation == Relation.REPRESENTATIVE,
                                                      AccessGrant.revoked_at.is_(None)).distinct().subquery())
    rows = db.session.execute(
        select(District.name.label("district"), School.number.label("school"), Student.class_name.label("class_name"),
               func.count(Student.id).label("pupils"), func.count(connected.c.student_id).label("connected"))
        .select_from(Student).join(School, School.id == Student.school_id).join(District)
        .outerjoin(connected, connected.c.student_id == Student.id)
        .where(Student.school_id.in_(_schools(district_id)))
        .group_by(District.name, School.number, Student.class_name)
        .order_by(District.name, School.number, Student.class_name)
    ).mappings().all()
    result = [{**r, "share": round(100 * r["connected"] / r["pupils"], 1) if r["pupils"] else 0} for r in rows]
    never = db.session.execute(
        select(func.count(func.distinct(AccessGrant.user_id)))
        .join(Identity, Identity.user_id == AccessGrant.user_id)
        .join(Student, Student.id == AccessGrant.student_id)
        .where(Student.school_id.in_(_schools(district_id)), AccessGrant.revoked_at.is_(None),
               or_(Identity.last_login_at.is_(None), Identity.last_login_at < AccessGrant.granted_at))
    ).scalar() or 0
    invitations = db.session.execute(
        select(func.count(Invitation.id), func.sum(case((Invitation.state == "accepted", 1), else_=0)))
        .join(Student, Student.id == Invitation.student_id).where(Student.school_id.in_(_schools(district_id)))
    ).one()
    return {"columns": [("district", _l("District")), ("school", _l("School")), ("class_name", _l("Class")),
                        ("pupils", _l("Pupils")), ("connected", _l("With a connected representative")),
                        ("share", _l("Share, %"))],
            "rows": result,
            "extra": {"never_logged_in": never, "invitations_sent": invitations[0] or 0,
                      "invitations_accepted": invitations[1] or 0},
            "chart": None}


def unconnected_pupils(district_id, limit=500):
    """Pupils with no connected official representative: a list the school can act on."""
    connected = select(AccessGrant.student_id).where(AccessGrant.relation == Relation.REPRESENTATIVE,
                                                     AccessGrant.revoked_at.is_(None))
    rows = db.session.execute(
        select(School.number.label("school"), Student.class_name.label("class_name"),
               (Student.last_name + literal(" ") + Student.first_name).label("pupil"))
        .join(School, School.id == Student.school_id)
        .where(Student.school_id.in_(_schools(district_id)), Student.id.not_in(connected))
        .order_by(School.number, Student.class_name, Student.last_name).limit(limit)
    ).mappings().all()
    return [dict(r) for r in rows]


def academic(district_id, date_from, date_to):
    """Average grade per subject per school and class, the attendance rate, and the district's
    average per subject for comparison."""
    numeric = Grade.value.in_(("1", "2", "3", "4", "5"))
    value = cast(Grade.value, Integer)
    base = (select(District.id.label("district_id"), District.name.label("district"), School.number.label("school"),
                   Student.class_name.label("class_name"), Subject.name.label("subject"),
                   func.round(func.avg(value), 2).label("average"), func.count(Grade.id).label("grades"))
            .select_from(Grade).join(Student, Student.id == Grade.student_id).join(School, School.id == Student.school_id)
            .join(District).join(Subject, Subject.id == Grade.subject_id)
            .where(Student.school_id.in_(_schools(district_id)), numeric,
                   Grade.kind.in_((GradeKind.CURRENT, GradeKind.TEST)), Grade.date >= date_from, Grade.date <= date_to)
            .group_by(District.id, District.name, School.number, Student.class_name, Subject.name))
    rows = db.session.execute(base.order_by(District.name, School.number, Student.class_name, Subject.name)).mappings().all()
    district_avg = dict(((d, s), a) for d, s, a in db.session.execute(
        select(Student.school_id.in_(_schools(district_id)).label("x"), Subject.name, func.round(func.avg(value), 2))
        .select_from(Grade).join(Student, Student.id == Grade.student_id).join(Subject, Subject.id == Grade.subject_id)
        .where(numeric, Grade.kind.in_((GradeKind.CURRENT, GradeKind.TEST)), Grade.date >= date_from,
               Grade.date <= date_to, Student.school_id.in_(_schools(district_id)))
        .group_by(Student.school_id.in_(_schools(district_id)), Subject.name)).all())
    marks = db.session.execute(
        select(School.number, func.count(Attendance.id))
        .select_from(Attendance).join(Lesson, Lesson.id == Attendance.lesson_id)
        .join(Student, Student.id == Attendance.student_id).join(School, School.id == Student.school_id)
        .where(Student.school_id.in_(_schools(district_id)), Attendance.mark.in_(("Н", "Б", "УП")),
               Lesson.date >= date_from, Lesson.date <= date_to)
        .group_by(School.number)).all()
    result = [{**r, "scope_average": float(district_avg.get((True, r["subject"])) or 0)} for r in rows]
    for r in result:
        r["average"] = float(r["average"]) if r["average"] is not None else None
        r.pop("district_id", None)
    return {"columns": [("district", _l("District")), ("school", _l("School")), ("class_name", _l("Class")),
                        ("subject", _l("Subject")), ("average", _l("Average grade")), ("grades", _l("Grades")),
                        ("scope_average", _l("Average of the whole report"))],
            "rows": result, "extra": {"absences_by_school": {n: c for n, c in marks}}, "chart": None}


REPORTS = {
    "funnel": _l("Applications by state"),
    "backlog": _l("Backlog"),
    "approval-time": _l("Time to approval"),
    "coverage": _l("Coverage"),
    "academic": _l("Academic statistics"),
}
