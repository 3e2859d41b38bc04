"""Security manager: staff log in with passwords (AUTH_DB); citizens only through ESIA
(app/auth/esia.py), so password login refuses accounts that hold no staff role.
Permissions of the current user are cached per request (FAB checks them many times a page)."""
import logging

from flask import g
from flask_appbuilder.security.sqla.manager import SecurityManager

from . import roles

log = logging.getLogger(__name__)


class DiarySecurityManager(SecurityManager):
    def auth_user_db(self, username, password):
        user = super().auth_user_db(username, password)
        if user is None:
            return None
        if not any(role.name in roles.STAFF_ROLES.values() for role in user.roles):
            log.info("password login refused for a non-staff account %s", user.id)
            return None
        return user

    def _has_view_access(self, user, permission_name, view_name):
        cache = getattr(g, "_diary_perm_cache", None)
        if cache is None:
            cache = g._diary_perm_cache = {}
        key = (getattr(user, "id", None), permission_name, view_name)
        if key not in cache:
            cache[key] = super()._has_view_access(user, permission_name, view_name)
        return cache[key]
