"""Staff (clerks, teachers, supervisors, administrators) log in with a user name and a password.

FAB has one AUTH_TYPE; ours is AUTH_DB, so FAB's password pages stay and are adapted here. The
security manager (app/security.py) plugs these classes in through its `authdbview`, `security_api`,
`userdbmodelview`, `resetpasswordview` and `resetmypasswordview` attributes. The classes keep FAB's
names on purpose: endpoints (`UserDBModelView.userinfo`) and permission keys
(`resetmypassword` on `UserDBModelView`, `can_this_form_post` on `ResetMyPasswordView`, app/roles.py)
stay what FAB and `flask init` expect.

- AuthDBView: /login/ — the «Войти через Госуслуги» button (citizens, app/auth/esia.py) and under it
  the staff form; failed attempts limited per account (growing delays), per (address, account)
  and per address (app/ratelimit.py; 429 «Слишком много попыток входа…»); a new session at every
  login; logout clears the session.
- SecurityApi: POST /api/v1/security/login with the same limits (FAB's contract otherwise unchanged).
- UserDBModelView: the administrator's «Пользователи» in Russian; disabling/enabling audited.
- ResetPasswordView (administrator) and ResetMyPasswordView («Сменить пароль», own, asks for the
  current password), and the new account's password: the one policy of app/auth/passwords.py.
Sessions of an account end at its next request once it is disabled or its password changes:
app/auth/sessions.py.
"""
import datetime
import logging

from flask import flash, g, redirect, request, session
from flask_appbuilder._compat import as_unicode
from flask_appbuilder.actions import action
from flask_appbuilder.api import safe
from flask_appbuilder.fields import QuerySelectMultipleField
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget, Select2ManyWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security import api as fab_api
from flask_appbuilder.security import views as fab_views
from flask_appbuilder.security.decorators import no_cache
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.utils.base import get_safe_redirect
from flask_appbuilder.views import expose
from flask_babel import LazyString, format_timedelta, gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_user
from werkzeug.exceptions import ServiceUnavailable, TooManyRequests
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, ValidationError

from .. import ratelimit, roles
from ..inputs import EmailAddress
from . import passwords

log = logging.getLogger(__name__)

KIND = "staff-login"  # app/ratelimit.py: STAFF_LOGIN_<NAME> settings, else ATTEMPT_<NAME>

ROLE_LABELS = {
    roles.ADMIN: _l("Administrator"),
    roles.CLERK: _l("School clerk"),
    roles.TEACHER: _l("Teacher"),
    roles.SUPERVISOR: _l("District specialist"),
    roles.PARENT: _l("Parent"),
    roles.PUBLIC: _l("Guest"),
}

# FAB's own Russian catalogue has typos or English in these (the «Безопасность» menu); naming the
# msgids here puts them into our catalogue, which is loaded after FAB's and wins.
_FAB_MSGIDS = (
    _l("List Users"), _l("List Roles"), _l("User's Statistics"), _l("Base Permissions"),
    _l("Views/Menus"), _l("Permission on Views/Menus"), _l("Security"), _l("Groups"),
    _l("Failed login count"), _l("Reset Password"), _l("Edit User"), _l("Password Changed"), _l("Profile"),
    _l("The user group on the application, this will associate with a list of roles associated with the group"),
)


# --------------------------------------------------------------------------- attempt limit
class TooManyLogins(TooManyRequests):
    """Failed logins over a limit for this account, this (address, account) or this address
    (even a right password is not checked then). `retry_after`: seconds to wait."""

    def __init__(self, retry_after=0):
        seconds = max(1, int(round(retry_after or 0)))
        super().__init__(too_many_logins_message(seconds), retry_after=seconds)  # Retry-After


def too_many_logins_message(seconds):
    wait = format_timedelta(datetime.timedelta(seconds=seconds), add_direction=True)
    return gettext("Too many login attempts. Try again %(wait)s.", wait=wait)


def begin_attempt(username):
    """Reserve a password check for `username` from the client's address (counted as a failure
    until `.succeeded()`); TooManyLogins (429) when a limit is reached."""
    attempt = ratelimit.begin(KIND, account=(username or "").strip(), address=request.remote_addr)
    if attempt is None:
        raise TooManyLogins(ratelimit.attempt_refusal().retry_after)
    return attempt


# --------------------------------------------------------------------------- passwords
def account_fields(user):
    if user is None:
        return {}
    return {"username": user.username, "email": user.email, "first_name": user.first_name,
            "last_name": user.last_name}


class NewPassword:
    """WTForms validator: the password policy (app/auth/passwords.py) for the account
    `account_of(form)` ({"username", "email", "first_name", "last_name"})."""

    def __init__(self, account_of):
        self.account_of = account_of

    def __call__(self, form, field):
        problem = passwords.problem(field.data, **self.account_of(form))
        if problem:
            raise ValidationError(problem)


def _target_account(form):
    """The account the administrator's reset form is for (?pk=…)."""
    from ..models import User
    from ..extensions import db

    pk = _int(request.args.get("pk"))
    return account_fields(db.session.get(User, pk) if pk is not None else None)


def _own_account(form):
    return account_fields(g.user) if getattr(g, "user", None) is not None else {}


def _new_account(form):
    """The account being created in the administrator's «Новый сотрудник» form."""
    return {name: getattr(form, name).data for name in ("username", "email", "first_name", "last_name")
            if hasattr(form, name)}


def _new_password_fields(account_of, label=_l("New password"), again=_l("New password again")):
    password = PasswordField(
        label,
        description=LazyString(passwords.hint),
        validators=[DataRequired(), NewPassword(account_of)],
        widget=BS3PasswordFieldWidget(),
    )
    confirm = PasswordField(
        again,
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
        widget=BS3PasswordFieldWidget(),
    )
    return password, confirm


class CurrentPassword:
    """The own account's current password; wrong answers count as failed logins."""

    def __call__(self, form, field):
        user = g.user
        try:
            attempt = begin_attempt(user.username)
        except TooManyLogins as exc:
            raise ValidationError(exc.description) from None
        from werkzeug.security import check_password_hash

        if not (user.password and field.data and check_password_hash(user.password, field.data)):
            raise ValidationError(gettext("The current password is wrong."))
        attempt.succeeded()


class ResetPasswordForm(DynamicForm):
    password, conf_password = _new_password_fields(_target_account)


class ChangeOwnPasswordForm(DynamicForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), CurrentPassword()],
                                     widget=BS3PasswordFieldWidget())
    password, conf_password = _new_password_fields(_own_account)


class ResetPasswordView(fab_views.ResetPasswordView):
    """«Сброс пароля» of another account (administrators only: `can_this_form_*` on this view).
    The account's sessions end at their next request (app/auth/sessions.py)."""

    form = ResetPasswordForm
    form_title = _l("New password for the account")
    message = _l("The password has been changed. The user's open sessions have ended.")

    def _target(self):
        from flask import abort

        from ..extensions import db
        from ..models import User

        pk = _int(request.args.get("pk"))
        user = db.session.get(User, pk) if pk is not None else None
        if user is None:
            abort(404)
        return user

    def form_get(self, form):
        self._target()

    def form_post(self, form):
        user = self._target()
        self.appbuilder.sm.reset_password(user.id, form.password.data)
        flash(as_unicode(self.message), "info")


class ResetMyPasswordView(fab_views.ResetMyPasswordView):
    """«Сменить пароль»: the current password, the new one twice. This session stays; the
    account's other sessions end at their next request."""

    form = ChangeOwnPasswordForm
    form_title = _l("Change password")
    message = _l("Your password has been changed.")


# --------------------------------------------------------------------------- the login page
class AuthDBView(fab_views.AuthDBView):
    login_template = "appbuilder/general/security/login_db.html"
    title = _l("Log in")
    invalid_login_message = _l("Wrong user name or password.")

    @expose("/login/", methods=["GET", "POST"])
    @no_cache
    def login(self):
        if g.user is not None and g.user.is_authenticated:
            return redirect(self._get_safe_next_url())
        form = LoginForm_db()
        if form.validate_on_submit():
            next_url = get_safe_redirect(request.args.get("next", ""))
            try:
                user = self.appbuilder.sm.auth_user_db(form.username.data, form.password.data)
            except TooManyLogins as exc:
                form.password.data = ""
                return self.render_template(self.login_template, title=self.title, form=form,
                                            appbuilder=self.appbuilder, error=exc.description), 429, {
                    "Retry-After": str(exc.retry_after)}
            if not user:
                # The same words whether the account exists, is disabled, or holds no staff role.
                flash(as_unicode(self.invalid_login_message), "warning")
                return redirect(self.appbuilder.get_url_for_login_with(next_url))
            session.clear()  # a new session: nothing from before the login survives
            login_user(user, remember=False)  # app/auth/sessions.py adds a new sid and the stamp
            return redirect(next_url)
        return self.render_template(self.login_template, title=self.title, form=form,
                                    appbuilder=self.appbuilder)

    @expose("/logout/", methods=["GET", "POST"])
    @no_cache
    def logout(self):
        """GET: a confirmation page; POST with the CSRF token: the session ends on the server
        (app/auth/session_views.py)."""
        from .session_views import logout

        return logout()


class SecurityApi(fab_api.SecurityApi):
    """POST /api/v1/security/login: {"username", "password", "provider": "db"} → {"access_token"};
    401 on wrong credentials; 429 with a Russian message over the attempt limit."""

    @expose("/login", methods=["POST"])
    @safe
    def login(self):
        """Staff log in for a JSON Web Token (app.api.schemas.LoginInput checks the body first).
        ---
        post:
          summary: Log in (staff)
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/LoginInput'}}}
          responses:
            200:
              description: The access token (and a refresh token when asked)
              content: {application/json: {schema: {$ref: '#/components/schemas/LoginOut'}}}
            400: {$ref: '#/components/responses/BadInput'}
            401: {$ref: '#/components/responses/NotLoggedIn'}
            429: {$ref: '#/components/responses/TooMany'}
        """
        from ..api import schemas
        from ..inputs import InvalidInput

        try:
            schemas.load(schemas.LoginInput(), request.get_json(silent=True) if request.is_json else None)
            response = fab_api.SecurityApi.login.__wrapped__(self)
        except InvalidInput as exc:
            return self.response(400, message=exc.message, **({"errors": exc.fields} if exc.fields else {}))
        except TooManyLogins as exc:
            response = self.response(429, message=exc.description)
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        except ServiceUnavailable:  # the attempt counters cannot be reached: no password is checked
            response = self.response(503, message=gettext(
                "The service is temporarily unavailable. Please try again in a few minutes."))
            response.headers["Retry-After"] = "30"
            return response
        if response.status_code == 401:
            return self.response(401, message=gettext("Wrong user name or password."))
        return response


# --------------------------------------------------------------------------- the users' admin
def _role_label(role):
    label = ROLE_LABELS.get(role.name)
    return str(label) if label is not None else role.name


def _roles_query():
    from flask_appbuilder.security.sqla.models import Role

    from ..extensions import db

    return db.session.query(Role).filter(Role.name != roles.PUBLIC).order_by(Role.name)


def _roles_field():
    return QuerySelectMultipleField(
        _l("Roles"), query_func=_roles_query, get_pk_func=lambda role: role.id,
        get_label=_role_label, validators=[DataRequired()], widget=Select2ManyWidget(),
        description=_l("Parents get their role by logging in through Gosuslugi; staff roles are set here."),
    )


def _yes_no(value):
    return gettext("Yes") if value else gettext("No")


def _roles_text(value):
    return ", ".join(_role_label(role) for role in (value or []))


def _date_time(value):
    return value.strftime("%d.%m.%Y %H:%M") if value else "—"


def _count(value):
    return value or 0


def _person(value):
    return str(value) if value else "—"


class UserDBModelView(fab_views.UserDBModelView):
    """«Пользователи» (administrators): staff accounts with passwords, parents from Gosuslugi.
    «Сбросить пароль» and «Активен» (disable/enable) are audited; either ends the sessions."""

    list_title = _l("Users")
    show_title = _l("User")
    add_title = _l("New staff account")
    edit_title = _l("Edit user")
    user_info_title = _l("My account")

    label_columns = {
        "get_full_name": _l("Full name"),
        "first_name": _l("First name"),
        "last_name": _l("Last name"),
        "username": _l("Username"),
        "password": _l("Password"),
        "conf_password": _l("Password again"),
        "active": _l("Active"),
        "email": _l("E-mail"),
        "roles": _l("Roles"),
        "last_login": _l("Last login"),
        "login_count": _l("Logins"),
        "fail_login_count": _l("Failed logins in a row"),
        "created_on": _l("Created"),
        "created_by": _l("Created by"),
        "changed_on": _l("Changed"),
        "changed_by": _l("Changed by"),
    }
    description_columns = {
        "first_name": "",
        "last_name": "",
        "username": _l("Staff log in with this name; Gosuslugi accounts are named esia:…"),
        "active": _l("A disabled account cannot log in, and its open sessions end at once."),
        "email": "",
    }
    formatters_columns = {
        "active": _yes_no,
        "roles": _roles_text,
        "last_login": _date_time,
        "created_on": _date_time,
        "changed_on": _date_time,
        "login_count": _count,
        "fail_login_count": _count,
        "created_by": _person,
        "changed_by": _person,
    }
    list_columns = ["first_name", "last_name", "username", "email", "active", "roles"]
    search_columns = ["first_name", "last_name", "username", "email", "active"]
    add_columns = ["first_name", "last_name", "username", "active", "email", "roles", "password",
                   "conf_password"]
    edit_columns = ["first_name", "last_name", "username", "active", "email", "roles"]
    show_fieldsets = [
        (_l("Account"), {"fields": ["username", "active", "roles", "login_count"]}),
        (_l("Personal data"), {"fields": ["first_name", "last_name", "email"], "expanded": True}),
        (_l("Logins and changes"), {"fields": ["last_login", "fail_login_count", "created_on", "created_by",
                                               "changed_on", "changed_by"], "expanded": False}),
    ]
    user_show_fieldsets = [
        (_l("Account"), {"fields": ["username", "roles", "login_count", "last_login"]}),
        (_l("Personal data"), {"fields": ["first_name", "last_name", "email"], "expanded": True}),
    ]
    validators_columns = {"email": [EmailAddress()]}  # email-validator (app/inputs.py)
    add_form_extra_fields = dict(
        zip(("password", "conf_password"),
            _new_password_fields(_new_account, _l("Password"), _l("Password again"))),
        roles=_roles_field(),
    )
    edit_form_extra_fields = {"roles": _roles_field()}

    @action("resetmypassword", _l("Change password"), "", "fa-lock", multiple=False)
    def resetmypassword(self, item):
        return super().resetmypassword(item)

    @action("resetpasswords", _l("Reset password"), "", "fa-lock", multiple=False)
    def resetpasswords(self, item):
        return super().resetpasswords(item)

    @action("userinfoedit", _l("Edit my name and e-mail"), "", "fa-edit", multiple=False)
    def userinfoedit(self, item):
        return super().userinfoedit(item)

    def pre_update(self, item):
        from sqlalchemy import inspect

        history = inspect(item).attrs.active.history
        if history.has_changes() and not item.active and item.id == getattr(g.user, "id", None):
            from ..extensions import db

            db.session.rollback()
            raise ValueError(gettext("You cannot disable your own account."))
        g._staff_active_changed = history.has_changes()
        super().pre_update(item)

    def post_update(self, item):
        if getattr(g, "_staff_active_changed", False):
            from ..security import audit_user_event

            audit_user_event("disabled" if not item.active else "enabled", item.id)
        super().post_update(item)


def _int(value):
    """?pk=…: None unless a possible row id (a number beyond the database's integers is none)."""
    from ..inputs import optional_id

    return optional_id(value)
