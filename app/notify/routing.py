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
from sqlalchemy.orm import joinedload

from ..access import active_grants, grant_allows
from ..extensions import db
from ..clock import UTC, to_local, zone
from ..models import (
    AccessGrant,
    Identity,
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


class Recipients:
    """The preferences (for one kind), e-mail addresses and phone numbers of a set of people about
    a set of pupils, read in two queries: a homework for a whole class, not four queries per
    family member."""

    def __init__(self, kind, user_ids, student_ids):
        user_ids, student_ids = sorted(set(user_ids)), sorted(set(student_ids))
        self.preferences = {(p.user_id, p.student_id): p for p in db.session.execute(
            select(NotificationPreference).where(
                NotificationPreference.user_id.in_(user_ids), NotificationPreference.student_id.in_(student_ids),
                NotificationPreference.kind == kind)).scalars()} if user_ids and student_ids else {}
        self.identities = {}  # user id -> (e-mail, phone) of the latest Identity, as contact_email reads it
        if user_ids:
            for user_id, email, phone in db.session.execute(
                    select(Identity.user_id, Identity.email, Identity.phone)
                    .where(Identity.user_id.in_(user_ids)).order_by(Identity.id)):
                self.identities[user_id] = (email, phone)

    def email(self, user):
        return contact_email(user, self.identities.get(user.id, (None, None))[0])

    def phone(self, user):
        return phones.normalize(self.identities.get(user.id, (None, None))[1])


def notify_user(kind, user, student_id, subject, text, event_key, now=None):
    """Queue one person's notification (e.g. the other side of a conversation)."""
    recipients = Recipients(kind, [user.id], [student_id])
    messages = _for_user(kind, user, student_id, subject, text, event_key, now or utcnow(), recipients)
    for message in messages:
        db.session.add(message)
    return messages


def _for_user(kind, user, student_id, subject, text, event_key, now, recipients):
    messages = []
    subject = header_text(subject)  # a title or name with a line break: one line, never a new header
    preference = recipients.preferences.get((user.id, student_id))
    wants_email = preference.email if preference else True
    wants_sms = preference.sms if preference else False
    wants_digest = preference.digest if preference else False
    key = f"notify:{event_key}:{user.id}"
    email = recipients.email(user)
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
    phone = recipients.phone(user) if wants_sms else None
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
    return notify_all(kind, [(student_id, subject, text, event_key)], now)


def notify_all(kind, events, now=None):
    """Queue the notifications of several diary events of one kind at once — [(student_id,
    subject, text, event_key)], e.g. a homework for each pupil of a class: the grants with their
    people, the preferences and the addresses in three queries, whatever the class's size."""
    assert kind in KINDS, kind
    now = now or utcnow()
    student_ids = sorted({event[0] for event in events})
    if not student_ids:
        return []
    grants = db.session.execute(
        active_grants().where(AccessGrant.student_id.in_(student_ids))
        .options(joinedload(AccessGrant.user)).order_by(AccessGrant.id)).scalars().all()
    grants = [grant for grant in grants if grant_allows(grant, KIND_SECTIONS[kind])]
    recipients = Recipients(kind, [grant.user_id for grant in grants], student_ids)
    by_pupil = {}
    for grant in grants:
        by_pupil.setdefault(grant.student_id, []).append(grant)
    messages = []
    for student_id, subject, text, event_key in events:
        for grant in by_pupil.get(student_id, ()):
            messages.extend(_for_user(kind, grant.user, student_id, subject, text, event_key, now, recipients))
    for message in messages:
        db.session.add(message)
    return messages
