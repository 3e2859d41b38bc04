"""Security manager: staff log in with passwords (AUTH_DB; the login page and the JSON login in
app/auth/login.py, the password pages in app/auth/password_views.py, the users' admin in
app/auth/staff.py), citizens only through ESIA (app/auth/esia.py), so a password login refuses
accounts that hold no staff role or have no password. Failed logins are limited per account
(growing delays), per (address, account) and per address (app/ratelimit.py); every new password
follows the policy of app/auth/passwords.py, whoever sets it; password changes and
disabling/enabling are audited, and the sessions they invalidate end at the next request
(app/auth/sessions.py). Permissions of the current user are cached per request
(FAB checks them many times a page), and per process while the roles stay unchanged
(app/auth/permission_cache.py)."""
import logging

from flask import current_app, g, has_request_context
from flask_appbuilder.security.sqla.manager import SecurityManager
from werkzeug.security import check_password_hash

from . import clock
from .access import is_staff_user
from .auth import login, login_stats, passwords, password_views, role_views, staff
from .auth.attempts import begin_attempt
from .auth.audit import acting_user, audit_user_event

log = logging.getLogger(__name__)


class DiarySecurityManager(SecurityManager):
    authdbview = login.AuthDBView
    security_api = login.SecurityApi
    userdbmodelview = staff.UserDBModelView
    resetpasswordview = password_views.ResetPasswordView
    resetmypasswordview = password_views.ResetMyPasswordView
    userstatschartview = login_stats.UserStatsChartView  # Chart.js of our own, no external CDN
    rolemodelview = role_views.RoleModelView  # Russian role names; permissions marked technical
    permissionmodelview = role_views.PermissionModelView
    viewmenumodelview = role_views.ViewMenuModelView
    permissionviewmodelview = role_views.PermissionViewModelView

    def auth_user_db(self, username, password):
        """Password login of staff (the /login/ form and POST /api/v1/security/login).
        Over a limit of failed attempts (app/ratelimit.py: this user name from anywhere with
        growing delays, this address with this user name, this address in all) the password is not
        even checked: attempts.TooManyLogins (429). The attempt is counted before the check and
        refunded on success, so workers side by side never check more than the limit.
        Returns the user, or None — the same None for a wrong password, an unknown or disabled
        account, a Gosuslugi account without a password, and an account without a staff role."""
        username = (username or "").strip()
        attempt = begin_attempt(username)
        if "\x00" in username:  # no such account (PostgreSQL refuses NUL in text): a failure
            username = ""
        user = self.find_user(username=username) if username else None
        if user is not None and (not user.password or not is_staff_user(user)):
            # Balance the time of a real check; never tell a citizen's account from a wrong password.
            check_password_hash(current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"], "password")
            log.info("password login refused for account %s (no password or no staff role)", user.id)
            return None
        user = super().auth_user_db(username, password) if username else None
        if user is None or not is_staff_user(user):
            return None  # stays counted as a failure
        attempt.succeeded()
        return user

    def update_user_auth_stat(self, user, success=True):
        """FAB's login statistics, stamped with the service's clock (FAB writes datetime.now(),
        the process's local time, while every stored moment is UTC)."""
        user.login_count = user.login_count or 0
        user.fail_login_count = user.fail_login_count or 0
        if success:
            user.login_count += 1
            user.last_login = clock.utcnow()
            user.fail_login_count = 0
        else:
            user.fail_login_count += 1
        self.update_user(user)
        if success:
            self.on_user_login(user)
        else:
            self.on_user_login_failed(user)

    def add_user(self, username, first_name, last_name, email, role, password="", *args, **kwargs):
        """Every account created with a password follows the password policy (WeakPassword)."""
        if password:
            passwords.check(password, username=username, email=email, first_name=first_name,
                            last_name=last_name)
        return super().add_user(username, first_name, last_name, email, role, password, *args, **kwargs)

    def reset_password(self, userid, password):
        """The administrator's «Сбросить пароль» and the own «Сменить пароль»: audited
        (password_reset / password_changed). The account's other sessions end at their next
        request (the password stamp changes); the own current session stays. A password the
        policy refuses raises passwords.WeakPassword (a ValueError) and changes nothing."""
        userid = int(userid)
        passwords.check(password, **password_views.account_fields(self.get_user_by_id(userid)))
        result = super().reset_password(userid, password)
        actor = acting_user()
        own = actor is not None and actor.user_id == userid
        audit_user_event("password_changed" if own else "password_reset", userid)
        if own and has_request_context():
            from .auth.sessions import keep_current_session

            keep_current_session(self.get_user_by_id(userid))
        return result

    def update_user(self, user):
        """A change of the account outside the users' admin view (e.g. FAB's «Редактировать»
        of own data, scripts): disabling or enabling is audited too."""
        from sqlalchemy import inspect

        history = inspect(user).attrs.active.history
        result = super().update_user(user)
        if history.has_changes():
            audit_user_event("disabled" if not user.active else "enabled", user.id)
        return result

    def load_user(self, pk):
        """The user of a session or token with its roles, groups and session secret in one query
        (FAB's loader makes three, and the stamp check a fourth, on every request), or with none
        from Redis for a family account (app.auth.account_cache); active accounts only."""
        from sqlalchemy import select
        from sqlalchemy.orm import joinedload

        from .auth import account_cache, session_keys
        from .models import UserSessionKey

        user, secret, ticket = account_cache.lookup(int(pk))
        if user is not None:  # a family account from Redis: no SQL (app/auth/account_cache.py)
            session_keys.remember(user.id, secret)
            return user
        row = self.session.execute(
            select(self.user_model, UserSessionKey.secret).where(self.user_model.id == int(pk))
            .outerjoin(UserSessionKey, UserSessionKey.user_id == self.user_model.id)
            .options(joinedload(self.user_model.roles), joinedload(self.user_model.groups))
        ).unique().first()
        if row is None or not row[0].is_active:
            return None
        session_keys.remember(row[0].id, row[1])
        account_cache.store(row[0], row[1], ticket)
        return row[0]

    def create_jwt_manager(self, app):
        """API tokens carry the account's password stamp (claim "pws"), like browser sessions."""
        jwt_manager = super().create_jwt_manager(app)
        jwt_manager.additional_claims_loader(self._jwt_claims)
        return jwt_manager

    def _jwt_claims(self, identity):
        """The stamp under the account's own secret (app/auth/session_keys.py): a token cannot
        be made from SECRET_KEY alone."""
        from .auth.sessions import account_stamp

        user = self.get_user_by_id(int(identity))
        return {"pws": account_stamp(user, create=True)} if user is not None else {}

    def load_user_jwt(self, _jwt_header, jwt_data):
        """A token of a disabled account, or one issued before its password was changed or
        reset or before «Выйти на всех устройствах», finds no user: the API answers 401."""
        from .auth.sessions import account_stamp

        user = self.load_user(jwt_data["sub"])  # active accounts only
        stamp = account_stamp(user) if user is not None else None
        if stamp is None or not isinstance(jwt_data.get("pws"), str) or jwt_data["pws"] != stamp:
            return None
        g.user = user
        return user

    def _has_view_access(self, user, permission_name, view_name):
        """FAB asks once per permission (a list page: ~15 queries). Here all the permissions of
        the user's roles come in one query, at most once per request, and not even that while
        the process holds them under the current role epoch (app.auth.permission_cache)."""
        roles = self.get_user_roles(user)
        if any(role.name in self.builtin_roles for role in roles):
            return super()._has_view_access(user, permission_name, view_name)
        key = (getattr(user, "id", None), tuple(sorted(role.id for role in roles)))
        cached = getattr(g, "_diary_permissions", None)
        if cached is None or cached[0] != key:
            from .auth import permission_cache

            permissions = permission_cache.permissions(key[1], self._permissions_of_roles)
            cached = g._diary_permissions = (key, permissions)
        return (permission_name, view_name) in cached[1]

    def permissions_read(self, user):
        """The (permission, view) pairs of `user` this request has already read (_has_view_access),
        or None: not read yet, or a user of FAB's builtin roles (FAB checks those itself)."""
        cached = getattr(g, "_diary_permissions", None)
        if cached is None or user is None or cached[0][0] != getattr(user, "id", None):
            return None
        return cached[1]

    def _permissions_of_roles(self, role_ids):
        from flask_appbuilder.security.sqla.models import Permission, PermissionView, ViewMenu, assoc_permissionview_role
        from sqlalchemy import select

        if not role_ids:
            return frozenset()
        rows = self.session.execute(
            select(Permission.name, ViewMenu.name).select_from(PermissionView)
            .join(Permission, Permission.id == PermissionView.permission_id)
            .join(ViewMenu, ViewMenu.id == PermissionView.view_menu_id)
            .join(assoc_permissionview_role, assoc_permissionview_role.c.permission_view_id == PermissionView.id)
            .where(assoc_permissionview_role.c.role_id.in_(role_ids))
        ).all()
        return frozenset((permission, view) for permission, view in rows)

