"""«Отчёты»: the supervisor sees the own district, the admin the city (or one district); a
district's row leads to its schools, a school's to its classes."""
from flask import Response, request
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext
from sqlalchemy import select

from ..access import current_actor, report_districts
from ..extensions import db
from ..models import District
from . import queries, rollup
from .export import to_csv, to_xlsx
from .params import drill_query, read_request


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
        if export == "csv":
            return Response(to_csv(data["columns"], data["rows"]), mimetype="text/csv",
                            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
        if export == "xlsx":
            return Response(to_xlsx(title, data["columns"], data["rows"]),
                            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
        districts = report_districts(actor)
        return self.render_template("reports/report.html", name=name, title=title, data=data, reports=queries.REPORTS,
                                    districts=districts, district_id=asked.district_id, date_from=asked.date_from,
                                    date_to=asked.date_to, days=asked.days, school=asked.school,
                                    refreshed_at=rollup.refreshed_at() if name != "backlog" else None,
                                    drill_query=drill_query,
                                    empty_text=gettext("No data for this choice."))
