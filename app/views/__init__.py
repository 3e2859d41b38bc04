"""Flask-AppBuilder staff screens, by subject (registered in app/initialization.py).

Scope: every list uses base_filters from app.access (ApplicationScopeFilter, ManagedSchoolFilter);
actions load their rows through them and every write of a school-owned row re-checks its school
(app.views.base.DiaryModelView: FAB's @action and form writes skip base_filters)."""
from .base import MAX_PAGE_SIZE, DiaryInterface, DiaryModelView, DiaryIndexView  # noqa: F401
from ..access import ApplicationScopeFilter, ManagedSchoolFilter  # noqa: F401 - the scope as FAB filters
from .applications import ApplicationView  # noqa: F401
from .reception import ReceptionSlotView  # noqa: F401
from .directory import DistrictView, SchoolView, StudentView, StaffAssignmentView  # noqa: F401
from .logs import AuditEventView, OutboxView  # noqa: F401
