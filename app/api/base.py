"""The base of our API classes: the error answers declared once (the one handler in app.errors
gives them: {"message", "errors": {field: message}} in Russian), the request's JSON and query
string parsed by the schemas of app.api.schemas, and one paginate."""
from flask import request
from flask_appbuilder.api import BaseApi
from sqlalchemy import func, select

from .. import inputs
from ..extensions import db
from . import diary_schemas, schemas


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


def iso(value):
    """A date or moment as ISO text, None as null."""
    return value.isoformat() if value is not None else None
