"""Which schools' own data an actor keeps: reception hours, the roster, events, meetings, imports,
staff assignments. The rule is stated once (`managed_school_ids`) and rendered as SQL for lists
and FAB base filters (`managed_school`) and in Python for a row being written (`can_manage_school`).
Every staff screen of school-owned rows filters with it, and every write re-checks it: FAB's
@action handlers and its add/edit form data are not covered by base_filters."""
from sqlalchemy import false, select, true

from ..extensions import db
from ..models import School

ALL = None  # "every school"


def managed_school_ids(actor):
    """ALL for the administrator (and the system), the own school for a school clerk, and no
    school for anyone else (a teacher, a supervisor, a parent: they read, they do not keep)."""
    if actor.system or actor.is_admin:
        return ALL
    if actor.is_clerk:
        return frozenset({actor.school_id})
    return frozenset()


def managed_school(actor, column):
    """SQL condition on a model's school column (`Model.school_id`, or `School.id`): the rows of
    the schools this actor keeps."""
    ids = managed_school_ids(actor)
    if ids is ALL:
        return true()
    if not ids:
        return false()
    return column.in_(sorted(ids))


def can_manage_school(actor, school_id):
    """The same rule for one school id (a row about to be written: its school may be new)."""
    ids = managed_school_ids(actor)
    return ids is ALL or school_id in ids


def managed_schools(actor):
    """The schools this actor keeps, by number (an upload's or a form's choice of school)."""
    return db.session.execute(
        select(School).where(managed_school(actor, School.id)).order_by(School.number, School.id)
    ).scalars().all()
