"""Errors of the workflow, each with an HTTP status and a Russian message for the user."""
from flask_babel import gettext


class WorkflowError(Exception):
    status = 400

    def __init__(self, message, fields=None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ValidationFailed(WorkflowError):
    status = 400


class NotAllowed(WorkflowError):
    status = 403


class NotFound(WorkflowError):
    status = 404

    def __init__(self, message=None, fields=None):
        super().__init__(message or gettext("Application not found."), fields)


class IllegalTransition(WorkflowError):
    status = 409


class Conflict(WorkflowError):
    """Someone else changed the application first (concurrent clerks)."""

    status = 409

    def __init__(self, message=None, fields=None):
        super().__init__(message or gettext("The application has already been processed."), fields)
