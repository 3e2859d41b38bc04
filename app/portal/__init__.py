"""Thin, phone-first pages for parents (and later pupils and interested persons)."""
from flask import Blueprint, current_app

bp = Blueprint("portal", __name__, template_folder="templates", static_folder="static",
               static_url_path="/portal-static")


@bp.app_context_processor
def _inject_appbuilder():
    # FAB passes `appbuilder` only to templates its own views render; the portal pages and
    # the error pages (rendered with Flask's render_template) need it for login/logout links.
    return {"appbuilder": getattr(current_app, "appbuilder", None)}


from . import routes  # noqa: E402,F401
from . import account  # noqa: E402,F401 - welcome notice, linking an old account
from . import diary, messages, phone, profile, settings  # noqa: E402,F401 - what families read, messages, settings
from . import today  # noqa: E402,F401 - «Сегодня», where families land
