"""The scope rules as Flask-AppBuilder base filters, for the staff screens' lists, show, edit
and delete pages and their forms' choices of related rows.

    base_filters = [["school_id", ManagedSchoolFilter, None]]       # a school-owned model
    add_form_query_rel_fields = {"school": [["id", ManagedSchoolFilter, None]]}  # on School

The column named in the entry is the school column the rule applies to. FAB applies base
filters neither to @action handlers nor to the values a form writes: app.views.base re-checks
those with the same rule."""
from flask_appbuilder.models.filters import BaseFilter

from .actor import current_actor
from .applications import application_scope
from .schools import managed_school


class ManagedSchoolFilter(BaseFilter):
    """Rows of the schools the current user keeps (app.access.schools.managed_school)."""

    name = "managed school"
    arg_name = "managed_school"

    def apply(self, query, value):
        return query.filter(managed_school(current_actor(), getattr(self.model, self.column_name)))


class ApplicationScopeFilter(BaseFilter):
    """Rows of Application the current user may see (app.access.applications.application_scope)."""

    name = "scope"
    arg_name = "application_scope"

    def apply(self, query, value):
        return query.filter(application_scope(current_actor()))
