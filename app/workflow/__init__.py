"""The application (заявление) workflow: state machine, rules, notifications, outbox."""
from .errors import Conflict, IllegalTransition, NotAllowed, NotFound, ValidationFailed, WorkflowError
from .machine import TRANSITIONS, available_transitions, fire

__all__ = [
    "TRANSITIONS",
    "available_transitions",
    "fire",
    "Conflict",
    "IllegalTransition",
    "NotAllowed",
    "NotFound",
    "ValidationFailed",
    "WorkflowError",
]
