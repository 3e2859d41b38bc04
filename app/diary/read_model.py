"""The read model of a class's week in Redis (issue 11): the week page, the API's week and
«Сегодня» (today and the two weeks ahead), the answers families open most, read one structure
per class and week instead of the lessons and grades queries.

A class's week, Monday to Sunday — its lessons (time, subject, room, topic, homework) and the
grades and marks of all its pupils on them — is kept as JSON under
`diary:week:{class_id}:{week_start}:{revision}`,
the revision being the class's ClassRevision (app.diary.revisions): any change of the class's
diary makes a new key, so nothing is ever invalidated by hand and a stale entry is never read
(the old ones expire after READ_MODEL_TTL_SECONDS). The pupil's days are put together from the
weeks they touch of the classes the pupil belonged to on them (a pupil who moved mid-week sees
both).

Active when READ_MODEL_CACHE is on and REDIS_URL is set: no Redis, no cache (never one per
process). Redis down or failing: a warning in the log, the week from the database, and Redis is
left alone for a while (app.redis_client) — never a 500."""
from collections import defaultdict
from datetime import date, time as clock_time, timedelta

import msgspec
from flask import current_app
from sqlalchemy import select

from .. import clock, redis_client
from ..extensions import db
from ..models import Attendance, ClassMembership, ClassRevision, Grade, Lesson, Subject
from . import membership, revisions

KEY = "diary:week:{class_id}:{week_start}:{revision}"


def _client():
    return redis_client.client("READ_MODEL_CACHE")


# --------------------------------------------------------------------------- a class's week
def _iso(value):
    return value.isoformat() if value is not None else None


def build_class_week(class_id, start, end):
    """The class's week as plain JSON-ready data: three queries."""
    lessons = db.session.execute(
        select(Lesson.id, Lesson.date, Lesson.number, Lesson.starts_at, Lesson.ends_at, Lesson.room,
               Lesson.topic, Lesson.homework, Subject.name.label("subject"))
        .join(Subject, Subject.id == Lesson.subject_id)
        .where(Lesson.class_id == class_id, Lesson.date >= start, Lesson.date <= end)
        .order_by(Lesson.date, Lesson.number)
    ).all()
    ids = [lesson.id for lesson in lessons]
    grades, marks = defaultdict(lambda: defaultdict(list)), defaultdict(dict)
    if ids:
        for student_id, lesson_id, value, kind, weight, remark in db.session.execute(
            select(Grade.student_id, Grade.lesson_id, Grade.value, Grade.kind, Grade.weight, Grade.remark)
            .where(Grade.lesson_id.in_(ids)).order_by(Grade.id)
        ):
            grades[str(student_id)][str(lesson_id)].append(
                {"value": value, "kind": kind, "weight": weight, "remark": remark})
        for student_id, lesson_id, mark in db.session.execute(
            select(Attendance.student_id, Attendance.lesson_id, Attendance.mark).where(Attendance.lesson_id.in_(ids))
        ):
            marks[str(student_id)][str(lesson_id)] = mark
    return {
        "days": (end - start).days + 1,
        "lessons": [{"id": l.id, "date": l.date.isoformat(), "number": l.number, "starts_at": _iso(l.starts_at),
                     "ends_at": _iso(l.ends_at), "subject": l.subject, "room": l.room, "topic": l.topic,
                     "homework": l.homework} for l in lessons],
        "grades": grades, "marks": marks,
    }


def _time(value):
    return clock_time.fromisoformat(value) if value else None


# --------------------------------------------------------------------------- the pupil's week
def _spans(student_id, start, end):
    """[(class_id, since, until, revision)] of the pupil's memberships overlapping the week: as
    the request's access check read them (app.diary.revisions.pupil_column), else one query."""
    known = revisions.memberships_known(student_id)
    if known is not None:
        return [row[:4] for row in known if membership.overlaps_days(row[1], row[2], start, end)]
    return db.session.execute(
        select(ClassMembership.class_id, ClassMembership.since, ClassMembership.until, ClassRevision.revision)
        .outerjoin(ClassRevision, ClassRevision.class_id == ClassMembership.class_id)
        .where(ClassMembership.student_id == student_id, membership.overlaps(start, end))
        .order_by(ClassMembership.class_id)).all()


WEEK_DAYS = 7  # a class week is stored Monday to Sunday


def _mondays(start, end):
    monday = clock.week_start(start)
    while monday <= end:
        yield monday
        monday += timedelta(days=WEEK_DAYS)


def _class_weeks(client, spans, mondays):
    """{(class_id, monday): class week}: read from Redis in one round trip, the missing ones built
    and stored; None when Redis failed (the caller reads the database as before)."""
    wanted = [(class_id, monday, KEY.format(class_id=class_id, week_start=monday.isoformat(), revision=rev or 0))
              for class_id, _s, _u, rev in spans for monday in mondays]
    ttl = int(current_app.config.get("READ_MODEL_TTL_SECONDS", 86400))
    try:
        stored = client.mget([key for _c, _m, key in wanted]) if wanted else []
        weeks, missing = {}, {}
        for (class_id, monday, key), raw in zip(wanted, stored):
            week = msgspec.json.decode(raw) if raw is not None else None
            if week is None or week.get("days") != WEEK_DAYS:  # absent, or stored Monday–Saturday before
                week = missing[key] = build_class_week(class_id, monday, monday + timedelta(days=WEEK_DAYS - 1))
            weeks[class_id, monday] = week
        if missing:
            pipe = client.pipeline(transaction=False)
            for key, week in missing.items():
                pipe.set(key, msgspec.json.encode(week), ex=ttl)
            pipe.execute()
        return weeks
    except redis_client.ERRORS as exc:  # Redis down, a broken entry (msgspec.DecodeError is a ValueError): never a 500
        redis_client.failed(exc, "read model")
        return None


def lessons_between(student, start, end):
    """queries.lessons_between(student, start, end) from the read model — the class weeks the
    range touches, cut to the range — or None when it is off or Redis failed (the caller asks
    the database)."""
    client = _client()
    if client is None:
        return None
    spans = _spans(student.id, start, end)
    weeks = _class_weeks(client, spans, list(_mondays(start, end)))
    if weeks is None:
        return None
    by_day, key = defaultdict(list), str(student.id)
    for (class_id, _monday), week in weeks.items():
        since, until = next((s, u) for c, s, u, _r in spans if c == class_id)
        grades, marks = week["grades"].get(key, {}), week["marks"].get(key, {})
        for lesson in week["lessons"]:
            day = date.fromisoformat(lesson["date"])
            if not (start <= day <= end and membership.holds(since, until, day)):
                continue
            by_day[day].append({
                "id": lesson["id"], "number": lesson["number"], "starts_at": _time(lesson["starts_at"]),
                "ends_at": _time(lesson["ends_at"]), "subject": lesson["subject"], "room": lesson["room"],
                "topic": lesson["topic"], "homework": lesson["homework"],
                "grades": grades.get(str(lesson["id"]), []), "attendance": marks.get(str(lesson["id"])),
            })
    for lessons in by_day.values():
        lessons.sort(key=lambda lesson: lesson["number"])
    return by_day
