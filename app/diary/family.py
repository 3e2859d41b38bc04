"""The one check every family page and API endpoint make before showing a pupil's diary: an
active grant (app.access.grants) whose scope includes the section (app.access.grant_allows).
Visits of anyone but an official representative are written to the pupil's access log, which
the representatives read."""

from functools import cache

from flask_babel import gettext
from sqlalchemy import Date, bindparam
from sqlalchemy.orm import joinedload, lazyload

from .. import clock
from ..access import active_grants, grant_allows
from ..domain_error import DomainError
from ..extensions import db
from ..models import AccessGrant, AccessLogEntry, Relation, Student
from . import revisions


class NoAccess(DomainError):
    """404: no access to this pupil at all (nothing reveals the pupil exists); 403: the pupil is
    known to the caller but this section is outside their scope. The one error handler answers it
    (a Russian page, JSON under /api/)."""

    def __init__(self, status):
        super().__init__(gettext("Not found.") if status == 404 else
                         gettext("This part of the diary is not shared with you."), status=status)


@cache
def _access_statement():
    """The grant, the pupil (with the school) and the pupil's class revisions of a person and
    pupil, by bound parameters: built once per process — building and keying the statement anew
    cost every family request about as much as running it."""
    return (active_grants(bindparam("user_id"), bindparam("student_id"), today=bindparam("today", type_=Date))
            .add_columns(Student, revisions.pupil_column(Student.id))
            .join(Student, Student.id == AccessGrant.student_id)
            .options(lazyload("*"), joinedload(Student.school).lazyload("*")))


def open_section(actor, student_id, section, what, path=""):
    """-> (student, grant) or NoAccess. Commits the access-log entry. One query for both and the
    pupil's class revisions (the pages' ETag): the pages read the pupil's school name, nothing
    else of the pupil's relations."""
    row = None
    if actor.user_id is not None:
        row = db.session.execute(_access_statement(), {
            "user_id": actor.user_id, "student_id": student_id, "today": clock.today()}).first()
    if row is None:
        raise NoAccess(404)
    grant, student, class_revisions = row
    revisions.remember(student.id, class_revisions)  # the ETag's (app.diary.conditional)
    if not grant_allows(grant, section):
        raise NoAccess(403)
    if grant.relation != Relation.REPRESENTATIVE:
        db.session.add(AccessLogEntry(user_id=actor.user_id, user_label=actor.label, student_id=student_id,
                                      what=what, path=(path or "")[:255]))
        db.session.commit()
    return student, grant
