"""The one password policy for staff accounts, on every path that sets a password: the
administrator's «Новый сотрудник» and «Сбросить пароль», the own «Сменить пароль»
(app/auth/password_views.py), `flask staff create` (app/auth/staff.py create_staff, called by
app/cli.py) and the security manager itself
(app/security.py: add_user / reset_password refuse a weak password whoever calls them).

A new password is refused when it is
- shorter than PASSWORD_MIN_LENGTH (10) or longer than PASSWORD_MAX_LENGTH (128) characters;
- the account's user name, e-mail (or the part before @), first name, last name or patronymic,
  or two of the names run together (case and spaces ignored);
- a common password: the 30,000 most frequent passwords of zxcvbn's list (the `passwords`
  frequency list of the zxcvbn package, from leaked password sets), compared case-insensitively,
  also when typed on the Russian keyboard layout («йцукенгшщз» is «qwertyuiop»).

`problem(...)` returns the Russian reason or None; `check(...)` raises WeakPassword (a ValueError).
"""
from functools import lru_cache

from flask import current_app, has_app_context
from flask_babel import gettext

DEFAULT_MIN_LENGTH = 10
DEFAULT_MAX_LENGTH = 128

# The Russian ЙЦУКЕН layout key by key onto the Latin QWERTY one.
_RU = "йцукенгшщзхъфывапролджэячсмитьбюё"
_EN = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_LAYOUT = str.maketrans(_RU, _EN)


class WeakPassword(ValueError):
    """A new password the policy refuses; str() is the Russian reason."""


def min_length():
    if has_app_context():
        return int(current_app.config.get("PASSWORD_MIN_LENGTH", DEFAULT_MIN_LENGTH))
    return DEFAULT_MIN_LENGTH


def max_length():
    if has_app_context():
        return int(current_app.config.get("PASSWORD_MAX_LENGTH", DEFAULT_MAX_LENGTH))
    return DEFAULT_MAX_LENGTH


@lru_cache(maxsize=1)
def common_passwords():
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def is_common(password):
    word = (password or "").strip().lower()
    return word in common_passwords() or word.translate(_LAYOUT) in common_passwords()


def _personal(username, email, first_name, last_name, middle_name=None):
    values = {username, email, first_name, last_name, middle_name}
    if email and "@" in email:
        values.add(email.split("@", 1)[0])
    names = [name for name in (last_name, first_name, middle_name) if name and str(name).strip()]
    values.update(f"{a}{b}" for a in names for b in names if a is not b)
    if len(names) == 3:
        values.add("".join(names))
        values.add(f"{first_name}{middle_name}{last_name}")
    return {"".join(str(v).split()).lower() for v in values if v and str(v).strip()}


def problem(password, username=None, email=None, first_name=None, last_name=None, middle_name=None):
    """The Russian reason `password` is refused for this account, or None."""
    password = password or ""
    if len(password) < min_length():
        return gettext("The password must be at least %(num)d characters long.", num=min_length())
    if len(password) > max_length():
        return gettext("The password must be at most %(num)d characters long.", num=max_length())
    squeezed = "".join(password.split()).lower()
    if squeezed in _personal(username, email, first_name, last_name, middle_name):
        if username and squeezed == "".join(str(username).split()).lower():
            return gettext("The password must not be the same as the user name.")
        return gettext("The password must not be the name or e-mail address of the account.")
    if is_common(password):
        return gettext("This password is too common: it is among the first ones attackers try. "
                       "Choose another.")
    return None


def check(password, **account):
    """Raise WeakPassword with the Russian reason when the policy refuses `password`."""
    reason = problem(password, **account)
    if reason:
        raise WeakPassword(reason)


def hint():
    return gettext("At least %(num)d characters; not the user name, name or e-mail, not a common "
                   "password.", num=min_length())
