"""A role's permissions as FAB's role admin edits them (/roles/edit/<id>): the ids of its
permission-on-view rows, and the id of one such row."""
from flask_appbuilder.security.sqla.models import PermissionView, Role, ViewMenu
from sqlalchemy import select

from app.extensions import db


def role_permissions(app, name):
    """(role id, [ids of its permission-on-view rows])."""
    with app.app_context():
        role = db.session.execute(select(Role).where(Role.name == name)).scalar_one()
        return role.id, [pv.id for pv in role.permissions]


def permission_on_view(app, permission, view):
    """The id of the row granting `permission` on `view` (e.g. "can_list", "ApplicationView")."""
    with app.app_context():
        return db.session.execute(
            select(PermissionView.id).join(ViewMenu, ViewMenu.id == PermissionView.view_menu_id)
            .where(ViewMenu.name == view, PermissionView.permission.has(name=permission))
        ).scalar_one()
