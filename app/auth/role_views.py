"""FAB's role and permission screens for the administrator in Russian: our roles by their Russian
names (app/roles.py: «Ответственный в ОУ», not `Clerk`); FAB's permission names (`can_list on
ApplicationView`) are the security system's keys and stay as they are, on screens that say they
are technical names. The classes keep FAB's names (permission keys, `flask init`)."""
from flask_appbuilder.security import views as fab_views
from flask_babel import lazy_gettext as _l

from .. import roles


class _WithRoleLabels:
    def __init__(self, **kwargs):
        kwargs["role_labels"] = roles.RoleName.labels()
        super().__init__(**kwargs)


class RoleListWidget(_WithRoleLabels, fab_views.RoleListWidget):
    template = "staff/roles_list.html"


class RoleShowWidget(_WithRoleLabels, fab_views.RoleShowWidget):
    template = "staff/roles_show.html"


class RoleModelView(fab_views.RoleModelView):
    list_title = _l("Roles")
    show_title = _l("Role")
    add_title = _l("New role")
    edit_title = _l("Edit role")
    list_widget = RoleListWidget
    show_widget = RoleShowWidget
    label_columns = {"name": _l("Role"), "permissions": _l("Permissions (technical names)")}


class PermissionModelView(fab_views.PermissionModelView):
    list_title = _l("Base permissions (technical names)")


class ViewMenuModelView(fab_views.ViewMenuModelView):
    list_title = _l("Screens and menus (technical names)")


class PermissionViewModelView(fab_views.PermissionViewModelView):
    list_title = _l("Permissions on screens and menus (technical names)")
