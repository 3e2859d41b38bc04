"""Error pages: Russian, JSON under /api/, never raw exception text (FAB #2395).

A refusal (app.domain_error.DomainError: status, Russian message, fields) is answered in one of
two ways, never translated by hand at the place it is caught:
- `answer`, the one error handler: the Russian error page, or JSON under /api/;
- `shown_on_page`, for a form page that shows the refusal itself — the form again with the message
  and the fields marked, in the refusal's status, or (flashed=True) the message flashed on the page
  the person is sent back to."""
import logging

import os
import re
from contextlib import contextmanager

from flask import abort, current_app, flash, jsonify, render_template, request
from markupsafe import escape
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from .domain_error import DomainError

log = logging.getLogger(__name__)


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


def _database_unavailable(exc):
    """The database cannot be reached (stopped, network, pool exhausted): 503, not a 500."""
    from sqlalchemy import exc as sa

    if isinstance(exc, (sa.OperationalError, sa.InterfaceError, sa.DisconnectionError, sa.TimeoutError)):
        return True
    try:
        import psycopg2
    except ImportError:  # pragma: no cover - psycopg2 is a dependency
        return False
    return isinstance(exc, (psycopg2.OperationalError, psycopg2.InterfaceError))


def _bad_value(exc):
    """Input the database or Python arithmetic refused: NUL in a string on PostgreSQL, a number
    beyond the column (DataError), an int beyond SQLite's or a date beyond the calendar
    (OverflowError) — answered 400, never with the raw exception text."""
    from sqlalchemy import exc as sa

    if isinstance(exc, sa.StatementError) and exc.orig is not None and not isinstance(exc, sa.DBAPIError):
        return _bad_value(exc.orig)
    if isinstance(exc, (sa.DataError, OverflowError)):
        return True
    return isinstance(exc, ValueError) and "NUL (0x00)" in str(exc)


def _page(status, message, fields=None):
    try:
        return render_template("errors.html", status=status, message=message, fields=fields or {})
    except Exception:  # noqa: BLE001 - the page itself may need what is down (the user, the session)
        log.warning("error page for %s could not be rendered; plain text instead", status, exc_info=True)
        return escape(message)


def _render(status, message=None, fields=None):
    from flask import g

    g.error_answered = True
    message = message or _messages().get(status, _messages()[500])
    headers = {}
    if status == 503:
        headers["Retry-After"] = str(current_app.config.get("RETRY_AFTER_SECONDS", 30))
    if wants_json():
        body = {"message": message}
        if fields:
            body["errors"] = fields
        return jsonify(body), status, headers
    return _page(status, message, fields), status, headers


def wants_json():
    """JSON under /api/ and for the pages' own JSON calls (the journal's cells); HTML elsewhere."""
    if request.path.startswith("/api/") or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _without_database():
    """The page about the outage must not need the database itself: no session when it could not
    be read (server-side sessions), an anonymous user (no user loader query)."""
    from flask import g
    from flask.globals import request_ctx
    from flask.sessions import SecureCookieSession

    ctx = request_ctx._get_current_object()
    if getattr(ctx, "_session", None) is None:
        ctx._session = SecureCookieSession()  # in memory for this answer only
    login_manager = getattr(current_app, "login_manager", None)
    if login_manager is not None and "_login_user" not in g:
        g._login_user = login_manager.anonymous_user()


def _rollback():
    from .extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone
        log.debug("rollback failed", exc_info=True)


# What a person can act on from the form itself: a field (400), a right they lack (403), someone
# else's change or a state that moved on (409). Anything else — 404 above all — is the error page.
FORM_STATUSES = (400, 403, 409)


class Refused:
    """The refusal a form page shows (see `shown_on_page`); false while nothing was refused."""

    def __init__(self):
        self.error = None

    def __bool__(self):
        return self.error is not None

    @property
    def message(self):
        return self.error.message if self.error is not None else None

    @property
    def fields(self):
        return {k: str(v) for k, v in self.error.fields.items()} if self.error is not None else {}

    @property
    def status(self):
        """The status of the page that shows the refusal (200 while there is none)."""
        return self.error.status if self.error is not None else 200

    @property
    def text(self):
        """The message with the fields' own messages, for a flash that has no fields to mark."""
        if self.error is None:
            return None
        details = [v for v in self.fields.values() if v and v != self.message]
        message = self.message or _messages().get(self.status, _messages()[400])
        return " ".join([message, "; ".join(details)]) if details else message


@contextmanager
def shown_on_page(statuses=FORM_STATUSES, flashed=False):
    """`with shown_on_page() as refused:` around a form's action. A DomainError whose status is
    in `statuses` is kept in `refused` (message, fields, status) for the page to show, after the
    same rollback as the handler's — nothing of the action is saved; with `flashed` its text is
    flashed too (a page that redirects back, like the staff application page). Any other error
    (a 404: not one's own, not there) goes on to the one handler, `answer`."""
    refused = Refused()
    try:
        yield refused
    except DomainError as exc:
        if exc.status not in statuses:
            raise
        _rollback()
        refused.error = exc
        if flashed:
            flash(refused.text, "danger")


def answer(exc):
    """The response for any exception: domain errors with their status and Russian message,
    HTTP errors with ours, database trouble as 503 / bad values as 400, the rest 500."""
    if isinstance(exc, DomainError):
        _rollback()
        return _render(exc.status, exc.message, {k: str(v) for k, v in exc.fields.items()})
    if isinstance(exc, HTTPException):
        original = getattr(exc, "original_exception", None)
        if original is not None and original is not exc:
            return answer(original)
        if exc.code in (301, 302, 303, 307, 308) or exc.code is None:
            return exc
        return _render(exc.code)
    _rollback()
    if _database_unavailable(exc):
        log.error("database unavailable on %s: %s", request.path, exc.__class__.__name__)
        _without_database()
        return _render(503)
    if _bad_value(exc):
        log.info("refused input on %s: %s", request.path, exc.__class__.__name__)
        return _render(400)
    log.error("unhandled error on %s", request.path, exc_info=exc)
    return _render(500)


def clean_request_values():
    """Before every view: NUL and other control characters are stripped from the query string and
    from form fields (app.inputs.clean), so no view, ours or FAB's, ever stores or queries them."""
    from .inputs import clean
    from werkzeug.datastructures import ImmutableMultiDict

    def cleaned(values):
        if not any(_dirty(k) or _dirty(v) for k, v in values.items(multi=True)):
            return None
        return ImmutableMultiDict([(clean(k), clean(v)) for k, v in values.items(multi=True)])

    if request.endpoint and request.endpoint.endswith(".download"):
        abort(404)  # FAB's /<view>/download/<file>: no screen of ours stores files
    args = cleaned(request.args)
    if args is not None:
        request.args = args
    paging = _paging(request.args)
    if paging is not None:
        request.args = ImmutableMultiDict(paging)
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = cleaned(request.form)
        if form is not None:
            request.form = form
    elif request.is_json and not request.path.startswith("/api/") and \
            not (request.endpoint or "").startswith(_JSON_PAGE_ENDPOINTS):
        _json_as_form()


# Pages (not the API) that read a JSON body themselves and check it (the journal's cell writes).
_JSON_PAGE_ENDPOINTS = ("JournalView.",)


def _json_as_form():
    """Flask-WTF takes a JSON body as the form when a page gets no form fields: a list, an object
    or a number where a form field expects text was a 500 in FAB's add/edit screens and the login
    form. A page takes JSON only as flat text fields (cleaned like a form), or it is a 400."""
    from .inputs import InvalidInput, clean
    from werkzeug.datastructures import ImmutableMultiDict

    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in body.items()):
        raise InvalidInput(message=gettext("Fill in the form on the page and send it again."))
    request.form = ImmutableMultiDict([(clean(k), clean(v)) for k, v in body.items()])


# FAB reads every argument whose name merely contains "page_" / "psize_" (re.findall) and int()s
# it: on its screens "page_size=x" or "log_page_x=y" was a 500. Our API validates its own
# page/page_size (a 400 there), so under /api/ only FAB's view-named arguments are touched.
_PAGING_ARG = re.compile(r"(page|psize)_")
_API_PAGING_ARG = re.compile(r"^(page|psize)_[A-Z]")


def _paging(values):
    """FAB's page_<View> / psize_<View>: a non-number is dropped (FAB int()s it: a 500), a
    number is clamped (a negative page or a huge size broke the query)."""
    from .inputs import MAX_PAGE, MAX_PAGE_SIZE, _as_int

    pattern = _API_PAGING_ARG.match if request.path.startswith("/api/") else _PAGING_ARG.search
    result, changed = [], False
    for key, value in values.items(multi=True):
        match = pattern(key)
        if match:
            number = _as_int(value)
            low, high = (0, MAX_PAGE) if match.group(1) == "page" else (1, MAX_PAGE_SIZE)
            if number is None:
                changed = True
                continue
            clamped = str(max(low, min(number, high)))
            changed |= clamped != value
            value = clamped
        result.append((key, value))
    return result if changed else None


def check_path_ids(endpoint, view_args):
    """Before every view: an id in the path (`<int:…>` or FAB's `<pk>`) that no row can have — 0,
    negative, beyond the 32-bit primary keys, not a number for `pk` — is 404, not a database
    error."""
    from .inputs import path_id

    for name, value in (view_args or {}).items():
        if isinstance(value, int) and not isinstance(value, bool):
            path_id(value)
        elif name == "pk" and isinstance(value, str):
            path_id(value)


def check_action_name(endpoint, view_args):
    """FAB's `/<view>/action/<name>/<pk>` and `/<view>/action_post` look the action up with
    `self.actions.get(name)` and call `.func` on the result: an unknown name (or none) was a 500,
    even for an anonymous visitor; its chart views int() or index `/chart/<group_by>`. Unknown or
    missing names are 404 before the view runs."""
    from flask import request
    from werkzeug.exceptions import NotFound as HttpNotFound

    if not endpoint or not endpoint.endswith((".action", ".action_post", ".chart")):
        return
    view_endpoint = endpoint.rsplit(".", 1)[0]
    appbuilder = getattr(current_app, "appbuilder", None)
    view = next((v for v in getattr(appbuilder, "baseviews", ()) if getattr(v, "endpoint", None) == view_endpoint),
                None)
    if view is None:
        return
    if endpoint.endswith(".chart"):  # FAB's chart views: /chart/<group_by> int()s or looks it up
        group_by = (view_args or {}).get("group_by")
        if group_by is None:
            return
        definitions = getattr(view, "definitions", None)
        if definitions is not None:
            known = {str(number) for number in range(len(definitions))}
        else:
            known = set(getattr(view, "group_by_columns", ()))
        if group_by not in known:
            raise HttpNotFound()
        return
    if not hasattr(view, "actions"):
        return
    if endpoint.endswith(".action"):
        name = (view_args or {}).get("name")
    else:
        name = request.form.get("action")
    if not name or name not in view.actions:
        raise HttpNotFound()


def _dirty(value):
    from .inputs import has_control

    return isinstance(value, str) and has_control(value)


def _note_database_trouble(context):
    """SQLAlchemy's handle_error event: remember in the request that the database could not be
    reached, for the answers that code we do not own has already turned into a 500 (FAB's REST
    API catches every exception and answers {"message": "Fatal error"})."""
    from flask import g, has_request_context

    if has_request_context() and (context.is_disconnect or _database_unavailable(context.sqlalchemy_exception)
                                  or _database_unavailable(context.original_exception)):
        g.database_unavailable = True


def _replace_fatal_errors(response):
    """A 500 made by FAB (not by us) → 503 when the database was down, else our Russian 500.
    A 401/403 given while the database could not be reached is not the truth either (a bearer
    token whose user could not be loaded): 503."""
    from flask import g

    down = g.get("database_unavailable")
    if response.status_code in (401, 403) and down:
        status = 503
    elif response.status_code != 500 or g.get("error_answered"):
        return response
    else:
        status = 503 if down else 500
    if status == 503:
        _without_database()
    body, status, headers = _render(status)
    answer = current_app.make_response((body, status, headers))
    return answer


def register_error_handlers(app):
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "handle_error", _note_database_trouble):
        event.listen(Engine, "handle_error", _note_database_trouble)
    app.after_request(_replace_fatal_errors)
    app.config.setdefault("UPLOAD_FOLDER", os.path.join(app.instance_path, "uploads", ""))
    app.config.setdefault("IMG_UPLOAD_FOLDER", os.path.join(app.instance_path, "uploads", "img", ""))
    app.url_value_preprocessor(check_path_ids)
    app.url_value_preprocessor(check_action_name)
    app.before_request_funcs.setdefault(None, []).insert(0, clean_request_values)
    app.register_error_handler(HTTPException, answer)
    app.register_error_handler(Exception, answer)
