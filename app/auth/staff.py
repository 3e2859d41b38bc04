"""Staff accounts: the administrator's «Пользователи» (FAB's user screens in Russian; disabling
and enabling audited, either ends the account's sessions) and `create_staff`, the one way an
account with a staff role, its password and its school or district are made (`flask staff create`,
the demo data).

The other staff-login pieces, one module each, plugged into FAB by the security manager
(app/security.py: `authdbview`, `security_api`, `userdbmodelview`, `resetpasswordview`,
`resetmypasswordview`):
- app/auth/login.py — AuthDBView (/login/) and SecurityApi (POST /api/v1/security/login);
- app/auth/attempts.py — the limit of failed logins (429 «Слишком много попыток входа…»);
- app/auth/password_views.py — «Сброс пароля», «Сменить пароль», the new account's password
  fields, under the one policy of app/auth/passwords.py;
- app/auth/audit.py — the audit events of accounts.
The classes keep FAB's names on purpose: endpoints (`UserDBModelView.userinfo`) and permission keys
(`resetmypassword` on `UserDBModelView`, `can_this_form_post` on `ResetMyPasswordView`, app/roles.py)
stay what FAB and `flask init` expect. Sessions of an account end at its next request once it is
disabled or its password changes: app/auth/sessions.py.
"""
from flask import current_app, g
from flask_appbuilder.actions import action
from flask_appbuilder.fields import QuerySelectMultipleField
from flask_appbuilder.fieldwidgets import Select2ManyWidget
from flask_appbuilder.security import views as fab_views
from flask_appbuilder.security.sqla.models import Role
from flask_babel import gettext
from flask_babel import lazy_gettext as _l, lazy_pgettext as _lp
from sqlalchemy import inspect, select
from wtforms.validators import DataRequired

from .. import clock, formats, roles
from ..extensions import db
from ..inputs import EmailAddress, InvalidInput, parse_email
from ..models import District, School, StaffAssignment
from . import passwords
from .audit import audit_user_event
from .password_views import new_account, new_password_fields

# FAB's own Russian catalogue has typos or English in these (the «Безопасность» menu); naming the
# msgids here puts them into our catalogue, which is loaded after FAB's and wins.
_FAB_MSGIDS = (
    _l("List Users"), _l("List Roles"), _l("User's Statistics"), _l("Base Permissions"),
    _l("Views/Menus"), _l("Permission on Views/Menus"), _l("Security"), _l("Groups"),
    _l("Failed login count"), _l("Reset Password"), _l("Edit User"), _l("Password Changed"), _l("Profile"),
    _l("The user group on the application, this will associate with a list of roles associated with the group"),
)


# --------------------------------------------------------------------------- the users' admin
def _role_label(role):
    return str(roles.RoleName.label_for(role.name))


def _roles_query():
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
    return formats.datetime(value) if value else "—"  # stored in UTC, shown in St. Petersburg time


def _count(value):
    return value or 0


def _person(value):
    return str(value) if value else "—"


class UserDBModelView(fab_views.UserDBModelView):
    """«Пользователи» (administrators): staff accounts with passwords, parents from Gosuslugi.
    «Сбросить пароль» and «Активна» (disable/enable) are audited; either ends the sessions."""

    list_title = _l("Users")
    show_title = _l("User")
    add_title = _l("New staff account")
    edit_title = _l("Edit user")
    user_info_title = _l("My account")

    label_columns = {
        "get_full_name": _l("Full name"),
        "first_name": _l("First name"),
        "middle_name": _l("Middle name"),
        "last_name": _l("Last name"),
        "username": _l("Username"),
        "password": _l("Password"),
        "conf_password": _l("Password again"),
        "active": _lp("user account", "Active"),
        "email": _l("E-mail"),
        "roles": _l("Roles"),
        "last_login": _l("Last login"),
        "login_count": _l("Logins"),
        "fail_login_count": _l("Failed logins in a row"),
        "created_on": _lp("user account", "Created"),
        "created_by": _lp("user account", "Created by"),
        "changed_on": _lp("user account", "Changed"),
        "changed_by": _lp("user account", "Changed by"),
    }
    description_columns = {
        "first_name": "",
        "middle_name": "",
        "last_name": "",
        "username": _l("Staff log in with this name; Gosuslugi accounts are named esia:…"),
        "active": _l("A disabled account cannot log in, and its open sessions end at once."),
        "email": "",
    }
    formatters_columns = {
        "middle_name": lambda value: value or "—",  # none (NULL) is a dash, not FAB's «None»
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
    # names in the document's order: surname, first name, patronymic (app/names.py)
    list_columns = ["last_name", "first_name", "middle_name", "username", "email", "active", "roles"]
    search_columns = ["last_name", "first_name", "middle_name", "username", "email", "active"]
    add_columns = ["last_name", "first_name", "middle_name", "username", "active", "email", "roles", "password",
                   "conf_password"]
    edit_columns = ["last_name", "first_name", "middle_name", "username", "active", "email", "roles"]
    show_fieldsets = [
        (_l("Account"), {"fields": ["username", "active", "roles", "login_count"]}),
        (_l("Personal data"), {"fields": ["last_name", "first_name", "middle_name", "email"], "expanded": True}),
        (_l("Logins and changes"), {"fields": ["last_login", "fail_login_count", "created_on", "created_by",
                                               "changed_on", "changed_by"], "expanded": False}),
    ]
    user_show_fieldsets = [
        (_l("Account"), {"fields": ["username", "roles", "login_count", "last_login"]}),
        (_l("Personal data"), {"fields": ["last_name", "first_name", "middle_name", "email"], "expanded": True}),
    ]
    validators_columns = {"email": [EmailAddress()]}  # email-validator (app/inputs.py)
    add_form_extra_fields = dict(
        zip(("password", "conf_password"),
            new_password_fields(new_account, _l("Password"), _l("Password again"))),
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
        history = inspect(item).attrs.active.history
        if history.has_changes() and not item.active and item.id == getattr(g.user, "id", None):
            db.session.rollback()
            raise ValueError(gettext("You cannot disable your own account."))
        g._staff_active_changed = history.has_changes()
        super().pre_update(item)
        item.changed_on = clock.utcnow()  # FAB writes the process's local datetime.now()

    def post_update(self, item):
        if getattr(g, "_staff_active_changed", False):
            audit_user_event("disabled" if not item.active else "enabled", item.id)
        super().post_update(item)


def create_staff(username, role_key, password, school_id=None, district_id=None,
                 first_name="", last_name="", email="", middle_name=""):
    """Create the staff account `username` with the role `role_key` (app/roles.py STAFF_ROLES)
    and its place (a school for clerks and teachers, a district for supervisors), or update an
    existing one (new password, this one role, active again). The password follows the one policy
    (app/auth/passwords.py, also enforced by the security manager). Raises ValueError — a
    passwords.WeakPassword among them — with the Russian reason; nothing is saved then."""
    sm = current_app.appbuilder.sm
    role = sm.find_role(roles.STAFF_ROLES[role_key])
    if role is None:
        raise ValueError("Роли не созданы: сначала выполните `flask init`.")
    if role_key in ("clerk", "teacher") and school_id is None:
        raise ValueError("Для ответственного в ОУ и учителя укажите --school ID.")
    if role_key == "supervisor" and district_id is None:
        raise ValueError("Для специалиста района укажите --district ID.")
    if school_id is not None and db.session.get(School, school_id) is None:
        raise ValueError(f"Школа с id={school_id} не найдена.")
    if district_id is not None and db.session.get(District, district_id) is None:
        raise ValueError(f"Район с id={district_id} не найден.")
    user = sm.find_user(username=username)
    try:  # email-validator; without --email the service's own placeholder address
        email = parse_email(email, "email", reserved_ok=True) if email else f"{username}@staff.diary.localhost"
    except InvalidInput:
        raise ValueError("Неверный адрес электронной почты (--email).") from None
    # The one password policy (app/auth/passwords.py): WeakPassword is a ValueError.
    passwords.check(password, username=username, email=email, first_name=first_name or username,
                    last_name=last_name, middle_name=middle_name)
    if user is None:
        user = sm.add_user(username, first_name or username, last_name or "—", email, role, password)
        if not user:
            raise ValueError("Не удалось создать пользователя (имя или e-mail уже заняты).")
        user.middle_name = middle_name or None
    else:
        sm.reset_password(user.id, password)
        user.roles = [role]
        user.active = True
    assignment = db.session.execute(
        select(StaffAssignment).where(StaffAssignment.user_id == user.id)
    ).scalar_one_or_none()
    if assignment is None:
        assignment = StaffAssignment(user_id=user.id)
        db.session.add(assignment)
    assignment.school_id = school_id
    assignment.district_id = district_id
    db.session.commit()
    return user
