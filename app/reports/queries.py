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
    ClassMonthStat,
    SchoolMonthStat,
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
            "rows": [dict(r) for r in rows],
            "chart": _top_chart(_l("Schools with the longest queue"), rows, "waiting")}


def _top_chart(title, rows, figure, size=15):
    """A bar chart of the schools with the largest figure (the rows are already aggregated)."""
    top = sorted((r for r in rows if r[figure]), key=lambda r: r[figure], reverse=True)[:size]
    if not top:
        return None
    return {"title": str(title), "labels": [f"{r['school']} ({r['district']})" for r in top],
            "values": [round(float(r[figure]), 1) for r in top]}


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
            "chart": _top_chart(_l("Schools with the longest median, days"), rows, "median_days")}


def _pupil_level(district_id, school_id):
    """What one row of a pupils' report is: a class of the school, a school of the district, or
    a district of the city -> (unit, unit id for the drill-down or None, title, condition)."""
    if school_id is not None:
        return Student.class_name, None, _l("Class"), Student.school_id == school_id
    if district_id is not None:
        return School.number, School.id, _l("School"), School.district_id == district_id
    return District.name, District.id, _l("District"), Student.id.isnot(None)


def _drill(link, unit_id):
    if link is School.id:
        return {"school": unit_id}
    if link is District.id:
        return {"district": unit_id}
    return None


def coverage(district_id, school_id=None):
    """Share of pupils with at least one connected official representative — by district for the
    city, by school for a district, by class for a school; parents who never logged in after
    approval; invitations sent and accepted."""
    unit, link, unit_title, scope = _pupil_level(district_id, school_id)
    connected = (select(AccessGrant.student_id).where(AccessGrant.relation == Relation.REPRESENTATIVE,
                                                      AccessGrant.revoked_at.is_(None)).distinct().subquery())
    units = [unit.label("unit")] + ([link.label("unit_id")] if link is not None else [])
    rows = db.session.execute(
        select(*units, func.count(Student.id).label("pupils"), func.count(connected.c.student_id).label("connected"))
        .select_from(Student).join(School, School.id == Student.school_id).join(District)
        .outerjoin(connected, connected.c.student_id == Student.id)
        .where(scope).group_by(*units).order_by(unit)
    ).mappings().all()
    result = [{"unit": r["unit"], "pupils": r["pupils"], "connected": r["connected"],
               "share": round(100 * r["connected"] / r["pupils"], 1) if r["pupils"] else 0,
               "_drill": _drill(link, r.get("unit_id"))} for r in rows]
    never = db.session.execute(
        select(func.count(func.distinct(AccessGrant.user_id)))
        .join(Identity, Identity.user_id == AccessGrant.user_id)
        .join(Student, Student.id == AccessGrant.student_id).join(School, School.id == Student.school_id)
        .where(scope, AccessGrant.revoked_at.is_(None),
               or_(Identity.last_login_at.is_(None), Identity.last_login_at < AccessGrant.granted_at))
    ).scalar() or 0
    invitations = db.session.execute(
        select(func.count(Invitation.id), func.sum(case((Invitation.state == "accepted", 1), else_=0)))
        .join(Student, Student.id == Invitation.student_id).join(School, School.id == Student.school_id)
        .where(scope)
    ).one()
    return {"columns": [("unit", unit_title), ("pupils", _l("Pupils")),
                        ("connected", _l("With a connected representative")), ("share", _l("Share, %"))],
            "rows": result,
            "extra": {"never_logged_in": never, "invitations_sent": invitations[0] or 0,
                      "invitations_accepted": invitations[1] or 0},
            "chart": {"title": str(_l("Share of pupils with a connected representative, %")),
                      "labels": [str(r["unit"]) for r in result], "values": [r["share"] for r in result]}
            if result else None}


def unconnected_pupils(district_id, school_id=None, limit=500):
    """Pupils with no connected official representative: a list the school can act on."""
    _unit, _link, _title, scope = _pupil_level(district_id, school_id)
    connected = select(AccessGrant.student_id).where(AccessGrant.relation == Relation.REPRESENTATIVE,
                                                     AccessGrant.revoked_at.is_(None))
    rows = db.session.execute(
        select(School.number.label("school"), Student.class_name.label("class_name"),
               (Student.last_name + literal(" ") + Student.first_name).label("pupil"))
        .select_from(Student).join(School, School.id == Student.school_id)
        .where(scope, Student.id.not_in(connected))
        .order_by(School.number, Student.class_name, Student.last_name).limit(limit)
    ).mappings().all()
    return [dict(r) for r in rows]


def academic(district_id, date_from, date_to, school_id=None):
    """Average grade per subject and attendance rate, from the pre-aggregated month figures
    (app.reports.rollup), at the level the reader looks at: the city by district, a district by
    school, a school by class; each row next to the average of the subject one level up (the
    city's, the district's, the school's district's). Months overlapping the period count."""
    from .rollup import first_of_month

    since, until = first_of_month(date_from), date_to
    if school_id is not None:
        table, key, key_title, link = ClassMonthStat, ClassMonthStat.class_name, _l("Class"), None
        rows_scope = ClassMonthStat.school_id == school_id
        compare_scope = SchoolMonthStat.school_id.in_(
            select(School.id).where(School.district_id == select(School.district_id).where(School.id == school_id)
                                    .scalar_subquery()))
        compare_title = _l("Average of the district")
    elif district_id is not None:
        table, key, key_title, link = SchoolMonthStat, School.number, _l("School"), School.id
        rows_scope = SchoolMonthStat.school_id.in_(_schools(district_id))
        compare_scope, compare_title = rows_scope, _l("Average of the district")
    else:
        table, key, key_title, link = SchoolMonthStat, District.name, _l("District"), District.id
        rows_scope = SchoolMonthStat.id.isnot(None)
        compare_scope, compare_title = rows_scope, _l("Average of the city")
    in_period = and_(table.month >= since, table.month <= until)
    units = [key.label("unit")] + ([link.label("unit_id")] if link is not None else [])
    query = (select(*units, table.subject.label("subject"), func.sum(table.grades_sum).label("grades_sum"),
                    func.sum(table.grades_count).label("grades"), func.sum(table.pupil_lessons).label("pupil_lessons"),
                    func.sum(table.absences).label("absences"))
             .select_from(table).where(rows_scope, in_period).group_by(*units, table.subject)
             .order_by(key, table.subject))
    if table is SchoolMonthStat:
        query = query.join(School, School.id == SchoolMonthStat.school_id)
        if key is District.name:
            query = query.join(District, District.id == School.district_id)
    rows = db.session.execute(query).mappings().all()

    def by_subject(stat, scope):
        return dict(db.session.execute(
            select(stat.subject, func.sum(stat.grades_sum) * 1.0 / func.nullif(func.sum(stat.grades_count), 0))
            .where(scope, stat.month >= since, stat.month <= until)
            .group_by(stat.subject).order_by(stat.subject)).all())

    compare = by_subject(SchoolMonthStat, compare_scope)
    own = compare if table is SchoolMonthStat else by_subject(table, rows_scope)

    def share(part, whole):
        return round(100 * (1 - part / whole), 1) if whole else None

    result = [{
        "unit": r["unit"], "subject": r["subject"], "_drill": _drill(link, r.get("unit_id")),
        "average": round(r["grades_sum"] / r["grades"], 2) if r["grades"] else None,
        "grades": r["grades"], "attendance": share(r["absences"], r["pupil_lessons"]),
        "compare": round(float(compare[r["subject"]]), 2) if compare.get(r["subject"]) is not None else None,
    } for r in rows]
    return {"columns": [("unit", key_title), ("subject", _l("School subject")), ("average", _l("Average grade")),
                        ("grades", _l("Grades")), ("attendance", _l("Attendance, %")), ("compare", compare_title)],
            "rows": result,
            "chart": {"title": str(_l("Average grade by subject")), "labels": list(own),
                      "values": [round(float(v), 2) if v is not None else None for v in own.values()]}}


REPORTS = {
    "funnel": _l("Applications by state"),
    "backlog": _l("Backlog"),
    "approval-time": _l("Time to approval"),
    "coverage": _l("Coverage"),
    "academic": _l("Academic statistics"),
}
