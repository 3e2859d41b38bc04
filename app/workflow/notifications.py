"""E-mails caused by transitions (each transition's record lists its Mail entries): written to the
outbox inside the transition's transaction with their recipient, subject and template; the worker
renders each in Russian just before it sends it (`render`), from the application as it is then —
the web request renders no letter and reads no reception hours."""
from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select

from ..extensions import db
from ..inputs import InvalidInput, parse_email
from ..models import Application, Identity, OutboxMessage, utcnow


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
    """The outbox messages of the mails the transition's record declares, to be rendered by the
    worker (`render`)."""
    messages = []
    for index, mail in enumerate(transition.mails):
        recipient = RECIPIENTS[mail.to](application)
        if not recipient:
            continue
        with force_locale("ru"):
            subject_text = str(mail.subject) + f" · {application.code}"
        key = f"application:{application.id}:{transition.name}:{application.version}"
        messages.append(
            OutboxMessage(
                channel="email",
                recipient=recipient,
                subject=subject_text,
                template=mail.template,
                # one message per transition and version, whatever retries (a second mail: its own)
                idempotency_key=key if index == 0 else f"{key}:{mail.template}",
                application_id=application.id,
                on_sent=mail.on_sent,
                next_attempt_at=utcnow(),
            )
        )
    return messages


def render(message):
    """Fill in the bodies of a transition's letter (mail/<template>.txt and .html, in Russian) from
    its application, once: the outbox worker calls it before sending, so what the administrator
    reads in the outbox afterwards is what was sent. A message written whole is left as it is."""
    if not message.template or message.body_text:
        return
    application = db.session.get(Application, message.application_id)
    with force_locale("ru"):
        context = {
            "application": application,
            "school": application.school,
            "public_url": current_app.config["PUBLIC_URL"].rstrip("/"),
        }
        text = render_template(f"mail/{message.template}.txt", **context)
        html = render_template(f"mail/{message.template}.html", **context)
    message.body_text, message.body_html = text, html
