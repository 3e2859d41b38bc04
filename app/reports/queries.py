"""The reports as SQL. Each function takes the scope (a district id, or None for the whole city)
and returns {"columns": [(key, title)], "rows": [dict], "chart": {...} or None}. All but the
backlog and the lists of names read the pre-aggregated tables of app.reports.rollup."""
from datetime import timedelta

from flask_babel import lazy_gettext as _l, lazy_pgettext as _lp
from sqlalchemy import and_, case, func, select

from .. import clock
from ..access import grant_is_active
from ..extensions import db
from ..models import (
    AccessGrant,
    Application,
    ApplicationMonthStat,
    ApplicationState as S,
    ApprovalDaysStat,
    ClassMonthStat,
    CoverageStat,
    District,
    Relation,
    School,
    SchoolAccessStat,
    SchoolMonthStat,
    Student,
)
from ..names import FullName


def _schools(district_id):
    query = select(School.id).join(District)
    if district_id is not None:
        query = query.where(School.district_id == district_id)
    return query


def _period(column, date_from, date_to):
    """A stored moment (naive UTC) inside the local days date_from..date_to (St. Petersburg's)."""
    return and_(column >= clock.local_midnight_utc(date_from),
                column < clock.local_midnight_utc(date_to + timedelta(days=1)))


def funnel(district_id, date_from, date_to):
    """Applications by state per school, submitted in the months of the period (from the
    pre-aggregated application_month_stat)."""
    stat = ApplicationMonthStat
    counts = [func.sum(case((stat.state == state, stat.applications), else_=0)).label(state) for state in S.ALL]
    per_school = (select(stat.school_id, func.sum(stat.applications).label("total"), *counts)
                  .where(_in_scope(stat, district_id), *_months(stat, date_from, date_to))
                  .group_by(stat.school_id).subquery())
    rows = db.session.execute(
        _named(per_school, per_school.c.total, *(per_school.c[state] for state in S.ALL))
        .order_by(District.name, School.number)
    ).mappings().all()
    columns = [("district", _l("District")), ("school", _l("School")), ("total", _l("Total"))] + [
        (state, state.label) for state in S.ALL]
    totals = db.session.execute(
        select(stat.state, func.sum(stat.applications)).where(_in_scope(stat, district_id), *_months(stat, date_from, date_to))
        .group_by(stat.state)).all()
    by_state = dict(totals)
    return {"columns": columns, "rows": [dict(r) for r in rows],
            "chart": {"labels": [str(s.label) for s in S.ALL], "values": [by_state.get(s, 0) for s in S.ALL],
                      "counts": True}}


def _named(per_school, *figures):
    """Rows aggregated by school id (cheap: integers) get the district's name and the school's
    number only afterwards — grouping by those texts sorted tens of thousands of rows."""
    return (select(District.name.label("district"), School.number.label("school"), *figures)
            .select_from(per_school).join(School, School.id == per_school.c.school_id).join(District))


def _in_scope(stat, district_id):
    return stat.school_id.in_(_schools(district_id)) if district_id is not None else stat.id.isnot(None)


def _months(stat, date_from, date_to):
    """The months overlapping [date_from, date_to]."""
    return (stat.month >= date_from.replace(day=1), stat.month <= date_to)


def backlog(district_id, days, now=None):
    """Waiting for the passport check or approval longer than `days`, per school, oldest first."""
    cutoff = (now or clock.utcnow()) - timedelta(days=days)
    per_school = (
        select(Application.school_id, func.count().label("waiting"),
               func.min(Application.created_at).label("oldest"))
        .where(Application.state.in_((S.SUBMITTED, S.PASSPORT_VERIFIED)), Application.created_at < cutoff,
               *([Application.school_id.in_(_schools(district_id))] if district_id is not None else []))
        .group_by(Application.school_id).subquery())
    rows = db.session.execute(
        _named(per_school, per_school.c.waiting, per_school.c.oldest).order_by(per_school.c.oldest)
    ).mappings().all()
    return {"columns": [("district", _l("District")), ("school", _l("School")),
                        ("waiting", _lp("number of applications", "Waiting")), ("oldest", _l("Oldest since"))],
            "rows": [dict(r) for r in rows],
            "chart": _top_chart(_l("Schools with the longest queue"), rows, "waiting", counts=True)}


def _top_chart(title, rows, figure, size=15, counts=False):
    """A bar chart of the schools with the largest figure (the rows are already aggregated);
    `counts`: the figure counts something (whole-number ticks)."""
    top = sorted((r for r in rows if r[figure]), key=lambda r: r[figure], reverse=True)[:size]
    if not top:
        return None
    return {"title": str(title), "labels": [f"{r['school']} ({r['district']})" for r in top],
            "values": [round(float(r[figure]), 1) for r in top], "counts": counts}


def time_to_approval(district_id, date_from, date_to):
    """Median and 90th percentile of the whole days from submission to approval per school, over
    the applications submitted in the months of the period — from the histogram in
    approval_days_stat (a running sum per school; the percentile is the smallest number of days
    that at least that share of the approvals took); and the rejection reasons (live)."""
    stat = ApprovalDaysStat
    histogram = (select(stat.school_id, stat.days, func.sum(stat.applications).label("n"))
                 .where(_in_scope(stat, district_id), *_months(stat, date_from, date_to))
                 .group_by(stat.school_id, stat.days).subquery())
    running = select(
        histogram.c.school_id, histogram.c.days,
        func.sum(histogram.c.n).over(partition_by=histogram.c.school_id, order_by=histogram.c.days).label("cumulative"),
        func.sum(histogram.c.n).over(partition_by=histogram.c.school_id).label("total"),
    ).subquery()

    def percentile(p):
        return func.min(case((running.c.cumulative >= running.c.total * p, running.c.days), else_=None))

    per_school = (select(running.c.school_id, func.max(running.c.total).label("approved"),
                         percentile(0.5).label("median_days"), percentile(0.9).label("p90_days"))
                  .group_by(running.c.school_id).subquery())
    rows = db.session.execute(
        _named(per_school, per_school.c.approved, per_school.c.median_days, per_school.c.p90_days)
        .order_by(District.name, School.number)
    ).mappings().all()
    reasons = db.session.execute(
        select(Application.reason, func.count().label("count"))
        .where(Application.state == S.REJECTED, _period(Application.created_at, date_from, date_to),
               *([Application.school_id.in_(_schools(district_id))] if district_id is not None else []))
        .group_by(Application.reason).order_by(func.count().desc()).limit(20)
    ).all()
    rows = [{**r, "approved": int(r["approved"] or 0)} for r in rows]
    return {"columns": [("district", _l("District")), ("school", _l("School")), ("approved", _l("Approved")),
                        ("median_days", _l("Median, days")), ("p90_days", _l("90th percentile, days"))],
            "rows": rows,
            "extra": {"reasons": [{"reason": reason, "count": count} for reason, count in reasons]},
            "chart": _top_chart(_l("Schools with the longest median, days"), rows, "median_days")}


def _drill(link, unit_id):
    if link is School.id:
        return {"school": unit_id}
    if link is District.id:
        return {"district": unit_id}
    return None


def coverage(district_id, school_id=None):
    """Share of pupils with at least one connected official representative — by district for the
    city, by school for a district, by class for a school; parents who never logged in after
    approval; invitations sent and accepted (from coverage_stat and school_access_stat)."""
    if school_id is not None:
        unit, link, unit_title, scope = CoverageStat.class_name, None, _l("Class"), CoverageStat.school_id == school_id
    elif district_id is not None:
        unit, link, unit_title, scope = School.number, School.id, _l("School"), School.district_id == district_id
    else:
        unit, link, unit_title, scope = District.name, District.id, _l("District"), CoverageStat.id.isnot(None)
    units = [unit.label("unit")] + ([link.label("unit_id")] if link is not None else [])
    rows = db.session.execute(
        select(*units, func.sum(CoverageStat.pupils).label("pupils"), func.sum(CoverageStat.connected).label("connected"))
        .select_from(CoverageStat).join(School, School.id == CoverageStat.school_id).join(District)
        .where(scope).group_by(*units).order_by(unit)
    ).mappings().all()
    result = [{"unit": r["unit"], "pupils": int(r["pupils"]), "connected": int(r["connected"]),
               "share": round(100 * r["connected"] / r["pupils"], 1) if r["pupils"] else 0,
               "_drill": _drill(link, r.get("unit_id"))} for r in rows]
    access_scope = (SchoolAccessStat.school_id == school_id if school_id is not None else
                    SchoolAccessStat.school_id.in_(_schools(district_id)) if district_id is not None else
                    SchoolAccessStat.id.isnot(None))
    never, sent, accepted = db.session.execute(
        select(func.sum(SchoolAccessStat.never_logged_in), func.sum(SchoolAccessStat.invitations_sent),
               func.sum(SchoolAccessStat.invitations_accepted)).where(access_scope)).one()
    return {"columns": [("unit", unit_title), ("pupils", _l("Pupils")),
                        ("connected", _l("With a connected representative")), ("share", _l("Share, %"))],
            "rows": result,
            "extra": {"never_logged_in": int(never or 0), "invitations_sent": int(sent or 0),
                      "invitations_accepted": int(accepted or 0)},
            "chart": {"title": str(_l("Share of pupils with a connected representative, %")),
                      "labels": [str(r["unit"]) for r in result], "values": [r["share"] for r in result]}
            if result else None}


def unconnected_pupils(district_id, school_id=None, limit=500):
    """Pupils with no connected official representative, live: a list the school can act on (a
    school's, or a district's first `limit`; the whole city has no such list)."""
    if school_id is None and district_id is None:
        return None
    connected = select(AccessGrant.id).where(AccessGrant.student_id == Student.id,
                                             AccessGrant.relation == Relation.REPRESENTATIVE,
                                             grant_is_active()).exists()
    scope = Student.school_id == school_id if school_id is not None else School.district_id == district_id
    rows = db.session.execute(
        select(School.number.label("school"), Student.class_name.label("class_name"), Student.last_name,
               Student.first_name, Student.middle_name)
        .select_from(Student).join(School, School.id == Student.school_id)
        .where(scope, ~connected)
        .order_by(School.number, Student.class_name, Student.last_name, Student.first_name).limit(limit)
    ).all()
    return [{"school": r.school, "class_name": r.class_name,  # the pupil's ФИО in document order
             "pupil": FullName(r.last_name, r.first_name, r.middle_name).document} for r in rows]


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
    return {"columns": [("unit", key_title), ("subject", _lp("school subject", "Subject")),
                        ("average", _l("Average grade")), ("grades", _lp("number of grades", "Grades")),
                        ("attendance", _l("Attendance, %")), ("compare", compare_title)],
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
