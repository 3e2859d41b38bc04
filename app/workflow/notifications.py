"""E-mails caused by transitions, rendered in Russian and written to the outbox
(inside the transition's transaction; the worker sends them later)."""
from flask import current_app, render_template
from flask_babel import force_locale, lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..inputs import InvalidInput, parse_email
from ..models import Identity, OutboxMessage, utcnow


def _usable(address):
    """The address checked with email-validator, or '' (a claim or a column we cannot write to)."""
    try:
        return parse_email(address, "email", required=False, reserved_ok=True)
    except InvalidInput:
        return ""


def contact_email(user):
    """The address we write to: the provider's e-mail (FAB's column may hold a placeholder)."""
    email = db.session.execute(
        select(Identity.email).where(Identity.user_id == user.id).order_by(Identity.id.desc())
    ).scalar()
    if email and _usable(email):
        return _usable(email)
    if user.email and not user.email.endswith("@email.notfound"):
        return _usable(user.email)
    return ""


# transition -> (template name, subject, what the worker does after delivery)
MAILS = {
    "submit": ("submitted", _l("Your application has been sent"), None),
    "approve": ("approved", _l("Access to the e-diary has been granted"), "mark_notified"),
    "reject": ("rejected", _l("Your application has been rejected"), None),
    "expire": ("expired", _l("Your application has expired"), None),
}


def messages_for(transition_name, application):
    spec = MAILS.get(transition_name)
    if spec is None:
        return []
    template, subject, on_sent = spec
    recipient = contact_email(application.parent)
    if not recipient:
        return []
    with force_locale("ru"):
        context = {
            "application": application,
            "school": application.school,
            "public_url": current_app.config["PUBLIC_URL"].rstrip("/"),
        }
        subject_text = str(subject) + f" · {application.code}"
        body_text = render_template(f"mail/{template}.txt", **context)
        body_html = render_template(f"mail/{template}.html", **context)
    return [
        OutboxMessage(
            channel="email",
            recipient=recipient,
            subject=subject_text,
            body_text=body_text,
            body_html=body_html,
            idempotency_key=f"application:{application.id}:{transition_name}:{application.version}",
            application_id=application.id,
            on_sent=on_sent,
            next_attempt_at=utcnow(),
        )
    ]
