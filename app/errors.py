"""Error pages: Russian, JSON under /api/, never raw exception text (FAB #2395)."""
import logging

from flask import jsonify, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A refusal the user should read: `status` (400, 403, 404, 409, 413), a Russian `message`
    and, for a form, `fields` {name: message}. Raised anywhere (parsers, workflow, journal,
    invitations); the one handler below answers it."""

    status = 400

    def __init__(self, message=None, fields=None, status=None):
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        if status is not None:
            self.status = status


def _messages():
    return {
        400: gettext("The request could not be processed. Check the data and try again."),
        401: gettext("Log in to continue."),
        403: gettext("You do not have access to this page."),
        404: gettext("The page was not found."),
        405: gettext("This action is not available here."),
        409: gettext("The data has been changed by someone else. Reload the page."),
        413: gettext("The request is too large."),
        429: gettext("Too many attempts. Please wait a little and try again."),
        500: gettext("Something went wrong on our side. Please try again later."),
        503: gettext("The service is temporarily unavailable. Please try again in a few minutes."),
    }


def _render(status):
    message = _messages().get(status, _messages()[500])
    if request.path.startswith("/api/"):
        return jsonify(message=message), status
    return render_template("errors.html", status=status, message=message), status


def register_error_handlers(app):
    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code in (301, 302, 303, 307, 308) or exc.code is None:
            return exc
        return _render(exc.code)

    @app.errorhandler(Exception)
    def unexpected(exc):
        log.exception("unhandled error on %s", request.path)
        from .extensions import db

        db.session.rollback()
        return _render(500)
