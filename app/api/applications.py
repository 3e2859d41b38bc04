"""Applications API: scoped list, create (parent), read, transitions. Bodies and query strings are
parsed by app.api.schemas; refusals are domain errors answered by the one handler (app.errors)."""
from flask import request
from flask_appbuilder.api import expose
from flask_babel import gettext
from sqlalchemy import select

from .. import applications_search, inputs, workflow
from ..access import application_scope, current_actor, get_application
from ..models import Application
from ..workflow.transitions import api_transition, api_transitions
from . import schemas
from .auth import api_login_required, uses_bearer_token
from .base import JsonApi, answer, args, body, openapi, paginate
from .schools import reception_hours

def application_json(application, with_history=False):
    data = {
        "id": application.id,
        "code": application.code,
        "state": application.state,
        "state_label": application.state_label,
        "version": application.version,
        "school_id": application.school_id,
        "school": {
            "id": application.school.id,
            "name": application.school.name,
            "reception_hours": reception_hours(application.school),
        },
        "child": {
            "last_name": application.child_last_name,
            "first_name": application.child_first_name,
            "middle_name": application.child_middle_name,
            "birth_date": application.child_birth_date,
        },
        "reason": application.reason,
        "document_type": application.document_type,
        "student_id": application.student_id,
        "created_at": application.created_at,
    }
    if with_history:
        data["history"] = [
            {
                "action": event.action,
                "from": event.from_state,
                "to": event.to_state,
                "at": event.at,
                "actor": event.actor_label,
            }
            for event in application.events
        ]
    return data


class ApplicationsApi(JsonApi):
    resource_name = "applications"
    openapi_spec_tag = "Applications"

    def operation_helper(self, path=None, operations=None, methods=None, func=None, **kwargs):
        """The transitions endpoint's actions and what each does, from the transition records."""
        super().operation_helper(path=path, operations=operations, methods=methods, func=func, **kwargs)
        if func is None or func.__name__ != "transition" or "post" not in operations:
            return
        post = operations["post"]
        offered = api_transitions()
        for parameter in post.get("parameters", []):
            if parameter.get("name") == "name":
                parameter["schema"] = {"type": "string", "enum": [t.name for t in offered]}
        post["description"] = "\n".join(
            f"- `{t.name}` — {t.title} ({', '.join(sorted(t.actors))}): "
            f"{' | '.join(t.sources)} → {t.target}"
            + (f"; body: {', '.join(f.name for f in t.fields)}" if t.fields else "")
            for t in offered
        )

    @expose("/", methods=["GET"])
    @api_login_required
    @openapi("get", "List applications", "ApplicationPageOut", "A page of applications", params=(
        {"in": "query", "name": "page", "schema": {"type": "integer"}, "description": "clamped to 1..100000"},
        {"in": "query", "name": "page_size", "schema": {"type": "integer"}, "description": "clamped to 1..100"},
        {"in": "query", "name": "state", "schema": {"type": "string", "enum": [
            "submitted", "passport_verified", "approved", "notified", "rejected", "withdrawn", "expired"]}},
        {"in": "query", "name": "q", "schema": {"type": "string"}, "description": (
            "a code (7KQ-4MZ, however typed), or the beginning of the child's last name (the first word; % and _ "
            "are letters); at most 100 characters (control characters removed); the clerk's queue searches the "
            "same way")}), refusals=(400, 401))
    def list_applications(self):
        """Applications the caller may see (parent: own; clerk: own school; supervisor: district)."""
        asked = args(schemas.ApplicationListArgs())
        query = select(Application).where(application_scope(current_actor()))
        if asked.get("state"):
            query = query.where(Application.state == asked["state"])
        found = applications_search.condition(asked.get("q"))  # the clerk's queue searches the same way
        if found is not None:
            query = query.where(found)
        page, rows = paginate(query, asked.get("page"), asked.get("page_size"),
                              Application.created_at.desc(), Application.id.desc())
        return answer(schemas.ApplicationPageOut, {**page, "result": [application_json(a) for a in rows]})

    @expose("/", methods=["POST"])
    @api_login_required
    @openapi("post", "Submit an application", "ApplicationOut", "Created", body="ApplicationInput", status=201,
             refusals=(400, 401, 403))
    def create_application(self):
        """Submit an application (parent)."""
        data = body(schemas.ApplicationInput())
        created = workflow.fire("submit", current_actor(), data=data,
                                then=lambda application: application_json(application, with_history=True))
        return answer(schemas.ApplicationOut, created, status=201)

    @expose("/<int:pk>", methods=["GET"])
    @api_login_required
    @openapi("get", "Get an application", "ApplicationOut", "The application", params=("pk",), refusals=(401, 404))
    def get_application(self, pk):
        """One application with its history."""
        application = get_application(current_actor(), inputs.path_id(pk))
        if application is None:
            raise workflow.NotFound()
        return answer(schemas.ApplicationOut, application_json(application, with_history=True))

    @expose("/<int:pk>/transitions/<name>", methods=["POST"])
    @api_login_required
    @openapi("post", "Change the state of an application", "TransitionOut", "The new state", params=(
        "pk", {"in": "path", "name": "name", "required": True, "schema": {"type": "string"}}),
        body="TransitionInput", body_required=False, refusals=(400, 401, 403, 404, 409))
    def transition(self, pk, name):
        """Perform a transition (the actions are the records of app.workflow.transitions offered to
        the API: see operation_helper, which lists them in the OpenAPI description)."""
        if request.is_json or request.get_data() or request.mimetype or not uses_bearer_token():
            # Writes must be JSON: a cross-site form post or fetch is never JSON without a
            # CORS preflight, which is this API's CSRF guard for browser sessions. Only a
            # caller with a bearer token may send no body at all, meaning {}.
            data = body(schemas.TransitionInput())
        else:
            data = {}
        pk = inputs.path_id(pk)
        if api_transition(name) is None:  # unknown, or not offered to the API (expire, mark_notified…)
            raise workflow.NotFound(gettext("Unknown action: %(name)s.", name=name))
        done = workflow.fire(name, current_actor(), pk, data=data, expected_version=data.get("version"),
                             then=lambda application: {"id": application.id, "state": application.state,
                                                       "state_label": application.state_label,
                                                       "version": application.version})
        return answer(schemas.TransitionOut, done)
