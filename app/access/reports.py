"""Who reads which reports: a district supervisor the own district, the administrator the city
or any district. Nobody else — a school clerk neither: the funnel, backlog and approval-time
reports are per district and have no school-level form that would keep other schools' figures
out. The «Отчёты» pages, their exports and the reports API all ask here."""
from flask_babel import gettext
from sqlalchemy import select

from ..errors import DomainError
from ..extensions import db
from ..models import District, School


def _forbidden():
    return DomainError(gettext("You do not have access to this page."), status=403)


def may_read_reports(actor):
    return actor.is_admin or actor.is_supervisor


def check_report_reader(actor):
    """403 (a domain error) for anyone who reads no reports."""
    if not may_read_reports(actor):
        raise _forbidden()


def report_district(actor, requested):
    """The district the reader looks at: the administrator — the requested one or the whole city
    (None); a supervisor — the own district (another one asked for: 403)."""
    check_report_reader(actor)
    if actor.is_admin:
        return requested
    if requested not in (None, actor.district_id):
        raise _forbidden()
    return actor.district_id


def report_school(district_id, school_id):
    """A school inside the district being read (any school for the city-wide reader), or a 404
    domain error; None when no school was asked for."""
    if school_id is None:
        return None
    school = db.session.get(School, school_id)
    if school is None or (district_id is not None and school.district_id != district_id):
        raise DomainError(gettext("The page was not found."), status=404)
    return school


def report_districts(actor):
    """The districts the reader may choose among (only the city-wide reader chooses)."""
    if not actor.is_admin:
        return []
    return db.session.execute(select(District).order_by(District.name)).scalars().all()
