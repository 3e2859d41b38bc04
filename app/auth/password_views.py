"""Staff passwords on FAB's pages, under the one policy of app/auth/passwords.py:
«Сброс пароля» of another account (administrators), «Сменить пароль» (own, asks for the current
password, whose wrong answers count as failed logins: app/auth/attempts.py), and the password
fields of the administrator's «Новый сотрудник» form (app/auth/staff.py). The security manager
(app/security.py) plugs the two views in as `resetpasswordview` and `resetmypasswordview`; the
account's other sessions end at their next request (app/auth/sessions.py)."""
from flask import abort, flash, g, request
from flask_appbuilder._compat import as_unicode
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security import views as fab_views
from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, ValidationError

from ..extensions import db
from ..inputs import optional_id
from ..models import User
from . import passwords
from .attempts import TooManyLogins, begin_attempt


def account_fields(user):
    if user is None:
        return {}
    return {"username": user.username, "email": user.email, "first_name": user.first_name,
            "last_name": user.last_name, "middle_name": getattr(user, "middle_name", None)}


class NewPassword:
    """WTForms validator: the password policy (app/auth/passwords.py) for the account
    `account_of(form)` ({"username", "email", "first_name", "last_name", "middle_name"})."""

    def __init__(self, account_of):
        self.account_of = account_of

    def __call__(self, form, field):
        problem = passwords.problem(field.data, **self.account_of(form))
        if problem:
            raise ValidationError(problem)


def _target_account(form):
    """The account the administrator's reset form is for (?pk=…)."""
    pk = optional_id(request.args.get("pk"))  # None unless a possible row id
    return account_fields(db.session.get(User, pk) if pk is not None else None)


def _own_account(form):
    return account_fields(g.user) if getattr(g, "user", None) is not None else {}


def new_account(form):
    """The account being created in the administrator's «Новый сотрудник» form."""
    return {name: getattr(form, name).data for name in ("username", "email", "first_name", "last_name", "middle_name")
            if hasattr(form, name)}


def new_password_fields(account_of, label=_l("New password"), again=_l("New password again")):
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
        if not (user.password and field.data and check_password_hash(user.password, field.data)):
            raise ValidationError(gettext("The current password is wrong."))
        attempt.succeeded()


class ResetPasswordForm(DynamicForm):
    password, conf_password = new_password_fields(_target_account)


class ChangeOwnPasswordForm(DynamicForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), CurrentPassword()],
                                     widget=BS3PasswordFieldWidget())
    password, conf_password = new_password_fields(_own_account)


class ResetPasswordView(fab_views.ResetPasswordView):
    """«Сброс пароля» of another account (administrators only: `can_this_form_*` on this view).
    The account's sessions end at their next request (app/auth/sessions.py)."""

    form = ResetPasswordForm
    form_title = _l("New password for the account")
    message = _l("The password has been changed. The user's open sessions have ended.")

    def _target(self):
        pk = optional_id(request.args.get("pk"))  # None unless a possible row id
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
