"""Who may open the family pages: `citizen_required`, the one gate of every portal page that
needs a logged-in parent (or pupil, or interested person) who came through Gosuslugi."""
from functools import wraps

from flask import flash, redirect, url_for
from flask_babel import gettext

from ..access import current_actor


def citizen_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        actor = current_actor()
        if actor.user_id is None:
            return redirect(url_for("portal.landing"))
        if not actor.is_parent:
            flash(gettext("This section is for parents who logged in through Gosuslugi."), "warning")
            return redirect(url_for("portal.landing"))
        return view(*args, **kwargs)

    return wrapper
