"""Errors of the workflow, each with an HTTP status and a Russian message for the user.

They are the domain errors of app.errors (one type: status, message, fields) that the one error
handler turns into 400/403/404/409 — a view does not catch them to translate them."""
from flask_babel import lazy_gettext as _l

from ..domain_error import DomainError


class WorkflowError(DomainError):
    status = 400


class ValidationFailed(WorkflowError):
    status = 400


class NotAllowed(WorkflowError):
    status = 403


class NotFound(WorkflowError):
    status = 404
    default_message = _l("Application not found.")


class IllegalTransition(WorkflowError):
    status = 409


class Conflict(WorkflowError):
    """Someone else changed the application first (concurrent clerks)."""

    status = 409
    default_message = _l("The application has already been processed.")
