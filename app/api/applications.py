"""Applications API: scoped list, create (parent), read, transitions."""
from flask import request
from flask_appbuilder.api import BaseApi, expose
from flask_babel import gettext
from sqlalchemy import func, select

from .. import workflow
from ..access import application_scope, can_see_application, current_actor
from ..extensions import db
from ..models import Application, ApplicationState
from ..workflow.rules import normalize_code
from .auth import api_error, api_login_required, json_body, json_response, uses_bearer_token
from .schools import reception_hours

MAX_PAGE_SIZE = 100
MAX_PAGE = 1_000_000  # beyond this the offset overflows the database's integer
# Expected JSON types of the transitions' fields (the workflow gets only what fits).
TRANSITION_FIELDS = {
    "document_type": (str,),
    "reason": (str,),
    "student_id": (int, type(None)),
    "class_name": (str,),
    "version": (int, type(None)),
}


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
            "birth_date": application.child_birth_date.isoformat(),
        },
        "reason": application.reason,
        "document_type": application.document_type,
        "student_id": application.student_id,
        "created_at": application.created_at.isoformat(),
    }
    if with_history:
        data["history"] = [
            {
                "action": event.action,
                "from": event.from_state,
                "to": event.to_state,
                "at": event.at.isoformat(),
                "actor": event.actor_label,
            }
            for event in application.events
        ]
    return data


def _error(exc):
    return api_error(exc.status, exc.message, exc.fields)


class ApplicationsApi(BaseApi):
    resource_name = "applications"
    openapi_spec_tag = "Applications"

    @expose("/", methods=["GET"])
    @api_login_required
    def list_applications(self):
        """Applications the caller may see (parent: own; clerk: own school; supervisor: district).
        ---
        get:
          summary: List applications
          parameters:
          - {in: query, name: page, schema: {type: integer, minimum: 1}}
          - {in: query, name: page_size, schema: {type: integer, maximum: 100}}
          - {in: query, name: state, schema: {type: string}}
          - {in: query, name: q, description: code or child's last name, schema: {type: string}}
          responses:
            200: {description: A page of applications}
            401: {description: Not logged in}
        """
        query = select(Application).where(application_scope(current_actor()))
        state = request.args.get("state")
        if state:
            if state not in ApplicationState.ALL:
                return api_error(400, gettext("Unknown state."), {"state": gettext("Unknown state.")})
            query = query.where(Application.state == state)
        text = (request.args.get("q") or "").strip()
        if text:
            code = normalize_code(text)
            if code:
                query = query.where(Application.code == code)
            else:
                query = query.where(Application.child_last_name.ilike(text.capitalize() + "%"))
        try:
            page = min(max(int(request.args.get("page", 1)), 1), MAX_PAGE)
            page_size = min(max(int(request.args.get("page_size", 25)), 1), MAX_PAGE_SIZE)
        except ValueError:
            return api_error(400, gettext("Page and page size must be numbers."))
        count = db.session.execute(select(func.count()).select_from(query.subquery())).scalar()
        rows = db.session.execute(
            query.order_by(Application.created_at.desc(), Application.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        ).scalars().all()
        return json_response(200, {
            "count": count,
            "page": page,
            "page_size": page_size,
            "result": [application_json(a) for a in rows],
        })

    @expose("/", methods=["POST"])
    @api_login_required
    def create_application(self):
        """Submit an application (parent).
        ---
        post:
          summary: Submit an application
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [school_id, child]
                  properties:
                    school_id: {type: integer}
                    child:
                      type: object
                      required: [last_name, first_name, birth_date]
                      properties:
                        last_name: {type: string}
                        first_name: {type: string}
                        middle_name: {type: string}
                        birth_date: {type: string, format: date}
          responses:
            201: {description: Created}
            400: {description: Field errors}
            401: {description: Not logged in}
            403: {description: Not a parent}
        """
        data = json_body()
        if data is None:
            return api_error(400, gettext("Send a JSON object."))
        try:
            application = workflow.fire("submit", current_actor(), data=data)
        except workflow.WorkflowError as exc:
            return _error(exc)
        return json_response(201, application_json(application, with_history=True))

    @expose("/<int:pk>", methods=["GET"])
    @api_login_required
    def get_application(self, pk):
        """One application with its history.
        ---
        get:
          summary: Get an application
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200: {description: The application}
            404: {description: Not found or out of scope}
        """
        application = db.session.get(Application, pk)
        if application is None or not can_see_application(current_actor(), application):
            return api_error(404, gettext("Application not found."))
        return json_response(200, application_json(application, with_history=True))

    @expose("/<int:pk>/transitions/<name>", methods=["POST"])
    @api_login_required
    def transition(self, pk, name):
        """Perform a transition: verify_passport, approve, reject, withdraw.
        ---
        post:
          summary: Change the state of an application
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: path, name: name, required: true, schema: {type: string, enum: [verify_passport, approve, reject, withdraw]}}
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    document_type: {type: string, enum: [passport_rf, other]}
                    student_id: {type: integer}
                    reason: {type: string}
                    version: {type: integer, description: optional optimistic-lock check}
          responses:
            200: {description: The new state}
            400: {description: Field errors}
            403: {description: Not allowed}
            404: {description: Not found or out of scope}
            409: {description: Illegal transition or processed by someone else}
        """
        data = json_body()
        if data is None:
            # Writes must be JSON: a cross-site form post or fetch is never JSON without a
            # CORS preflight, which is this API's CSRF guard for browser sessions. Only a
            # caller with a bearer token may send no body at all, meaning {}.
            if request.get_data() or request.mimetype or not uses_bearer_token():
                return api_error(400, gettext("Send a JSON object."))
            data = {}
        if name not in workflow.TRANSITIONS or name in ("submit", "expire", "mark_notified"):
            return api_error(404, gettext("Unknown action: %(name)s.", name=name))
        errors = {
            field: gettext("Wrong type of value.")
            for field, types in TRANSITION_FIELDS.items()
            if field in data and (not isinstance(data[field], types) or isinstance(data[field], bool))
        }
        if errors:
            return api_error(400, gettext("Check the highlighted fields."), errors)
        try:
            application = workflow.fire(
                name, current_actor(), pk, data=data, expected_version=data.get("version")
            )
        except workflow.WorkflowError as exc:
            return _error(exc)
        return json_response(200, {
            "id": application.id,
            "state": application.state,
            "state_label": application.state_label,
            "version": application.version,
        })
