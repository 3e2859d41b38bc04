"""«Отчёты»: the supervisor sees the own district, the admin the city (or one district); a
district's row leads to its schools, a school's to its classes."""
from flask import request
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext, lazy_pgettext as _lp

from ..access import current_actor, report_districts
from ..extensions import db
from ..models import District
from . import queries, rollup
from .export import download
from .params import drill_query, read_request

# what an export's file name starts with: «Воронка_Адмиралтейский_район_2026-12-01.xlsx»
FILE_WORDS = {
    "funnel": _lp("export file name", "Funnel"),
    "backlog": _lp("export file name", "Backlog"),
    "approval-time": _lp("export file name", "Time to approval"),
    "coverage": _lp("export file name", "Coverage"),
    "academic": _lp("export file name", "Academic performance"),
}


def scope_name(asked):
    """Whose figures: the school, the district, or the whole city."""
    if asked.school is not None:
        return asked.school.name
    if asked.district_id is not None:
        district = db.session.get(District, asked.district_id)
        return district.name if district else ""
    return gettext("Saint Petersburg")


class ReportsView(BaseView):
    route_base = "/reports"
    default_view = "report"

    @expose("/")
    @expose("/<name>")
    @has_access
    @permission_name("read")
    def report(self, name="funnel"):
        actor = current_actor()
        asked = read_request(actor, name)
        data = asked.build()
        title = queries.REPORTS[name]
        export = request.args.get("format")
        if export in ("csv", "xlsx"):
            return download(export, title, data["columns"], data["rows"], (FILE_WORDS[name], scope_name(asked)),
                            code=name)
        districts = report_districts(actor)
        return self.render_template("reports/report.html", name=name, title=title, data=data, reports=queries.REPORTS,
                                    districts=districts, district_id=asked.district_id, date_from=asked.date_from,
                                    date_to=asked.date_to, days=asked.days, school=asked.school,
                                    refreshed_at=rollup.refreshed_at() if name != "backlog" else None,
                                    drill_query=drill_query,
                                    empty_text=gettext("No data for this choice."))
