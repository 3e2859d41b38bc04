"""The application (заявление) workflow: state machine, rules, notifications, outbox."""
from .errors import Conflict, IllegalTransition, NotAllowed, NotFound, ValidationFailed, WorkflowError
from .machine import available_transitions, fire, offered
from .transitions import API, PORTAL, STAFF, TRANSITIONS, Transition

__all__ = [
    "API",
    "PORTAL",
    "STAFF",
    "TRANSITIONS",
    "Transition",
    "available_transitions",
    "fire",
    "offered",
    "Conflict",
    "IllegalTransition",
    "NotAllowed",
    "NotFound",
    "ValidationFailed",
    "WorkflowError",
]
