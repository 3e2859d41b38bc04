"""E-mails caused by transitions (each transition's record lists its Mail entries), rendered in
Russian and written to the outbox inside the transition's transaction; the worker sends them later."""
from flask import current_app, render_template
from flask_babel import force_locale
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


_LOOK_UP = object()


def contact_email(user, identity_email=_LOOK_UP):
    """The address we write to: the provider's e-mail (FAB's column may hold a placeholder).
    `identity_email`: the person's latest Identity e-mail when the caller has read it already."""
    email = identity_email
    if email is _LOOK_UP:
        email = db.session.execute(
            select(Identity.email).where(Identity.user_id == user.id).order_by(Identity.id.desc())
        ).scalar()
    if email and _usable(email):
        return _usable(email)
    if user.email and not user.email.endswith("@email.notfound"):
        return _usable(user.email)
    return ""


# Who a transition's Mail is for (Mail.to) -> the address, or '' when we have none.
RECIPIENTS = {
    "parent": lambda application: contact_email(application.parent),
}


def messages_for(transition, application):
    """The outbox messages of the mails the transition's record declares (rendered in Russian)."""
    messages = []
    for index, mail in enumerate(transition.mails):
        recipient = RECIPIENTS[mail.to](application)
        if not recipient:
            continue
        with force_locale("ru"):
            context = {
                "application": application,
                "school": application.school,
                "public_url": current_app.config["PUBLIC_URL"].rstrip("/"),
            }
            subject_text = str(mail.subject) + f" · {application.code}"
            body_text = render_template(f"mail/{mail.template}.txt", **context)
            body_html = render_template(f"mail/{mail.template}.html", **context)
        key = f"application:{application.id}:{transition.name}:{application.version}"
        messages.append(
            OutboxMessage(
                channel="email",
                recipient=recipient,
                subject=subject_text,
                body_text=body_text,
                body_html=body_html,
                # one message per transition and version, whatever retries (a second mail: its own)
                idempotency_key=key if index == 0 else f"{key}:{mail.template}",
                application_id=application.id,
                on_sent=mail.on_sent,
                next_attempt_at=utcnow(),
            )
        )
    return messages
