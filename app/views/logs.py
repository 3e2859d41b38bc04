"""The audit log and the outbox, read by the admin."""
from flask import abort, flash, redirect
from flask_appbuilder.actions import action
from flask_babel import gettext, lazy_gettext as _l, lazy_pgettext as _lp

from ..access import current_actor
from ..extensions import db
from ..models import ApplicationState, AuditAction, AuditActor, AuditEvent, AuditObject, OutboxMessage, OutboxStatus
from ..workflow.machine import TRANSITIONS, action_title
from ..workflow.outbox import retry as outbox_retry
from . import audit_details
from .base import DiaryInterface, DiaryModelView
from .label_search import label_search_filters


class AuditEventView(DiaryModelView):
    route_base = "/audit"
    datamodel = DiaryInterface(AuditEvent)
    base_permissions = ["can_list", "can_show"]
    # Append-only: the routes to change it do not exist at all.
    exclude_route_methods = {"add", "edit", "delete", "download", "action", "action_post"}
    base_order = ("id", "desc")
    list_title = _l("Audit log")
    show_title = _l("Audit event")
    list_columns = ["at", "actor_label", "action", "object_type", "object_id", "from_state", "to_state"]
    show_columns = list_columns + ["details"]
    search_columns = ["action", "object_type", "object_id", "actor_label", "at"]
    label_columns = {
        "at": _l("When"),
        "actor_label": _l("Who"),
        "action": _l("Action"),
        "object_type": _l("Object"),
        "object_id": _l("Object ID"),
        "from_state": _lp("state change", "From"),
        "to_state": _lp("state change", "To"),
        "details": _l("Details"),
    }
    seconds_columns = ("at",)  # an audit log: to the second
    formatters_columns = {
        # state codes are shown translated
        "from_state": lambda s: str(ApplicationState.label_for(s)),
        "to_state": lambda s: str(ApplicationState.label_for(s)),
        "action": action_title,
        "actor_label": lambda label: str(AuditActor.label_for(label)),  # «Система», not `system`
        "details": audit_details.describe,  # «Причина: неверный пароль», not {'reason': 'wrong_password'}
        "object_type": lambda t: str(AuditObject.label_for(t)),
    }

    def _init_properties(self):
        super()._init_properties()
        # The search matches what the rows show («Система», «Одобрить»), not only the stored codes.
        label_search_filters(self, {
            "actor_label": AuditActor.labels,
            "object_type": AuditObject.labels,
            "action": lambda: {code: action_title(code) for code in [*TRANSITIONS, *AuditAction]},
        })


class OutboxView(DiaryModelView):
    route_base = "/outbox"
    datamodel = DiaryInterface(OutboxMessage)
    base_permissions = ["can_list", "can_show", "retry"]
    exclude_route_methods = {"add", "edit", "delete", "download"}
    base_order = ("id", "desc")
    list_title = _l("Outgoing messages")
    show_title = _l("Message")
    list_columns = ["created_at", "recipient", "subject", "status_label", "attempts", "next_attempt_at", "last_error"]
    show_columns = [
        "created_at",
        "recipient",
        "subject",
        "status_label",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
        "text_shown",
        "idempotency_key",
    ]
    search_columns = ["status", "recipient", "subject"]
    label_columns = {
        "created_at": _l("Created"),
        "recipient": _l("Recipient"),
        "subject": _lp("message", "Subject"),
        "status": _l("Status"),
        "status_label": _l("Status"),
        "attempts": _l("Attempts"),
        "next_attempt_at": _l("Next attempt"),
        "sent_at": _l("Sent"),
        "last_error": _l("Last error"),
        "text_shown": _l("Text"),
        "idempotency_key": _l("Idempotency key"),
    }
    seconds_columns = ("created_at", "next_attempt_at", "sent_at")  # delivery attempts: to the second

    @action("retry", _l("Retry sending"), _l("Send the selected messages again?"), "fa-repeat")
    def retry(self, items):
        if not current_actor().is_admin:  # actions skip base_filters and checks: re-check
            abort(403)
        items = items if isinstance(items, list) else [items]
        count = 0
        for item in items:
            if item is not None and item.status == OutboxStatus.FAILED:
                outbox_retry(item)
                count += 1
        db.session.commit()
        flash(gettext("Messages queued again: %(count)s.", count=count), "success")
        self.update_redirect()
        return redirect(self.get_redirect())
