"""What a report request asks for, checked against who asks (app.access.reports: a supervisor
only the own district, the admin any): the page, its exports and the API all go through
`read_request`."""
from dataclasses import dataclass
import re
from datetime import date, timedelta
from typing import Optional

from urllib.parse import urlencode

from flask import abort, request

from .. import clock, inputs
from ..access import report_district, report_school
from ..diary import school_year
from ..models import School
from . import queries


@dataclass
class ReportRequest:
    name: str
    district_id: Optional[int]
    school: Optional[School]
    date_from: date
    date_to: date
    days: int

    def build(self):
        return build(self.name, self.district_id, self.date_from, self.date_to, self.days,
                     self.school.id if self.school else None)


def read_request(actor, name):
    """The report's parameters from the query string, or 404 (unknown report, a school outside
    the scope) / 403 (not a reader of reports, another district)."""
    if name not in queries.REPORTS:
        abort(404)
    district_id = report_district(actor, _id_arg("district"))
    school = report_school(district_id, _id_arg("school"))
    today = clock.today()
    days = inputs.clamped(request.args.get("days"), 14, 0, 3650)
    date_from, date_to = inputs.date_range(
        inputs.query_date(request.args.get("from"), "from", _default_from(name, school, today)),
        inputs.query_date(request.args.get("to"), "to", today))
    return ReportRequest(name, district_id, school, date_from, date_to, days)


def _default_from(name, school, today):
    """The academic figures: since the start of the school year (the school's own, else the general
    rule: app.diary.school_year); the application reports: the last 365 days."""
    if name == "academic":
        start = school_year.year_dates(school.id, today)[0] if school else school_year.assumed_year(today)[0]
        return min(start, today)
    return today - timedelta(days=365)


def _id_arg(name):
    """An id from the query string: None when absent or not a number, 404 when no row can have it
    (a negative or huge number included)."""
    value = (request.args.get(name) or "").strip()
    if not value or value == "0":
        return None
    if not re.fullmatch(r"[+-]?\d+", value):
        return None
    return inputs.path_id(value)


def drill_query(target):
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
        report = queries.coverage(district_id, school_id)
        report["extra"]["unconnected"] = queries.unconnected_pupils(district_id, school_id)
        return report
    if name == "academic":
        return queries.academic(district_id, date_from, date_to, school_id)
    abort(404)
