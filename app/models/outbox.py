"""Messages waiting to be sent (e-mail, SMS): written in the transaction, sent by the worker."""
from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text

from .. import request_id
from .base import utcnow
from .labels import LabeledEnum


class OutboxStatus(LabeledEnum):
    PENDING = "pending", _l("Pending")
    SENT = "sent", _l("Sent")
    FAILED = "failed", _l("Failed")


class OutboxMessage(Model):
    """A notification to send; written in the same transaction as the change that causes it."""

    __tablename__ = "outbox_message"
    id = Column(Integer, primary_key=True)
    channel = Column(String(16), nullable=False, default="email")
    recipient = Column(String(255), nullable=False)
    subject = Column(String(255), nullable=False, default="")
    body_text = Column(Text, nullable=False, default="")
    body_html = Column(Text, nullable=False, default="")
    # A transition's letter (mail/<template>.txt and .html): written with empty bodies, rendered by
    # the worker just before it sends (app.workflow.notifications.render) — not in the web request.
    template = Column(String(64), nullable=True)
    status = Column(String(16), nullable=False, default=OutboxStatus.PENDING)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime, nullable=False, default=utcnow)
    last_error = Column(Text, nullable=False, default="")
    idempotency_key = Column(String(128), nullable=False, unique=True)
    # What the worker does after the mail server accepted the message.
    application_id = Column(Integer, ForeignKey("application.id"), nullable=True, index=True)
    on_sent = Column(String(32), nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    sent_at = Column(DateTime, nullable=True)
    # First failed attempt of the current run of failures: retried until OUTBOX_GIVE_UP_DAYS after it.
    failing_since = Column(DateTime, nullable=True)
    # The web request that wrote it (X-Request-ID, app/request_id.py); none from the worker or the CLI.
    request_id = Column(String(128), nullable=True, default=request_id.current)

    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    @property
    def text_shown(self):
        """The text for the outbox's screen: a transition's letter has none until the worker writes it."""
        if self.template and not self.body_text:
            return str(_l("The letter is written when it is sent."))
        return self.body_text

    @property
    def status_label(self):
        return str(OutboxStatus.label_for(self.status))
