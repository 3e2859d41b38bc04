"""Flask-AppBuilder staff screens, by subject (registered in app/initialization.py).

Scope: every list uses base_filters built from app.access; every custom action and every
write re-checks the scope itself (FAB's @action and form writes skip base_filters)."""
from .base import MAX_PAGE_SIZE, DiaryInterface, DiaryModelView, DiaryIndexView  # noqa: F401
from .filters import (  # noqa: F401
    ApplicationScopeFilter,
    ManagedSchoolFilter,
    ManagedSlotFilter,
    own_school_filter,
)
from .applications import ApplicationView, FLASHES  # noqa: F401
from .reception import ReceptionSlotView  # noqa: F401
from .directory import DistrictView, SchoolView, StudentView, StaffAssignmentView  # noqa: F401
from .logs import AuditEventView, OutboxView  # noqa: F401
