"""The project's Flask-AppBuilder base pieces: the interface with Russian write errors, the
ModelView with FAB's traps closed (docs/fab-notes.md), and the index that sends everyone where they work."""
import re
from urllib.parse import urlencode

from flask import abort, flash, redirect, request, session, url_for
from flask_appbuilder import IndexView, ModelView, expose
from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.hooks import before_request
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.urltools import Stack
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import func, inspect, select
from sqlalchemy import types as sa_types
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from werkzeug.datastructures import MultiDict

from .. import formats, inputs
from ..access import ManagedSchoolFilter, can_manage_school, current_actor, managed_school_ids
from ..extensions import db


MAX_PAGE_SIZE = inputs.MAX_PAGE_SIZE


_ORDER_ARG = re.compile("_oc_(.*)")
_FILTER_ARG = re.compile(r"_flt_(\d+)_(.+)")


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


def _display_format(view, column):
    """The service's one display format (app/formats.py) for a Date, DateTime or Time column
    of the view's model (FAB prints str(value): 2014-07-09, and moments in UTC); None for others."""
    kind = getattr(view.datamodel.list_columns.get(column), "type", None)
    if isinstance(kind, sa_types.DateTime):
        utc, seconds = column not in view.wall_clock_columns, column in view.seconds_columns
        return lambda value: formats.datetime(value, seconds=seconds, utc=utc)
    if isinstance(kind, sa_types.Date):
        return formats.date
    if isinstance(kind, sa_types.Time):
        return formats.time
    return None


class DiaryModelView(ModelView):
    """FAB's ModelView with the traps of docs/fab-notes.md closed:

    - page (`page_<View>`) and page size (`psize_<View>`) arguments are clamped for every view
      before any handler (app.errors: a non-number gave a 500, there was no upper bound on the
      page size); an unknown order column (`_oc_<View>`) is dropped and the browser redirected
      to the clean address;
    - `/action/<name>/<pk>` and `/action_post` answer 404 for an unknown action or row
      instead of a 500, and load their rows through the view's base_filters (FAB's own
      handlers skip them);
    - a school-owned row (a `school_id` column) is written only for a school the user keeps
      (app.access.schools): before the view's own pre_add / pre_update / pre_delete, whatever
      a subclass defines, the school the row will have is checked (FAB's form data skips
      base_filters; a crafted form may name any school);
    - database errors reach the user as a Russian message (DiaryInterface);
    - dates, moments and times show in the service's formats (app/formats.py: 09.07.2014,
      09.07.2014 18:30 in St. Petersburg's time, 18:30) unless the view gives a formatter:
      `wall_clock_columns` are naive local times people typed (not UTC moments),
      `seconds_columns` moments shown with seconds (logs)."""

    max_page_size = MAX_PAGE_SIZE
    wall_clock_columns = ()
    seconds_columns = ()
    school_column = "school_id"
    not_own_school_message = _l("You can only edit the data of your own school.")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # An empty value shows as a dash: FAB would print the English "None".
        columns = set(self.list_columns or []) | set(self.show_columns or [])
        formatters = dict(self.formatters_columns or {})
        self.formatters_columns = {
            column: _dash_for_empty(formatters.get(column) or _display_format(self, column))
            for column in columns | set(formatters)
        }
        for hook in ("pre_add", "pre_update", "pre_delete"):
            setattr(self, hook, self._after_school_check(getattr(self, hook)))

    def update_redirect(self):
        """FAB's back-navigation history, written only when it changes: FAB assigns it on every
        list page, which stored the whole session again at each reload of the clerk's queue."""
        history = Stack(list(session.get("page_history", [])))
        history.push(request.url)
        if history.to_json() != session.get("page_history"):
            session["page_history"] = history.to_json()

    def _after_school_check(self, hook):
        def checked(item):
            self.check_school(item)
            return hook(item)

        return checked

    def check_school(self, item):
        """Refuse (ValueError: FAB flashes it, nothing is saved) a write whose row belongs, or
        would belong, to a school the user does not keep. A clerk's new row without a school
        gets the clerk's school."""
        mapper = inspect(type(item))
        column = self.school_column
        if column not in mapper.columns:
            return
        relation = next((r.key for r in mapper.relationships
                         if any(c.key == column for c in r.local_columns)), None)
        school_id = getattr(item, column)
        if relation is not None:
            # the form sets the relation; the column keeps the old value until the flush
            history = inspect(item).attrs[relation].history
            if history.has_changes():
                school = history.added[0] if history.added else None
                school_id = school.id if school is not None else None
        actor = current_actor()
        ids = managed_school_ids(actor)
        if school_id is None and ids and len(ids) == 1 and not mapper.columns[column].nullable:
            school_id = next(iter(ids))
            if relation is not None:
                setattr(item, relation, db.session.get(mapper.relationships[relation].mapper.class_, school_id))
            else:
                setattr(item, column, school_id)
        if not can_manage_school(actor, school_id):
            raise ValueError(str(self.not_own_school_message))

    @before_request
    def _clean_list_args(self):
        """An unknown order column of this view, or a search filter (`_flt_<index>_<column>`)
        this view does not have, is dropped (the browser is sent to the clean address; FAB would
        answer a 500); page and page size arguments are already clamped for every view
        (app.errors.clean_request_values)."""
        cleaned = MultiDict()
        changed = False
        filters = getattr(self._filters, "_all_filters", {}) if self._filters is not None else {}
        for key, value in request.args.items(multi=True):
            match = _ORDER_ARG.search(key)
            if match and match.group(1) == self.__class__.__name__ and value not in (self.order_columns or []):
                changed = True
                continue
            flt = _FILTER_ARG.fullmatch(key)
            if flt and (len(flt.group(1)) > 3 or int(flt.group(1)) >= len(filters.get(flt.group(2), ()))):
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
        pk = inputs.path_id(pk)
        if self.datamodel.get(pk, self._base_filters) is None:
            abort(404)  # not a row of this user's list
        return super().action(name, pk)

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
            item = self.datamodel.get(pk, self._base_filters) if pk is not None else None
            if item is not None:
                items.append(item)
        return self.actions[name].func(items)


class SchoolOwnedView(DiaryModelView):
    """A screen of school-owned rows (a `school` relation): the list shows the rows of the schools
    the user keeps and the forms offer only those schools (app.access.ManagedSchoolFilter); every
    write is re-checked all the same (DiaryModelView.check_school)."""

    base_filters = [["school_id", ManagedSchoolFilter, None]]
    add_form_query_rel_fields = edit_form_query_rel_fields = {"school": [["id", ManagedSchoolFilter, None]]}


class DiaryIndexView(IndexView):
    """"/" sends everyone where they work: staff to their screens, citizens to the portal."""

    @expose("/")
    def index(self):
        actor = current_actor()
        if actor.is_admin or actor.is_clerk or actor.is_supervisor:
            return redirect(url_for("ApplicationView.list"))
        if actor.is_teacher:
            return redirect(url_for("JournalView.index"))
        if actor.is_staff:
            return redirect(url_for("UserDBModelView.userinfo"))
        if actor.user_id is not None:
            return redirect(url_for("portal.today"))
        return redirect(url_for("portal.landing"))


def row_exists(condition):
    table = condition.left.table
    return db.session.execute(select(func.count()).select_from(table).where(condition)).scalar() > 0
