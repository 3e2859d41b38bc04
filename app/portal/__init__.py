"""Thin, phone-first pages for parents (and later pupils and interested persons)."""
from flask import Blueprint

bp = Blueprint("portal", __name__, template_folder="templates", static_folder="static",
               static_url_path="/portal-static")

from . import routes  # noqa: E402,F401
