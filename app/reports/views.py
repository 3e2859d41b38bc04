"""«Отчёты»: the supervisor sees the own district, the admin the city (or one district)."""
from datetime import date, datetime, timedelta

from urllib.parse import urlencode

from flask import Response, abort, request
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext
from sqlalchemy import select

from ..access import current_actor
from ..extensions import db
from ..models import District, School
from . import queries, rollup
from .export import to_csv, to_xlsx


def _day(name, default):
    try:
        return datetime.strptime(request.args.get(name, ""), "%Y-%m-%d").date()
    except ValueError:
        return default


def report_scope(actor, requested):
    """The district the reader may look at: a supervisor — only theirs; the admin — any, or the
    city (None). Anyone else: 403."""
    if actor.is_admin:
        return requested
    if actor.is_supervisor:
        if requested not in (None, actor.district_id):
            abort(403)
        return actor.district_id
    abort(403)


def school_in_scope(district_id):
    """?school=ID: a school inside the reader's district (any for the city-wide reader), or 404."""
    try:
        school_id = int(request.args.get("school") or 0)
    except ValueError:
        school_id = 0
    if not school_id:
        return None
    school = db.session.get(School, school_id)
    if school is None or (district_id is not None and school.district_id != district_id):
        abort(404)
    return school


def _drill_query(target):
    """The address of one level down (a district → its schools, a school → its classes), keeping
    the period: the current arguments with `district` / `school` replaced."""
    args = {k: v for k, v in request.args.items() if k not in ("school", "district", "format")}
    if "district" in target:
        args["district"] = target["district"]
    if "school" in target:
        args["school"] = target["school"]
        if request.args.get("district"):
            args["district"] = request.args["district"]
    return urlencode(args)


def build(name, district_id, date_from, date_to, days, school_id=None):
    if name == "funnel":
        return queries.funnel(district_id, date_from, date_to)
    if name == "backlog":
        return queries.backlog(district_id, days)
    if name == "approval-time":
        return queries.time_to_approval(district_id, date_from, date_to)
    if name == "coverage":
        report = queries.coverage(district_id)
        report["extra"]["unconnected"] = queries.unconnected_pupils(district_id)
        return report
    if name == "academic":
        return queries.academic(district_id, date_from, date_to, school_id)
    abort(404)


class ReportsView(BaseView):
    route_base = "/reports"
    default_view = "report"

    @expose("/")
    @expose("/<name>")
    @has_access
    @permission_name("read")
    def report(self, name="funnel"):
        if name not in queries.REPORTS:
            abort(404)
        actor = current_actor()
        try:
            requested = int(request.args["district"]) if request.args.get("district") else None
        except ValueError:
            requested = None
        district_id = report_scope(actor, requested)
        today = date.today()
        date_from, date_to = _day("from", today - timedelta(days=365)), _day("to", today)
        try:
            days = max(0, min(int(request.args.get("days", 14)), 3650))
        except ValueError:
            days = 14
        school = school_in_scope(district_id)
        data = build(name, district_id, date_from, date_to, days, school.id if school else None)
        title = queries.REPORTS[name]
        export = request.args.get("format")
        if export == "csv":
            return Response(to_csv(data["columns"], data["rows"]), mimetype="text/csv",
                            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
        if export == "xlsx":
            return Response(to_xlsx(title, data["columns"], data["rows"]),
                            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
        districts = db.session.execute(select(District).order_by(District.name)).scalars().all() if actor.is_admin else []
        return self.render_template("reports/report.html", name=name, title=title, data=data, reports=queries.REPORTS,
                                    districts=districts, district_id=district_id, date_from=date_from,
                                    date_to=date_to, days=days, school=school,
                                    refreshed_at=rollup.refreshed_at() if name == "academic" else None,
                                    drill_query=_drill_query,
                                    empty_text=gettext("No data for this choice."))
