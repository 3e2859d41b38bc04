"""The project's Flask-AppBuilder base pieces: the interface with Russian write errors, the
ModelView with FAB's traps closed (docs/fab-notes.md), and the index that sends everyone where they work."""
import re
from urllib.parse import urlencode

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import IndexView, ModelView, expose
from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.hooks import before_request
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from werkzeug.datastructures import MultiDict

from .. import inputs, roles
from ..access import current_actor
from ..extensions import db


MAX_PAGE_SIZE = inputs.MAX_PAGE_SIZE


_ORDER_ARG = re.compile("_oc_(.*)")


class DiaryInterface(SQLAInterface):
    """SQLAInterface whose write errors carry a Russian message, never the raw database text
    (FAB flashes str(exception) after a failed add: FAB #2395)."""

    @staticmethod
    def _friendly(exc):
        if isinstance(exc, IntegrityError):
            return DatabaseException(gettext(
                "The record was not saved: it duplicates an existing record "
                "or is still used by other records."))
        return DatabaseException(gettext("The record was not saved: database error. Try again later."))

    def add(self, item, commit=True):
        try:
            super().add(item, commit)
        except SQLAlchemyError as exc:
            raise self._friendly(exc) from exc

    def edit(self, item, commit=True):
        try:
            super().edit(item, commit)
        except (SQLAlchemyError, DatabaseException) as exc:
            raise self._friendly(exc.__cause__ or exc) from exc

    def delete(self, item, commit=True):
        try:
            super().delete(item, commit)
        except (SQLAlchemyError, DatabaseException) as exc:
            raise self._friendly(exc.__cause__ or exc) from exc


def _dash_for_empty(formatter=None):
    def format_value(value):
        if value is None or value == "":
            return "—"
        return formatter(value) if formatter else value

    return format_value


class DiaryModelView(ModelView):
    """FAB's ModelView with the traps of docs/fab-notes.md closed:

    - page (`page_<View>`) and page size (`psize_<View>`) arguments are clamped for every view
      before any handler (app.errors: a non-number gave a 500, there was no upper bound on the
      page size); an unknown order column (`_oc_<View>`) is dropped and the browser redirected
      to the clean address;
    - `/action/<name>/<pk>` and `/action_post` answer 404 for an unknown action or row
      instead of a 500 (actions still re-check scope themselves: they skip base_filters);
    - database errors reach the user as a Russian message (DiaryInterface)."""

    max_page_size = MAX_PAGE_SIZE

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # An empty value shows as a dash: FAB would print the English "None".
        columns = set(self.list_columns or []) | set(self.show_columns or [])
        formatters = dict(self.formatters_columns or {})
        self.formatters_columns = {
            column: _dash_for_empty(formatters.get(column)) for column in columns | set(formatters)
        }

    @before_request
    def _clean_list_args(self):
        """An unknown order column of this view is dropped (the browser is sent to the clean
        address); page and page size arguments are already clamped for every view
        (app.errors.clean_request_values)."""
        cleaned = MultiDict()
        changed = False
        for key, value in request.args.items(multi=True):
            match = _ORDER_ARG.search(key)
            if match and match.group(1) == self.__class__.__name__ and value not in (self.order_columns or []):
                changed = True
                continue
            cleaned.add(key, value)
        if not changed:
            return None
        if request.method != "GET":
            abort(400)
        query = urlencode(list(cleaned.items(multi=True)))
        return redirect(request.path + (f"?{query}" if query else ""))

    def _known_action(self, name):
        if name not in self.actions:
            abort(404)

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        self._known_action(name)
        return super().action(name, inputs.path_id(pk))

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        name = request.form.get("action", "")
        self._known_action(name)
        if not self.appbuilder.sm.has_access(
            self.get_action_permission_name(name), self.class_permission_name
        ):
            flash(gettext("You do not have access to this page."), "danger")
            return redirect(url_for(".list"))
        items = []
        for pk in request.form.getlist("rowid"):
            pk = inputs.optional_id(pk)
            item = self.datamodel.get(pk) if pk is not None else None
            if item is not None:
                items.append(item)
        return self.actions[name].func(items)


class DiaryIndexView(IndexView):
    """"/" sends everyone where they work: staff to their screens, citizens to the portal."""

    @expose("/")
    def index(self):
        actor = current_actor()
        if actor.is_admin or actor.is_clerk or actor.is_supervisor:
            return redirect(url_for("ApplicationView.list"))
        if roles.TEACHER in actor.roles:
            return redirect(url_for("JournalView.index"))
        if actor.is_staff:
            return redirect(url_for("UserDBModelView.userinfo"))
        if actor.user_id is not None:
            return redirect(url_for("portal.applications"))
        return redirect(url_for("portal.landing"))


def row_exists(condition):
    table = condition.left.table
    return db.session.execute(select(func.count()).select_from(table).where(condition)).scalar() > 0
