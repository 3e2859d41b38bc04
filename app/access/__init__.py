"""Who is acting, and what they may see: the one place for scope rules.

- actor.py: the Actor (roles, the school or district of a staff member) of a request;
- schools.py: the schools whose own rows (reception hours, roster, events, meetings, imports,
  staff assignments) an actor keeps — SQL for lists, the same rule for a row being written;
- applications.py: the applications an actor sees (`application_scope`, `get_application`)
  and the capacity in which they may act on one (`acting_kind`, asked by the workflow);
- grants.py: the pupils a person sees through an active access grant, and its sections;
- teaching.py: the classes × subjects a teacher works on;
- reports.py: the districts a reader of reports sees;
- filters.py: the same rules as Flask-AppBuilder base filters.

Pages, the API, the workflow, notifications and the calendar feed ask these functions; nothing
else compares a row's school, district, parent or grant with the user."""
from .actor import SYSTEM, STAFF_ROLE_NAMES, Actor, actor_for, current_account, current_actor, is_staff_user
from .applications import acting_kind, application_scope, get_application, own_applications, owns_application
from .filters import ApplicationScopeFilter, ManagedSchoolFilter
from .grants import (
    SCOPE_SECTIONS,
    SECTIONS,
    active_grant,
    active_grants,
    grants_with_pupils,
    give_representative_access,
    granted_pupils,
    grant_allows,
    grant_is_active,
    grant_unrevoked,
    representative_grant,
)
from .reports import check_report_reader, may_read_reports, report_district, report_districts, report_school
from .schools import can_manage_school, managed_school, managed_school_ids, managed_schools
from .teaching import teacher_ids_of_class, teaching_assignment, teaching_assignments, teaching_scope

__all__ = [
    "SYSTEM", "STAFF_ROLE_NAMES", "Actor", "actor_for", "current_account", "current_actor", "is_staff_user",
    "acting_kind", "application_scope", "get_application", "own_applications", "owns_application",
    "ApplicationScopeFilter", "ManagedSchoolFilter",
    "SCOPE_SECTIONS", "SECTIONS", "active_grant", "active_grants", "give_representative_access", "granted_pupils", "grants_with_pupils",
    "grant_allows", "grant_is_active", "grant_unrevoked", "representative_grant",
    "check_report_reader", "may_read_reports", "report_district", "report_districts", "report_school",
    "can_manage_school", "managed_school", "managed_school_ids", "managed_schools",
    "teacher_ids_of_class", "teaching_assignment", "teaching_assignments", "teaching_scope",
]
