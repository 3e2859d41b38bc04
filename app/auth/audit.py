"""The audit of staff and family accounts: password changes and resets, disabling and enabling,
«Выйти на всех устройствах». Written by the security manager (app/security.py), the users'
admin (app/auth/staff.py) and the logout pages (app/auth/session_views.py)."""
from flask import has_request_context

from ..access import current_actor
from ..extensions import db
from ..models import AuditActor, AuditEvent
from . import session_keys


def acting_user():
    """The logged-in actor of this request, or None (the command line, an anonymous request)."""
    if not has_request_context():
        return None
    actor = current_actor()
    return None if actor.user_id is None else actor


def audit_user_event(action, user_id):
    """AuditEvent on a user account (object_type "user"), by the current user (or «flask» from
    the command line): password_reset, password_changed, disabled, enabled, logged_out_everywhere.
    All but «enabled» give the account a new session secret: its sessions and API tokens end."""
    actor = acting_user()
    if action != "enabled":
        session_keys.rotate(user_id, commit=False)
    db.session.add(AuditEvent(actor_id=actor.user_id if actor else None,
                              actor_label=actor.label if actor else AuditActor.COMMAND_LINE.value, action=action,
                              object_type="user", object_id=user_id, details={}))
    db.session.commit()
