"""Reports API: GET /api/v1/reports/<name>?district=&school=&from=&to=&days= — the same figures and
the same scope as the «Отчёты» pages (app.reports.params): a supervisor gets the own district
only, the admin the city or any district; everyone else 403."""
from flask import request
from flask_appbuilder.api import expose
from flask_babel import gettext

from .. import inputs
from ..access import check_report_reader, current_actor
from ..domain_error import DomainError
from ..reports import queries
from ..reports.params import read_request
from . import schemas
from .auth import api_login_required
from .base import JsonApi, answer, openapi


def _number(name, minimum=1, maximum=schemas.MAX_ID):
    return {"in": "query", "name": name, "schema": {"type": "integer", "minimum": minimum, "maximum": maximum}}


def _plain(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (int, float, str)) or value is None:
        return value
    return str(value)


class ReportsApi(JsonApi):
    resource_name = "reports"
    openapi_spec_tag = "Reports"

    @expose("/<name>", methods=["GET"])
    @api_login_required
    @openapi("get", "A district report (funnel, backlog, approval-time, coverage, academic)", "ReportOut",
             "The report's columns, rows and extra figures", params=(
                 {"in": "path", "name": "name", "required": True,
                  "schema": {"type": "string", "enum": list(queries.REPORTS)}},
                 _number("district"), _number("school"), "from", "to", _number("days", 0, 3650)),
             refusals=(400, 401, 403, 404))
    def report(self, name):
        """One district report as JSON."""
        actor = current_actor()
        check_report_reader(actor)  # before the query string is read: no hints for non-readers
        # the pages forgive an unreadable date or number (the default instead); the API says so
        for field in ("from", "to"):
            inputs.parse_date(request.args.get(field), field)
        for field, low, high in (("district", None, None), ("school", None, None), ("days", 0, 3650)):
            if field in request.args:  # present means a number (empty included: "district=" is not the city)
                inputs.integer(request.args[field], field, minimum=low, maximum=high)
        asked = read_request(actor, name)
        data = asked.build()
        columns = [{"key": key, "title": str(title)} for key, title in data["columns"]]
        rows = [{key: _plain(row.get(key)) for key, _title in data["columns"]} for row in data["rows"]]
        return answer(schemas.ReportOut, {
            "report": name, "title": str(queries.REPORTS[name]), "district_id": asked.district_id,
            "school_id": asked.school.id if asked.school else None,
            "from": asked.date_from, "to": asked.date_to,
            "columns": columns, "rows": rows, "extra": data.get("extra") or {},
        })
