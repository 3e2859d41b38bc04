"""Strings Flask-AppBuilder shows but its own Russian catalogue lacks.

Never imported: `pybabel extract` reads the calls below so that these msgids land in our catalogue
(app/translations/ru), where they get their Russian text. Flask-Babel merges our catalogue over
FAB's, so ours wins wherever both have a msgid.
"""
from flask_babel import lazy_gettext as _l

FAB_GAPS = [
    # CRUD buttons, titles and dialogs
    _l("Add"), _l("Edit"), _l("Delete"), _l("Show"), _l("Detail"), _l("Statistics"),
    _l("Are you sure you want to delete this item?"), _l("Database Error"),
    _l("Cancel"), _l("OK"), _l("Select Value"), _l("Other View"),
    # filters
    _l("Contains (insensitive)"), _l("In"), _l("Not In"), _l("Start with"), _l("Order by"),
    _l("Not a valid choice"),
    # login
    _l("Sign In with "), _l("Sign in using:"), _l("Not authorized"),
    # security screens
    _l("Groups"), _l("List Groups"), _l("Add Group"), _l("Edit Group"), _l("Show Group"),
    _l("Edit User Information"), _l("User information changed"),
    _l("Either select a role or a group"),
    _l("Please use a good password policy,"), _l("Must have at least two capital letters,"),
    _l("The user role on the application,"), _l("The user group on the application,"),
    _l("The user's password for authentication"),
    _l("User(s) exists in the role, cannot delete"), _l("User(s) exists in the group, cannot delete"),
    _l("Your Feature"),
]
