"""The daily digest: the worker meets the first due "digest" row of a recipient and sends every
due digest row of that recipient as one e-mail (rows held by another worker are left to it)."""
from flask import render_template
from flask_babel import force_locale, gettext
from sqlalchemy import select

from ..extensions import db
from ..models import Identity, OutboxMessage, OutboxStatus, User, utcnow
from ..names import dear
from .mail import send_email


def _greeting(address):
    """«Уважаемая Мария Петровна!» for the account the address belongs to; «Здравствуйте!» when
    no single account has it."""
    users = db.session.execute(select(User).join(Identity, Identity.user_id == User.id)
                               .where(Identity.email == address).limit(2)).scalars().all()
    if len(users) != 1:
        users = db.session.execute(select(User).where(User.email == address).limit(2)).scalars().all()
    return dear(users[0]) if len(users) == 1 else dear(None)


def send_digest(message):
    query = select(OutboxMessage).where(
        OutboxMessage.channel == "digest", OutboxMessage.recipient == message.recipient,
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.next_attempt_at <= message.next_attempt_at,
        OutboxMessage.id != message.id,
    ).order_by(OutboxMessage.id)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    others = db.session.execute(query).scalars().all()
    items = [message, *others]
    with force_locale("ru"):
        subject = gettext("E-diary: what happened today")
        greeting = _greeting(message.recipient)
        body_text = render_template("mail/digest.txt", items=items, greeting=greeting)
        body_html = render_template("mail/digest.html", items=items, greeting=greeting)
    letter = OutboxMessage(id=message.id, channel="email", recipient=message.recipient, subject=subject,
                           body_text=body_text, body_html=body_html,
                           idempotency_key=f"digest:{message.idempotency_key}")
    send_email(letter)
    now = utcnow()
    for other in others:  # delivered inside this letter
        other.status = OutboxStatus.SENT
        other.sent_at = now
        other.attempts += 1
