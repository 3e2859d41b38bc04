"""Role names (FAB role keys), what the screens and the CLI call them, and what each may open."""
from flask_babel import lazy_gettext as _l

from .models.labels import LabeledEnum


class RoleName(LabeledEnum):
    """FAB's role keys (ab_role.name, stored) with their labels on the users' screens."""

    ADMIN = "Admin", _l("Administrator")
    CLERK = "Clerk", _l("School clerk")
    TEACHER = "Teacher", _l("Teacher")
    SUPERVISOR = "Supervisor", _l("District specialist")
    PARENT = "Parent", _l("Parent")
    PUBLIC = "Public", _l("Guest")


ADMIN = RoleName.ADMIN
CLERK = RoleName.CLERK
TEACHER = RoleName.TEACHER
SUPERVISOR = RoleName.SUPERVISOR
PARENT = RoleName.PARENT
PUBLIC = RoleName.PUBLIC

STAFF_ROLES = {"clerk": CLERK, "teacher": TEACHER, "supervisor": SUPERVISOR, "admin": ADMIN}

_OWN_ACCOUNT = [
    ("can_userinfo", "UserDBModelView"),
    ("resetmypassword", "UserDBModelView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
]
_READ_APPLICATIONS = [
    ("can_list", "ApplicationView"),
    ("can_show", "ApplicationView"),
    ("menu_access", "School"),
    ("menu_access", "Applications"),
]

# What each role may open among FAB's screens (rows are still scoped by app.access).
ROLE_PERMISSIONS = {
    CLERK: _OWN_ACCOUNT
    + _READ_APPLICATIONS
    + [
        ("can_verify", "ApplicationView"),
        ("can_approve", "ApplicationView"),
        ("can_reject", "ApplicationView"),
        ("can_print", "ApplicationView"),
        ("can_list", "ReceptionSlotView"),
        ("can_show", "ReceptionSlotView"),
        ("can_add", "ReceptionSlotView"),
        ("can_edit", "ReceptionSlotView"),
        ("can_delete", "ReceptionSlotView"),
        ("menu_access", "ReceptionHours"),
        ("can_import", "ImportView"),
        ("menu_access", "DataImport"),
        *[(perm, view) for view in ("SchoolEventView", "ParentMeetingView")
          for perm in ("can_list", "can_show", "can_add", "can_edit", "can_delete")],
        ("menu_access", "SchoolEvents"),
        ("menu_access", "ParentMeetings"),
    ],
    SUPERVISOR: _OWN_ACCOUNT
    + _READ_APPLICATIONS
    + [("can_read", "ReportsView"), ("menu_access", "DistrictReports"), ("menu_access", "Reports")],
    TEACHER: _OWN_ACCOUNT
    + [
        ("can_read", "JournalView"),
        ("can_write", "JournalView"),
        ("menu_access", "Teaching"),
        ("menu_access", "TeachersJournal"),
        ("can_read", "TeacherMessagesView"),
        ("can_write", "TeacherMessagesView"),
        ("menu_access", "TeacherMessages"),
    ],
    PARENT: [],
    PUBLIC: [("can_get", "OpenApi")],
}
