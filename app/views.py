"""Flask-AppBuilder staff screens: the clerk's queue, reception hours, admin screens.

Scope: every list uses base_filters built from app.access; every custom action and every
write re-checks the scope itself (FAB's @action and form writes skip base_filters)."""
from urllib.parse import urlencode

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import IndexView, ModelView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectField, TimeField
from wtforms.validators import DataRequired

from . import workflow
from .access import application_scope, can_manage_school, can_see_application, current_actor
from .extensions import db
from .models import (
    DOCUMENT_TYPES,
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
)
from .workflow.outbox import retry as outbox_retry
from .workflow.rules import normalize_code, roster_candidates


class DiaryIndexView(IndexView):
    """"/" sends everyone where they work: staff to their screens, citizens to the portal."""

    @expose("/")
    def index(self):
        actor = current_actor()
        if actor.is_admin or actor.is_clerk or actor.is_supervisor:
            return redirect(url_for("ApplicationView.list"))
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


class ManagedSlotFilter(BaseFilter):
    name = "managed"
    arg_name = "managed"

    def apply(self, query, value):
        actor = current_actor()
        if actor.is_admin:
            return query
        if actor.is_clerk:
            return query.filter(ReceptionSlot.school_id == actor.school_id)
        return query.filter(ReceptionSlot.id.is_(None))


class ApplicationView(ModelView):
    route_base = "/applications"
    datamodel = SQLAInterface(Application)
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
        "created_at": lambda d: d.strftime("%d.%m.%Y %H:%M") if d else "",
        "verified_at": lambda d: d.strftime("%d.%m.%Y %H:%M") if d else "",
    }
    list_template = "staff/application_list.html"
    show_template = "staff/application_show.html"

    def render_template(self, template, **kwargs):
        kwargs.setdefault("states", ApplicationState)
        kwargs.setdefault("query_text", request.args.get("q", ""))
        kwargs.setdefault("current_state", request.args.get("_flt_3_state", ""))
        return super().render_template(template, **kwargs)

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
        try:
            application = db.session.get(Application, int(pk))
        except (TypeError, ValueError):
            application = None
        if application is None or not can_see_application(current_actor(), application):
            abort(404)
        return application

    def _fire_from_form(self, pk, name, data):
        try:
            workflow.fire(
                name,
                current_actor(),
                int(pk),
                data=data,
                expected_version=request.form.get("version") or None,
            )
        except workflow.NotFound:
            abort(404)
        except workflow.WorkflowError as exc:
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


FLASHES = {
    "verify_passport": _l("The passport check has been recorded."),
    "approve": _l("The application has been approved: the parent will get an e-mail."),
    "reject": _l("The application has been rejected: the parent will get an e-mail with the reason."),
}


def _slot_fields():
    return {
        "weekday": SelectField(
            _l("Day of the week"), choices=[(i, name) for i, name in enumerate(WEEKDAYS)], coerce=int
        ),
        "time_from": TimeField(_l("From"), format="%H:%M", validators=[DataRequired()]),
        "time_to": TimeField(_l("To"), format="%H:%M", validators=[DataRequired()]),
    }


class ReceptionSlotView(ModelView):
    route_base = "/reception-hours"
    datamodel = SQLAInterface(ReceptionSlot)
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
        school_id = item.school_id if item.school_id is not None else getattr(item.school, "id", None)
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


class DistrictView(ModelView):
    route_base = "/districts"
    datamodel = SQLAInterface(District)
    list_title = _l("Districts")
    show_title = _l("District")
    add_title = _l("Add district")
    edit_title = _l("Edit district")
    list_columns = add_columns = edit_columns = show_columns = ["name"]
    search_columns = ["name"]
    label_columns = {"name": _l("Name")}


class SchoolView(ModelView):
    route_base = "/schools"
    datamodel = SQLAInterface(School)
    list_title = _l("Schools")
    show_title = _l("School")
    add_title = _l("Add school")
    edit_title = _l("Edit school")
    list_columns = ["number", "name", "district", "address"]
    add_columns = edit_columns = show_columns = ["number", "name", "district", "address"]
    search_columns = ["number", "name", "district"]
    label_columns = {
        "number": _l("Number"),
        "name": _l("Name"),
        "district": _l("District"),
        "address": _l("Address"),
    }


class StudentView(ModelView):
    route_base = "/roster"
    datamodel = SQLAInterface(Student)
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


class StaffAssignmentView(ModelView):
    route_base = "/staff-assignments"
    datamodel = SQLAInterface(StaffAssignment)
    list_title = _l("Staff assignments")
    show_title = _l("Staff assignment")
    add_title = _l("Assign a staff member")
    edit_title = _l("Edit staff assignment")
    list_columns = add_columns = edit_columns = show_columns = ["user", "school", "district"]
    label_columns = {"user": _l("User"), "school": _l("School"), "district": _l("District")}


class AuditEventView(ModelView):
    route_base = "/audit"
    datamodel = SQLAInterface(AuditEvent)
    base_permissions = ["can_list", "can_show"]
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
    formatters_columns = {"at": lambda d: d.strftime("%d.%m.%Y %H:%M:%S") if d else ""}


class OutboxView(ModelView):
    route_base = "/outbox"
    datamodel = SQLAInterface(OutboxMessage)
    base_permissions = ["can_list", "can_show", "retry"]
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
        "created_at": lambda d: d.strftime("%d.%m.%Y %H:%M:%S") if d else "",
        "next_attempt_at": lambda d: d.strftime("%d.%m.%Y %H:%M:%S") if d else "",
        "sent_at": lambda d: d.strftime("%d.%m.%Y %H:%M:%S") if d else "",
    }

    @action("retry", _l("Retry sending"), _l("Send the selected messages again?"), "fa-repeat")
    def retry(self, items):
        if not current_actor().is_admin:  # actions skip base_filters and checks: re-check
            abort(403)
        items = items if isinstance(items, list) else [items]
        count = 0
        for item in items:
            if item.status == OutboxStatus.FAILED:
                outbox_retry(item)
                count += 1
        db.session.commit()
        flash(gettext("Messages queued again: %(count)s.", count=count), "success")
        self.update_redirect()
        return redirect(self.get_redirect())
