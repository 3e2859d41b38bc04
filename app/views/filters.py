"""FAB base filters built from app.access: which rows a staff list shows."""
from flask_appbuilder.models.filters import BaseFilter

from ..access import application_scope, current_actor
from ..models import ReceptionSlot, School


class ApplicationScopeFilter(BaseFilter):
    """Rows of Application the current user may see (app.access.application_scope)."""

    name = "scope"
    arg_name = "scope"

    def apply(self, query, value):
        return query.filter(application_scope(current_actor()))


class ManagedSchoolFilter(BaseFilter):
    """Schools whose reception hours the current user may keep."""

    name = "managed"
    arg_name = "managed"

    def apply(self, query, value):
        actor = current_actor()
        if actor.is_admin:
            return query
        if actor.is_clerk:
            return query.filter(School.id == actor.school_id)
        return query.filter(School.id.is_(None))


def own_school_filter(model):
    """A FAB filter on `model.school_id`: the admin sees all, a clerk the own school, others none."""

    class OwnSchool(BaseFilter):
        name = "managed"
        arg_name = "managed"

        def apply(self, query, value):
            actor = current_actor()
            if actor.is_admin:
                return query
            if actor.is_clerk:
                return query.filter(model.school_id == actor.school_id)
            return query.filter(model.id.is_(None))

    OwnSchool.__name__ = f"Own{model.__name__}Filter"
    return OwnSchool


ManagedSlotFilter = own_school_filter(ReceptionSlot)
