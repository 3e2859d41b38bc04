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
from .auth import api_login_required, json_response
from .base import JsonApi


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
    def report(self, name):
        """One district report as JSON.
        ---
        get:
          summary: A district report (funnel, backlog, approval-time, coverage, academic)
          parameters:
          - {in: path, name: name, required: true, schema: {type: string, enum: [funnel, backlog, approval-time, coverage, academic]}}
          - {in: query, name: district, schema: {type: integer, minimum: 1, maximum: 2147483647}}
          - {in: query, name: school, schema: {type: integer, minimum: 1, maximum: 2147483647}}
          - {in: query, name: from, description: YYYY-MM-DD (empty - the default), schema: {anyOf: [{type: string, format: date}, {type: string, enum: ['']}]}}
          - {in: query, name: to, description: YYYY-MM-DD (empty - the default), schema: {anyOf: [{type: string, format: date}, {type: string, enum: ['']}]}}
          - {in: query, name: days, schema: {type: integer, minimum: 0, maximum: 3650}}
          responses:
            200:
              description: The report's columns, rows and extra figures
              content: {application/json: {schema: {$ref: '#/components/schemas/ReportOut'}}}
            400: {$ref: '#/components/responses/BadInput'}
            401: {$ref: '#/components/responses/NotLoggedIn'}
            403: {$ref: '#/components/responses/Forbidden'}
            404: {$ref: '#/components/responses/NotFound'}
        """
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
        return json_response(200, {
            "report": name, "title": str(queries.REPORTS[name]), "district_id": asked.district_id,
            "school_id": asked.school.id if asked.school else None,
            "from": asked.date_from.isoformat(), "to": asked.date_to.isoformat(),
            "columns": columns, "rows": rows, "extra": data.get("extra") or {},
        })
