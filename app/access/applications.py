"""Which applications an actor sees, and in which capacity they may act on one.

`application_scope` is the one definition of "may see": the clerk's queue, the API's list and
search, FAB's base filter and `get_application` (every load of one application by id for a
user — the staff pages, the API, and the transition function's re-check inside its transaction,
with the row locked) use it."""
from sqlalchemy import false, or_, select

from ..extensions import db
from ..models import Application, School
from .schools import can_manage_school, managed_school


def application_scope(actor):
    """SQL condition on Application: the administrator and the system see all; a clerk the own
    school's (app.access.schools); a supervisor the own district's; a parent their own."""
    if actor.system or actor.is_admin:
        return Application.id.isnot(None)
    conditions = []
    if actor.is_clerk:
        conditions.append(managed_school(actor, Application.school_id))
    if actor.is_supervisor:
        conditions.append(
            Application.school_id.in_(select(School.id).where(School.district_id == actor.district_id))
        )
    if actor.is_parent and actor.user_id is not None:
        conditions.append(own_applications(actor))
    if not conditions:
        return false()
    return or_(*conditions)


def own_applications(actor):
    """SQL condition on Application: the ones this person filed («Мои заявления»)."""
    if actor.user_id is None:
        return false()
    return Application.parent_id == actor.user_id


def get_application(actor, application_id, for_update=False):
    """The application if the actor may see it, else None (the caller answers 404: nothing tells
    an application exists). `for_update` locks the row until the transaction ends (PostgreSQL;
    SQLite writes one at a time anyway) and reads it afresh, as a transition must."""
    if application_id is None:
        return None
    query = select(Application).where(Application.id == application_id, application_scope(actor))
    if for_update:
        query = query.with_for_update(of=Application).execution_options(populate_existing=True)
    return db.session.execute(query).scalar_one_or_none()


def owns_application(actor, application):
    return actor.user_id is not None and application.parent_id == actor.user_id


def acting_kind(actor, kinds, application):
    """The capacity, among `kinds` (a transition's), in which the actor may act on this
    application: the system, an administrator, the clerk of its school, its parent; or None."""
    kinds = actor.kinds() & set(kinds)
    if "system" in kinds:
        return "system"
    if "admin" in kinds:
        return "admin"
    if "clerk" in kinds and can_manage_school(actor, application.school_id):
        return "clerk"
    if "parent" in kinds and owns_application(actor, application):
        return "parent"
    return None
