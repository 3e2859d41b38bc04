"""Flask-AppBuilder staff screens: the clerk's queue, reception hours, admin screens.

Scope: every list uses base_filters built from app.access; every custom action and every
write re-checks the scope itself (FAB's @action and form writes skip base_filters)."""
import re
from urllib.parse import urlencode

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import IndexView, ModelView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.hooks import before_request
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_appbuilder.urltools import get_order_args, get_page_args, get_page_size_args
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, SelectField, TimeField, ValidationError
from wtforms.validators import DataRequired

from . import inputs, roles, workflow
from .access import application_scope, can_manage_school, can_see_application, current_actor
from .extensions import db
from .inputs import like_prefix
from .localtime import local
from .models import (
    AUDIT_OBJECTS,
    DOCUMENT_TYPES,
    AccessGrant,
    WEEKDAYS,
    Application,
    ApplicationState,
    AuditEvent,
    District,
    OutboxMessage,
    OutboxStatus,
    ReceptionSlot,
    School,
    StaffAssignment,
    Student,
    translated,
)
from .workflow.machine import action_title
from .workflow.outbox import retry as outbox_retry
from .workflow.rules import normalize_code, roster_candidates

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
    """FAB's ModelView with the traps of FAB_NOTES.md closed:

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


class ApplicationScopeFilter(BaseFilter):
    """Rows of Application the current user may see (app.access.application_scope)."""

    name = "scope"
    arg_name = "scope"

    def apply(self, query, value):
        return query.filter(application_scope(current_actor()))


class ManagedSchoolFilter(BaseFilter):
    """Schools whose reception hours the current user may keep."""

    name = "managed"
    arg_name = "managed"

    def apply(self, query, value):
        actor = current_actor()
        if actor.is_admin:
            return query
        if actor.is_clerk:
            return query.filter(School.id == actor.school_id)
        return query.filter(School.id.is_(None))


def own_school_filter(model):
    """A FAB filter on `model.school_id`: the admin sees all, a clerk the own school, others none."""

    class OwnSchool(BaseFilter):
        name = "managed"
        arg_name = "managed"

        def apply(self, query, value):
            actor = current_actor()
            if actor.is_admin:
                return query
            if actor.is_clerk:
                return query.filter(model.school_id == actor.school_id)
            return query.filter(model.id.is_(None))

    OwnSchool.__name__ = f"Own{model.__name__}Filter"
    return OwnSchool


ManagedSlotFilter = own_school_filter(ReceptionSlot)


class ApplicationView(DiaryModelView):
    route_base = "/applications"
    datamodel = DiaryInterface(Application)
    # Applications change only through the workflow: no FAB add/edit/delete/action routes.
    exclude_route_methods = {"add", "edit", "delete", "download", "action", "action_post"}
    base_filters = [["id", ApplicationScopeFilter, None]]
    base_order = ("created_at", "desc")
    base_permissions = ["can_list", "can_show", "can_verify", "can_approve", "can_reject", "can_print"]
    page_size = 25

    list_title = _l("Applications")
    show_title = _l("Application")
    list_columns = ["code", "child_last_name", "child_first_name", "child_birth_date", "school", "state_label", "created_at"]
    show_columns = [
        "code",
        "state_label",
        "school",
        "child_last_name",
        "child_first_name",
        "child_middle_name",
        "child_birth_date",
        "parent",
        "created_at",
        "document_type_label",
        "verified_by",
        "verified_at",
        "student",
        "reason",
    ]
    search_columns = ["code", "child_last_name", "child_first_name", "state", "created_at"]
    order_columns = ["code", "child_last_name", "child_birth_date", "created_at"]
    label_columns = {
        "code": _l("Code"),
        "child_last_name": _l("Last name"),
        "child_first_name": _l("First name"),
        "child_middle_name": _l("Middle name"),
        "child_birth_date": _l("Date of birth"),
        "school": _l("School"),
        "state": _l("State"),
        "state_label": _l("State"),
        "created_at": _l("Submitted"),
        "parent": _l("Parent"),
        "document_type_label": _l("Document checked"),
        "verified_by": _l("Checked by"),
        "verified_at": _l("Checked at"),
        "student": _l("Pupil in the roster"),
        "reason": _l("Reason"),
    }
    formatters_columns = {
        "child_birth_date": lambda d: d.strftime("%d.%m.%Y") if d else "",
        "created_at": local,
        "verified_at": local,
    }
    show_template = "staff/application_show.html"

    def render_template(self, template, **kwargs):
        kwargs.setdefault("states", ApplicationState)
        kwargs.setdefault("query_text", request.args.get("q", ""))
        kwargs.setdefault("current_state", request.args.get("_flt_3_state", ""))
        return super().render_template(template, **kwargs)

    @expose("/list/")
    @has_access
    def list(self):
        """The queue of the own school (app.access.application_scope), filtered by state
        (`_flt_3_state`) and by the beginning of the last name (`_flt_0_child_last_name`, where
        «Найти» sends a name), ordered and paged with FAB's arguments (page_/psize_/_oc_/_od_
        ApplicationView, cleaned by DiaryModelView) — one count and one page query and a compact
        template: FAB's list machinery (filter objects rebuilt for every column at every request,
        its list and search widgets) took 80% of the page's time."""
        name = self.__class__.__name__
        order_column, order_direction = get_order_args().get(name) or self.base_order
        if order_column not in self.order_columns:
            order_column, order_direction = self.base_order
        page = get_page_args().get(name) or 0
        page_size = get_page_size_args().get(name) or self.page_size
        conditions = [application_scope(current_actor())]
        state = request.args.get("_flt_3_state", "")
        if state in ApplicationState.ALL:
            conditions.append(Application.state == state)
        last_name = " ".join(request.args.get("_flt_0_child_last_name", "").split())[:100]
        if last_name:
            conditions.append(Application.child_last_name.ilike(like_prefix(last_name), escape="\\"))
        count = db.session.scalar(select(func.count(Application.id)).where(*conditions))
        column = getattr(Application, order_column)
        rows = db.session.execute(
            select(Application).where(*conditions)
            .order_by(column.desc() if order_direction == "desc" else column.asc(), Application.id.desc())
            .offset(page * page_size).limit(page_size)
        ).scalars().all()
        self.update_redirect()
        return self.render_template(
            "staff/application_queue.html", rows=rows, count=count, page=page, page_size=page_size,
            pages=max(1, -(-count // page_size)), order_column=order_column, order_direction=order_direction,
            title=self.list_title, last_name=last_name, state_labels=translated(ApplicationState.LABELS),
            page_url=lambda **changes: self._queue_url(changes))

    def _queue_url(self, changes):
        name = self.__class__.__name__
        args = MultiDict(request.args)
        for key, value in changes.items():
            key = {"page": f"page_{name}", "order": f"_oc_{name}", "direction": f"_od_{name}"}[key]
            args.setlist(key, [str(value)])
        if "order" in changes:
            args.poplist(f"page_{name}")
        return url_for(".list") + "?" + urlencode(list(args.items(multi=True)))

    @expose("/find")
    @has_access
    @permission_name("list")
    def find(self):
        """The clerk types a code ('7kq4mz') or a surname: a code opens the application."""
        text = " ".join(request.args.get("q", "").split())
        if not text:
            return redirect(url_for(".list"))
        code = normalize_code(text)
        if code:
            application = db.session.execute(
                select(Application).where(
                    Application.code == code, application_scope(current_actor())
                )
            ).scalar_one_or_none()
            if application is not None:
                return redirect(url_for(".show", pk=application.id))
            flash(gettext("No application with the code %(code)s in your queue.", code=code), "warning")
            return redirect(url_for(".list"))
        name = text.split()[0].capitalize()
        return redirect(url_for(".list") + "?" + urlencode({"_flt_0_child_last_name": name, "q": text}))

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        application = self._scoped_or_404(pk)
        actor = current_actor()
        widgets = self._get_show_widget(pk, application)
        self.update_redirect()
        return self.render_template(
            self.show_template,
            pk=pk,
            title=self.show_title,
            widgets=widgets,
            related_views=self._related_views,
            application=application,
            events=application.events,
            transitions=workflow.available_transitions(application, actor),
            document_types=DOCUMENT_TYPES,
            candidates=roster_candidates(application)
            if "approve" in workflow.available_transitions(application, actor)
            else [],
        )

    def _scoped_or_404(self, pk):
        application = db.session.get(Application, inputs.path_id(pk))
        if application is None or not can_see_application(current_actor(), application):
            abort(404)
        return application

    def _fire_from_form(self, pk, name, data):
        application_id = inputs.path_id(pk)
        version = request.form.get("version") or None
        if version is not None:
            version = inputs.integer(version, "version", minimum=1, maximum=2**31 - 1)
        try:
            workflow.fire(name, current_actor(), application_id, data=data, expected_version=version)
        except workflow.WorkflowError as exc:
            if exc.status == 404:
                raise  # answered by app.errors
            # 400 (a field), 403, 409 (already processed): back to the application with the message
            details = "; ".join(str(v) for v in exc.fields.values() if v != exc.message)
            flash(exc.message + (f" {details}" if details else ""), "danger")
            return redirect(url_for(".show", pk=pk))
        flash(str(FLASHES[name]), "success")
        return redirect(url_for(".show", pk=pk))

    @expose("/<pk>/verify", methods=["POST"])
    @has_access
    @permission_name("verify")
    def verify(self, pk):
        return self._fire_from_form(pk, "verify_passport", {"document_type": request.form.get("document_type")})

    @expose("/<pk>/approve", methods=["POST"])
    @has_access
    @permission_name("approve")
    def approve(self, pk):
        return self._fire_from_form(
            pk,
            "approve",
            {"student_id": request.form.get("student_id") or None, "class_name": request.form.get("class_name", "")},
        )

    @expose("/<pk>/reject", methods=["POST"])
    @has_access
    @permission_name("reject")
    def reject(self, pk):
        return self._fire_from_form(pk, "reject", {"reason": request.form.get("reason", "")})

    @expose("/<pk>/print")
    @has_access
    @permission_name("print")
    def print_form(self, pk):
        application = self._scoped_or_404(pk)
        return self.render_template("staff/application_print.html", application=application)


def _exists(condition):
    table = condition.left.table
    return db.session.execute(select(func.count()).select_from(table).where(condition)).scalar() > 0


FLASHES = {
    "verify_passport": _l("The passport check has been recorded."),
    "approve": _l("The application has been approved: the parent will get an e-mail."),
    "reject": _l("The application has been rejected: the parent will get an e-mail with the reason."),
}


def _ends_after_start(form, field):
    start = form.time_from.data if "time_from" in form else None
    if start is not None and field.data is not None and field.data <= start:
        raise ValidationError(gettext("The reception must end after it starts."))


def _slot_fields():
    return {
        "weekday": SelectField(
            _l("Day of the week"), choices=[(i, name) for i, name in enumerate(WEEKDAYS)], coerce=int
        ),
        "time_from": TimeField(_l("From"), format="%H:%M", validators=[DataRequired()]),
        "time_to": TimeField(
            _l("To"), format="%H:%M", validators=[DataRequired(), _ends_after_start]
        ),
    }


class ReceptionSlotView(DiaryModelView):
    route_base = "/reception-hours"
    datamodel = DiaryInterface(ReceptionSlot)
    base_filters = [["id", ManagedSlotFilter, None]]
    base_order = ("weekday", "asc")
    list_title = _l("Reception hours")
    show_title = _l("Reception hours")
    add_title = _l("Add reception hours")
    edit_title = _l("Edit reception hours")
    list_columns = ["school", "weekday_name", "time_from", "time_to", "room", "responsible"]
    add_columns = edit_columns = ["school", "weekday", "time_from", "time_to", "room", "responsible"]
    show_columns = list_columns
    search_columns = ["room", "responsible"]
    add_form_extra_fields = _slot_fields()
    edit_form_extra_fields = _slot_fields()
    add_form_query_rel_fields = {"school": [["id", ManagedSchoolFilter, None]]}
    edit_form_query_rel_fields = add_form_query_rel_fields
    label_columns = {
        "school": _l("School"),
        "weekday": _l("Day of the week"),
        "weekday_name": _l("Day of the week"),
        "time_from": _l("From"),
        "time_to": _l("To"),
        "room": _l("Room"),
        "responsible": _l("Responsible person"),
    }
    formatters_columns = {
        "time_from": lambda t: t.strftime("%H:%M") if t else "",
        "time_to": lambda t: t.strftime("%H:%M") if t else "",
    }

    def _check(self, item):
        actor = current_actor()
        # The form sets the relation; school_id keeps the old value until the flush, so a
        # crafted edit that moves a slot to another school must be judged by item.school.
        school_id = item.school.id if item.school is not None else item.school_id
        if actor.is_clerk and not actor.is_admin:
            if school_id is None:
                item.school_id = actor.school_id
                school_id = actor.school_id
        if not can_manage_school(actor, school_id):
            raise ValueError(gettext("You can only edit the reception hours of your own school."))
        if item.time_from and item.time_to and item.time_from >= item.time_to:
            raise ValueError(gettext("The reception must end after it starts."))

    def pre_add(self, item):
        self._check(item)

    def pre_update(self, item):
        self._check(item)

    def pre_delete(self, item):
        if not can_manage_school(current_actor(), item.school_id):
            raise ValueError(gettext("You can only edit the reception hours of your own school."))


class DistrictView(DiaryModelView):
    route_base = "/districts"
    datamodel = DiaryInterface(District)
    list_title = _l("Districts")
    show_title = _l("District")
    add_title = _l("Add district")
    edit_title = _l("Edit district")
    list_columns = add_columns = edit_columns = show_columns = ["name"]
    search_columns = ["name"]
    label_columns = {"name": _l("Name")}

    def pre_delete(self, item):
        # SQLite does not enforce foreign keys here: refuse instead of leaving orphans.
        if _exists(School.district_id == item.id) or _exists(StaffAssignment.district_id == item.id):
            raise ValueError(gettext("The district still has schools or staff: it cannot be deleted."))


class SchoolView(DiaryModelView):
    route_base = "/schools"
    datamodel = DiaryInterface(School)
    list_title = _l("Schools")
    show_title = _l("School")
    add_title = _l("Add school")
    edit_title = _l("Edit school")
    list_columns = ["number", "name", "district", "address"]
    add_columns = edit_columns = show_columns = ["number", "name", "district", "address", "rankings_enabled"]
    search_columns = ["number", "name", "district"]
    label_columns = {
        "number": _l("Number"),
        "name": _l("Name"),
        "district": _l("District"),
        "address": _l("Address"),
        "rankings_enabled": _l("Families see the pupil's place in the class"),
    }
    formatters_columns = {"rankings_enabled": lambda v: gettext("yes") if v else gettext("no")}
    # FAB makes a non-nullable Boolean "required", so an unticked box would never save.
    add_form_extra_fields = edit_form_extra_fields = {
        "rankings_enabled": BooleanField(_l("Families see the pupil's place in the class"), default=True),
    }

    def pre_delete(self, item):
        if any(
            _exists(condition)
            for condition in (
                Application.school_id == item.id,
                Student.school_id == item.id,
                StaffAssignment.school_id == item.id,
            )
        ):
            raise ValueError(
                gettext("The school still has applications, pupils or staff: it cannot be deleted.")
            )


class StudentView(DiaryModelView):
    route_base = "/roster"
    datamodel = DiaryInterface(Student)
    list_title = _l("Roster")
    show_title = _l("Pupil")
    add_title = _l("Add pupil")
    edit_title = _l("Edit pupil")
    list_columns = ["last_name", "first_name", "middle_name", "birth_date", "class_name", "school"]
    add_columns = edit_columns = show_columns = list_columns
    search_columns = ["last_name", "first_name", "class_name"]
    label_columns = {
        "last_name": _l("Last name"),
        "first_name": _l("First name"),
        "middle_name": _l("Middle name"),
        "birth_date": _l("Date of birth"),
        "class_name": _l("Class"),
        "school": _l("School"),
    }

    def pre_delete(self, item):
        if _exists(Application.student_id == item.id) or _exists(AccessGrant.student_id == item.id):
            raise ValueError(
                gettext("The pupil is linked to applications or parents: they cannot be deleted.")
            )


class StaffAssignmentView(DiaryModelView):
    route_base = "/staff-assignments"
    datamodel = DiaryInterface(StaffAssignment)
    list_title = _l("Staff assignments")
    show_title = _l("Staff assignment")
    add_title = _l("Assign a staff member")
    edit_title = _l("Edit staff assignment")
    list_columns = add_columns = edit_columns = show_columns = ["user", "school", "district"]
    label_columns = {"user": _l("User"), "school": _l("School"), "district": _l("District")}


class AuditEventView(DiaryModelView):
    route_base = "/audit"
    datamodel = DiaryInterface(AuditEvent)
    base_permissions = ["can_list", "can_show"]
    # Append-only: the routes to change it do not exist at all.
    exclude_route_methods = {"add", "edit", "delete", "download", "action", "action_post"}
    base_order = ("id", "desc")
    list_title = _l("Audit log")
    show_title = _l("Audit event")
    list_columns = ["at", "actor_label", "action", "object_type", "object_id", "from_state", "to_state"]
    show_columns = list_columns + ["details"]
    search_columns = ["action", "object_type", "object_id", "actor_label", "at"]
    label_columns = {
        "at": _l("When"),
        "actor_label": _l("Who"),
        "action": _l("Action"),
        "object_type": _l("Object"),
        "object_id": _l("Object ID"),
        "from_state": _l("From"),
        "to_state": _l("To"),
        "details": _l("Details"),
    }
    formatters_columns = {
        "at": lambda d: local(d, "%d.%m.%Y %H:%M:%S"),
        # state codes are shown translated
        "from_state": lambda s: str(ApplicationState.LABELS.get(s, s or "")),
        "to_state": lambda s: str(ApplicationState.LABELS.get(s, s or "")),
        "action": action_title,
        "object_type": lambda t: str(AUDIT_OBJECTS.get(t, t)),
    }


class OutboxView(DiaryModelView):
    route_base = "/outbox"
    datamodel = DiaryInterface(OutboxMessage)
    base_permissions = ["can_list", "can_show", "retry"]
    exclude_route_methods = {"add", "edit", "delete", "download"}
    base_order = ("id", "desc")
    list_title = _l("Outgoing messages")
    show_title = _l("Message")
    list_columns = ["created_at", "recipient", "subject", "status_label", "attempts", "next_attempt_at", "last_error"]
    show_columns = [
        "created_at",
        "recipient",
        "subject",
        "status_label",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
        "body_text",
        "idempotency_key",
    ]
    search_columns = ["status", "recipient", "subject"]
    label_columns = {
        "created_at": _l("Created"),
        "recipient": _l("Recipient"),
        "subject": _l("Subject"),
        "status": _l("Status"),
        "status_label": _l("Status"),
        "attempts": _l("Attempts"),
        "next_attempt_at": _l("Next attempt"),
        "sent_at": _l("Sent"),
        "last_error": _l("Last error"),
        "body_text": _l("Text"),
        "idempotency_key": _l("Idempotency key"),
    }
    formatters_columns = {
        "created_at": lambda d: local(d, "%d.%m.%Y %H:%M:%S"),
        "next_attempt_at": lambda d: local(d, "%d.%m.%Y %H:%M:%S"),
        "sent_at": lambda d: local(d, "%d.%m.%Y %H:%M:%S"),
    }

    @action("retry", _l("Retry sending"), _l("Send the selected messages again?"), "fa-repeat")
    def retry(self, items):
        if not current_actor().is_admin:  # actions skip base_filters and checks: re-check
            abort(403)
        items = items if isinstance(items, list) else [items]
        count = 0
        for item in items:
            if item is not None and item.status == OutboxStatus.FAILED:
                outbox_retry(item)
                count += 1
        db.session.commit()
        flash(gettext("Messages queued again: %(count)s.", count=count), "success")
        self.update_redirect()
        return redirect(self.get_redirect())
