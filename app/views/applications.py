"""The clerk's queue and the application page: transitions only through app.workflow."""
from urllib.parse import urlencode

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_appbuilder.urltools import get_order_args, get_page_args, get_page_size_args
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from .. import applications_search, inputs, workflow
from ..access import ApplicationScopeFilter, application_scope, current_actor, get_application
from ..errors import shown_on_page
from ..extensions import db
from ..models import Application, ApplicationState, AuditActor
from ..workflow.transitions import STAFF, by_path, offered_in
from .base import DiaryInterface, DiaryModelView


class ApplicationView(DiaryModelView):
    route_base = "/applications"
    datamodel = DiaryInterface(Application)
    # Applications change only through the workflow: no FAB add/edit/delete/action routes.
    exclude_route_methods = {"add", "edit", "delete", "download", "action", "action_post"}
    base_filters = [["id", ApplicationScopeFilter, None]]
    base_order = ("created_at", "desc")
    # the staff forms' permissions are named by the transition records (can_verify, can_approve, …)
    base_permissions = ["can_list", "can_show", "can_print",
                        *dict.fromkeys(t.staff_permission for t in offered_in(STAFF))]
    page_size = 25

    list_title = _l("Applications")
    show_title = _l("Application")
    list_columns = ["code", "child_last_name", "child_first_name", "child_birth_date", "school", "state_label", "created_at"]
    show_columns = [
        "code",
        "state_label",
        "school",
        "child_full_name",
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
        "child_full_name": _l("Pupil's full name"),
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
    show_template = "staff/application_show.html"

    def render_template(self, template, **kwargs):
        kwargs.setdefault("states", ApplicationState)
        kwargs.setdefault("actors", AuditActor)
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
        last_name, by_name = applications_search.last_name_filter(request.args.get("_flt_0_child_last_name"))
        if by_name is not None:
            conditions.append(by_name)
        count = db.session.scalar(select(func.count(Application.id)).where(*conditions))
        column = getattr(Application, order_column)
        rows = db.session.execute(
            select(Application).where(*conditions)
            .order_by(column.desc() if order_direction == "desc" else column.asc(), Application.id.desc())
            .offset(page * page_size).limit(page_size)
        ).scalars().all()
        self.update_redirect()
        base = url_for(".list")
        return self.render_template(
            "staff/application_queue.html", rows=rows, count=count, page=page, page_size=page_size,
            pages=max(1, -(-count // page_size)), order_column=order_column, order_direction=order_direction,
            title=self.list_title, last_name=last_name, state_labels=ApplicationState.labels(),
            page_url=lambda **changes: self._queue_url(base, changes))

    def _queue_url(self, base, changes):
        """The queue's URL (`base`, built once per page) with this request's arguments and `changes`."""
        name = self.__class__.__name__
        args = MultiDict(request.args)
        for key, value in changes.items():
            key = {"page": f"page_{name}", "order": f"_oc_{name}", "direction": f"_od_{name}"}[key]
            args.setlist(key, [str(value)])
        if "order" in changes:
            args.poplist(f"page_{name}")
        return base + "?" + urlencode(list(args.items(multi=True)))

    @expose("/find")
    @has_access
    @permission_name("list")
    def find(self):
        """The clerk types a code ('7kq4mz') or a surname (app.applications_search, the API's
        search too): a code opens the application, a surname lists the queue's matches."""
        search = applications_search.parse(request.args.get("q"))
        if not search:
            return redirect(url_for(".list"))
        if search.code:
            application = db.session.execute(
                select(Application).where(search.condition(), application_scope(current_actor()))
            ).scalar_one_or_none()
            if application is not None:
                return redirect(url_for(".show", pk=application.id))
            flash(gettext("No application with the code %(code)s in your queue.", code=search.code), "warning")
            return redirect(url_for(".list"))
        return redirect(url_for(".list") + "?" + urlencode({"_flt_0_child_last_name": search.surname,
                                                            "q": search.text}))

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
            offered=workflow.offered(application, actor, STAFF),
        )

    def _scoped_or_404(self, pk):
        application = get_application(current_actor(), inputs.path_id(pk))
        if application is None:
            abort(404)
        return application

    def _fire_from_form(self, pk, name, data):
        application_id = inputs.path_id(pk)
        version = request.form.get("version") or None
        if version is not None:
            version = inputs.integer(version, "version", minimum=1, maximum=2**31 - 1)
        # 400 (a field), 403, 409 (already processed): back to the application with the message
        with shown_on_page(flashed=True):
            workflow.fire(name, current_actor(), application_id, data=data, expected_version=version)
            flash(str(workflow.TRANSITIONS[name].flash), "success")
        return redirect(url_for(".show", pk=pk))

    @expose("/<pk>/<path>", methods=["GET", "POST"])
    @has_access
    @permission_name("show")
    def transition(self, pk, path):
        """The staff form of a transition record (app.workflow.transitions) that is offered on this
        screen: /applications/<id>/verify, …/approve, …/reject. Beyond seeing applications, the
        record's permission (can_verify, …) is needed; fire() re-checks scope and state.
        GET is routed only to say 404 for a path that names no transition, 405 for one that does."""
        transition = by_path(STAFF, path)
        if transition is None:
            abort(404)
        if request.method != "POST":
            abort(405, valid_methods=["POST"])
        if not self.appbuilder.sm.has_access(transition.staff_permission, self.class_permission_name):
            abort(403)
        return self._fire_from_form(pk, transition.name, transition.form_data(request.form))

    @expose("/<pk>/print")
    @has_access
    @permission_name("print")
    def print_form(self, pk):
        application = self._scoped_or_404(pk)
        return self.render_template("staff/application_print.html", application=application)
