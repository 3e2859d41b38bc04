"""The base of our API classes: the error answers declared once (the one handler in app.errors
gives them: {"message", "errors": {field: message}} in Russian), each endpoint's OpenAPI composed
from shared pieces (`openapi`), the request's JSON and query string parsed by the schemas of
app.api.schemas, the answers shaped by the output schemas (`answer`), and one paginate."""
import copy
import inspect

import yaml
from flask import request
from flask_appbuilder.api import BaseApi
from sqlalchemy import func, select

from .. import inputs
from ..extensions import db
from . import diary_schemas, schemas
from .auth import json_response


def _error(description):
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}


class JsonApi(BaseApi):
    """Reference the answers as {$ref: '#/components/responses/<name>'} in the docstrings."""

    responses = {
        **BaseApi.responses,
        "BadInput": _error("Field errors in Russian: {message, errors: {field: message}}; nothing saved"),
        "NotLoggedIn": _error("Not logged in"),
        "Forbidden": _error("Not allowed"),
        "NotFound": _error("Not found or out of scope"),
        "Conflict": _error("Not possible in the current state, or processed by someone else"),
        "TooMany": _error("Too many failed attempts: wait (Retry-After) and try again"),
    }
    openapi_spec_component_schemas = (
        schemas.ErrorOut, schemas.ApplicationOut, schemas.ApplicationPageOut, schemas.TransitionOut,
        schemas.SchoolListOut, schemas.ApplicationInput, schemas.TransitionInput, schemas.InvitationInput,
        schemas.MessageInput, schemas.ReportOut, schemas.LoginInput, schemas.LoginOut, *diary_schemas.ALL,
    )


def body(schema):
    """The request's JSON object parsed by `schema` (400 with the fields when it does not fit)."""
    data = request.get_json(silent=True) if request.is_json else None
    return schemas.load(schema, data)


def args(schema):
    """The query string parsed by `schema` (the first value of each name)."""
    return schemas.load(schema, request.args.to_dict())


def paginate(query, page, page_size, *order_by):
    """(count, rows) of one page of `query`; page and page size clamped by app.inputs."""
    page, page_size = inputs.page_number(page), inputs.page_size(page_size)
    count = db.session.execute(select(func.count()).select_from(query.subquery())).scalar()
    rows = db.session.execute(
        query.order_by(*order_by).offset((page - 1) * page_size).limit(page_size)).scalars().all()
    return {"count": count, "page": page, "page_size": page_size}, rows


def answer(schema, data, status=200):
    """The JSON answer: `data` (a dict keyed as the JSON is) through its declared output schema,
    which also writes dates and moments as ISO text and lesson times as HH:MM."""
    return json_response(status, schema().dump(data))


# --------------------------------------------------------------------------- OpenAPI
REFUSALS = {400: "BadInput", 401: "NotLoggedIn", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
            429: "TooMany"}  # the error answers of JsonApi.responses


def path_id(name):
    """A row's id in the path (the database's integer)."""
    return {"in": "path", "name": name, "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": schemas.MAX_ID}}


def query_day(name):
    """An optional date in the query string (app.inputs.parse_date: empty means the default)."""
    return {"in": "query", "name": name, "description": "YYYY-MM-DD (empty - the default)",
            "schema": {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "enum": [""]}]}}


PARAMETERS = {"student_id": path_id("student_id"), "invitation_id": path_id("invitation_id"),
              "pk": path_id("pk"), "week": query_day("week"), "from": query_day("from"), "to": query_day("to")}


def _json(schema_name):
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}}


def openapi(method, summary, answers, said, *, params=(), body=None, body_required=True, status=200,
            refusals=()):
    """The OpenAPI of one method of an endpoint, written after `---` into its docstring, where FAB
    reads it (BaseApi.operation_helper: apispec's load_operations_from_docstring). `params`: names
    of PARAMETERS or parameter objects; `answers`: the output schema of the `status` answer, `said`
    its description; `body`: the input schema; `refusals`: the error statuses (REFUSALS). Stack one
    per method, under @expose and the login check (whose functools.wraps copies the docstring)."""
    operation = {"summary": summary}
    if params:
        operation["parameters"] = [PARAMETERS[p] if isinstance(p, str) else p for p in params]
    if body:
        operation["requestBody"] = {**({"required": True} if body_required else {}), "content": _json(body)}
    operation["responses"] = {status: {"description": said, "content": _json(answers)},
                              **{code: {"$ref": f"#/components/responses/{REFUSALS[code]}"} for code in refusals}}

    def decorate(view):
        view.openapi_operations = {**getattr(view, "openapi_operations", {}), method: copy.deepcopy(operation)}
        prose = inspect.cleandoc(view.__doc__ or "").split("\n---")[0]
        view.__doc__ = f"{prose}\n---\n" + yaml.safe_dump(view.openapi_operations, allow_unicode=True,
                                                             sort_keys=False, width=10**6)
        return view

    return decorate
