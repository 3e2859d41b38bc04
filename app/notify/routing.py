"""Who hears about a diary event, how and when.

For every active access to the pupil whose scope includes the event's section (a tutor with
"only schedule and homework" hears nothing about grades), the recipient's preference for this
pupil and kind decides: e-mail now, SMS (deferred past the quiet hours), or the daily digest.
Without a stored preference: e-mail now, no SMS. Messages are outbox rows written in the caller's
transaction; nothing is sent here."""
from datetime import datetime, time, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select

from ..access import active_grants, grant_allows
from ..extensions import db
from ..clock import UTC, to_local, zone
from ..models import (
    NotificationKind,
    NotificationPreference,
    OutboxMessage,
    UserSettings,
    utcnow,
)
from ..names import dear
from ..workflow.notifications import contact_email
from .headers import header_text
from . import phones

KINDS = tuple(NotificationKind)  # their labels: NotificationKind.labels()
KIND_SECTIONS = {"grade": "grades", "absence": "attendance", "homework": "homework",
                 "remark": "grades", "event": "events", "message": "messages"}


def _clock(text):
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _to_utc(local):
    return local.astimezone(UTC).replace(tzinfo=None)


def after_quiet_hours(now_utc, settings=None):
    """now, or the end of the recipient's quiet hours when now falls inside them (local time)."""
    config = current_app.config
    quiet_from = (settings and settings.quiet_from) or _clock(config["SMS_QUIET_FROM"])
    quiet_to = (settings and settings.quiet_to) or _clock(config["SMS_QUIET_TO"])
    local = to_local(now_utc)
    t = local.time()
    inside = (quiet_from <= t or t < quiet_to) if quiet_from > quiet_to else (quiet_from <= t < quiet_to)
    if not inside:
        return now_utc
    end = datetime.combine(local.date(), quiet_to, tzinfo=zone())
    if end <= local:
        end += timedelta(days=1)
    return _to_utc(end)


def next_digest_time(now_utc):
    at = _clock(current_app.config["DIGEST_TIME"])
    local = to_local(now_utc)
    moment = datetime.combine(local.date(), at, tzinfo=zone())
    if moment <= local:
        moment += timedelta(days=1)
    return _to_utc(moment)


def notify_user(kind, user, student_id, subject, text, event_key, now=None):
    """Queue one person's notification (e.g. the other side of a conversation)."""
    messages = _for_user(kind, user, student_id, subject, text, event_key, now or utcnow())
    for message in messages:
        db.session.add(message)
    return messages


def _for_user(kind, user, student_id, subject, text, event_key, now):
    messages = []
    subject = header_text(subject)  # a title or name with a line break: one line, never a new header
    preference = db.session.execute(select(NotificationPreference).where(
        NotificationPreference.user_id == user.id, NotificationPreference.student_id == student_id,
        NotificationPreference.kind == kind)).scalar_one_or_none()
    wants_email = preference.email if preference else True
    wants_sms = preference.sms if preference else False
    wants_digest = preference.digest if preference else False
    key = f"notify:{event_key}:{user.id}"
    email = contact_email(user)
    if email and wants_digest:
        messages.append(OutboxMessage(channel="digest", recipient=email, subject=subject,
                                      body_text=text, body_html="", idempotency_key=f"{key}:digest",
                                      next_attempt_at=next_digest_time(now)))
    elif email and wants_email:
        with force_locale("ru"):
            greeting = dear(user)  # «Уважаемая Мария Петровна!»
            html = render_template("mail/notification.html", subject=subject, text=text, greeting=greeting)
        messages.append(OutboxMessage(channel="email", recipient=email, subject=subject,
                                      body_text=f"{greeting}\n\n{text}", body_html=html,
                                      idempotency_key=f"{key}:email", next_attempt_at=now))
    phone = phones.confirmed(user.id) if wants_sms else None
    if phone:
        settings = db.session.execute(
            select(UserSettings).where(UserSettings.user_id == user.id)).scalar_one_or_none()
        messages.append(OutboxMessage(channel="sms", recipient=phone, subject=subject,
                                      body_text=f"{subject}. {text}"[:300], body_html="",
                                      idempotency_key=f"{key}:sms",
                                      next_attempt_at=after_quiet_hours(now, settings)))
    return messages


def notify(kind, student_id, subject, text, event_key, now=None):
    """Queue the notifications of one diary event. `event_key` is unique per event (e.g. the
    audit event id): with the recipient and channel it is the outbox idempotency key."""
    assert kind in KINDS, kind
    now = now or utcnow()
    grants = db.session.execute(active_grants(student_id=student_id)).scalars().all()
    messages = []
    for grant in grants:
        if grant_allows(grant, KIND_SECTIONS[kind]):
            messages.extend(_for_user(kind, grant.user, student_id, subject, text, event_key, now))
    for message in messages:
        db.session.add(message)
    return messages
