"""The calendar feed: a secret address per person (`/ical/<secret>.ics`, only its SHA-256 is
stored; a new one replaces the old) with the lessons, school events and parent meetings of every
pupil they may see — within each access's scope (no homework for "only grades", and so on).

The text is RFC 5545 as the `icalendar` library writes it (CRLF, lines folded at 75 octets): every
VEVENT has a stable UID (the lesson, event or meeting and the pupil), DTSTAMP (when the feed was
made) and SEQUENCE (the revision of the lesson, event or meeting: bumped on every change,
app/models/base.py: count_revisions); times are
St. Petersburg's with the VTIMEZONE of the service's zone."""
import hashlib
import secrets
from datetime import date, datetime, timedelta

from sqlalchemy import select

from .. import clock
from ..access import active_grants, grant_allows
from ..extensions import db
from ..models import Lesson, Student, UserSettings
from . import membership, queries

PAST_DAYS, FUTURE_DAYS = 14, 42
TIMEZONE_YEARS = 6  # the VTIMEZONE covers last year to this many years ahead (events far ahead)


def _hash(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret(user_id):
    """A new feed address for this person; the previous one stops working. Returns the secret."""
    secret = secrets.token_urlsafe(24)
    settings = db.session.execute(select(UserSettings).where(UserSettings.user_id == user_id)).scalar_one_or_none()
    if settings is None:
        settings = UserSettings(user_id=user_id)
        db.session.add(settings)
    settings.calendar_secret_hash = _hash(secret)
    db.session.commit()
    return secret


def has_address(user_id):
    """Whether this person already has a feed address (a new one replaces it)."""
    return db.session.execute(select(UserSettings.calendar_secret_hash).where(
        UserSettings.user_id == user_id)).scalar() is not None


def user_for_secret(secret):
    if not secret or len(secret) > 100:
        return None
    return db.session.execute(select(UserSettings.user_id).where(
        UserSettings.calendar_secret_hash == _hash(secret))).scalar_one_or_none()


def feed(user_id, today=None):
    """The iCalendar text of this person's feed."""
    today = today or clock.today()
    zone = clock.zone()
    stamp = clock.utcnow().replace(tzinfo=clock.UTC)
    from icalendar import Calendar, Timezone  # only a worker that serves a feed loads it (1.5 MB)

    calendar = Calendar()
    calendar.add("prodid", "-//Электронный дневник//Петербургское образование//RU")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Электронный дневник")
    calendar.add("x-wr-timezone", zone.key)
    grants = db.session.execute(active_grants(user_id=user_id)).scalars()
    for grant in grants:
        student = db.session.get(Student, grant.student_id)
        who = student.first_name
        if grant_allows(grant, "schedule"):
            klass = queries.class_of(student)
            lessons = [] if klass is None else db.session.execute(select(Lesson).where(
                Lesson.class_id == klass.id, Lesson.date >= today - timedelta(days=PAST_DAYS),
                Lesson.date <= today + timedelta(days=FUTURE_DAYS))).scalars().all()
            for lesson in lessons:
                event = _event(f"lesson-{lesson.id}-{student.id}", stamp, lesson.revision or 0)
                event.add("summary", f"{who}: {lesson.subject.name}")
                start = datetime.combine(lesson.date, lesson.starts_at or datetime.min.time(), tzinfo=zone)
                event.add("dtstart", start if lesson.starts_at else lesson.date)
                if lesson.starts_at and lesson.ends_at:
                    event.add("dtend", datetime.combine(lesson.date, lesson.ends_at, tzinfo=zone))
                notes = []
                if lesson.topic:
                    notes.append(f"Тема: {lesson.topic}")
                if lesson.homework and grant_allows(grant, "homework"):
                    notes.append(f"Домашнее задание: {lesson.homework}")
                if notes:
                    event.add("description", "\n".join(notes))
                if lesson.room:
                    event.add("location", f"Кабинет {lesson.room}")
                calendar.add_component(event)
        if grant_allows(grant, "events"):
            now = datetime.combine(today - timedelta(days=PAST_DAYS), datetime.min.time())
            class_id = membership.class_id_on(student)  # once for both lists
            for kind, items in (("event", queries.events(student, now, class_id)),
                                ("meeting", queries.meetings(student, now, class_id))):
                for item in items["upcoming"]:
                    event = _event(f"{kind}-{item.id}-{student.id}", stamp, item.revision or 0)
                    title = item.title if kind == "event" else f"Родительское собрание: {item.topic}"
                    event.add("summary", f"{who}: {title}")
                    event.add("dtstart", item.starts_at.replace(tzinfo=zone))
                    ends = getattr(item, "ends_at", None)
                    event.add("dtend", (ends or item.starts_at + timedelta(hours=1)).replace(tzinfo=zone))
                    if item.place:
                        event.add("location", item.place)
                    calendar.add_component(event)
    # The zone's rules around the feed's dates only: the full history since 1919 (Moscow has had
    # +02:00…+05:00) is read wrongly by some calendar programs.
    calendar.add_component(Timezone.from_tzinfo(zone, zone.key, first_date=date(today.year - 1, 1, 1),
                                                last_date=date(today.year + TIMEZONE_YEARS, 1, 1)))
    return calendar.to_ical()


def _event(key, stamp, sequence=0):
    from icalendar import Event

    event = Event()
    event.add("uid", f"{key}@e-diary")
    event.add("dtstamp", stamp)
    event.add("sequence", sequence)
    return event
