"""What families read, as plain data (pages, API and the calendar feed all use these).

No access checks here: callers ask app.sharing first (who may see which section of which pupil).
Averages: numeric grades only (зачёт/незачёт are shown but not averaged), weighted by `weight`,
current and test grades only (quarter/year/exam results are listed separately)."""
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import and_, select

from .. import clock
from ..extensions import db
from . import membership, read_model, school_year
from ..models import (
    Attendance,
    ClassMembership,
    Grade,
    GradeKind,
    Lesson,
    ParentMeeting,
    SchoolEvent,
    Subject,
)

DAILY_KINDS = GradeKind.LESSON  # every kind of work graded on a lesson


def class_of(student, day=None):
    """The pupil's class on `day` (default: today) by the class memberships, or None."""
    return membership.class_of(student, day)


def weighted_average(grades):
    """grades: iterable of (value, weight). None when there is nothing numeric."""
    total = weights = 0
    for value, weight in grades:
        if value.isdigit():
            total += int(value) * (weight or 1)
            weights += weight or 1
    return round(total / weights, 2) if weights else None


def lessons_between(student, start, end):
    """{date: [lesson, …]} of the pupil's class lessons from start to end (inclusive): time,
    subject, room, topic, homework, the pupil's grades and attendance mark on each lesson. From
    the class weeks in Redis (app.diary.read_model) when there is one, else from the database."""
    by_day = read_model.lessons_between(student, start, end)
    return by_day if by_day is not None else _lessons_from_database(student, start, end)


def _lessons_from_database(student, start, end):
    """lessons_between in two queries, plain rows (no ORM objects): the week and «Сегодня» are the
    pages families open most."""
    lessons = db.session.execute(
        select(Lesson.id, Lesson.date, Lesson.number, Lesson.starts_at, Lesson.ends_at, Lesson.room,
               Lesson.topic, Lesson.homework, Subject.name.label("subject"), Attendance.mark)
        .join(ClassMembership, and_(ClassMembership.class_id == Lesson.class_id,
                                    ClassMembership.student_id == student.id, membership.holds_on(Lesson.date)))
        .join(Subject, Subject.id == Lesson.subject_id)
        .outerjoin(Attendance, and_(Attendance.lesson_id == Lesson.id, Attendance.student_id == student.id))
        .where(Lesson.date >= start, Lesson.date <= end)
        .order_by(Lesson.date, Lesson.number)
    ).all()
    grades = defaultdict(list)
    if lessons:
        for lesson_id, value, kind, weight, remark in db.session.execute(
            select(Grade.lesson_id, Grade.value, Grade.kind, Grade.weight, Grade.remark)
            .where(Grade.student_id == student.id, Grade.lesson_id.in_([lesson.id for lesson in lessons]))
            .order_by(Grade.id)
        ):
            grades[lesson_id].append({"value": value, "kind": kind, "weight": weight, "remark": remark})
    by_day = defaultdict(list)
    for lesson in lessons:
        by_day[lesson.date].append({
            "id": lesson.id, "number": lesson.number, "starts_at": lesson.starts_at,
            "ends_at": lesson.ends_at, "subject": lesson.subject, "room": lesson.room,
            "topic": lesson.topic, "homework": lesson.homework,
            "grades": grades.get(lesson.id, []), "attendance": lesson.mark,
        })
    return by_day


def week(student, any_day):
    """Mon–Sat of the week holding any_day, day by day (lessons_between)."""
    start = clock.week_start(any_day)
    end = start + timedelta(days=5)
    by_day = lessons_between(student, start, end)
    days = [{"date": start + timedelta(days=offset), "lessons": by_day.get(start + timedelta(days=offset), [])}
            for offset in range(6)]
    return {"week_start": start, "week_end": end, "days": days}


def subject_average(student, subject_id, day):
    """The pupil's weighted average in one subject over the school year up to `day` (the figure a
    new grade's notice gives), or None."""
    date_from, _date_to = school_year.year_dates(student.school_id, day)
    return weighted_average(db.session.execute(
        select(Grade.value, Grade.weight).where(
            Grade.student_id == student.id, Grade.subject_id == subject_id, Grade.kind.in_(DAILY_KINDS),
            Grade.date >= date_from, Grade.date <= day)).all())


def grades_by_subject(student, date_from, date_to):
    """The pupil's daily grades of the range by subject (by name), each subject with its weighted
    average. One query, plain rows (no ORM objects): «Оценки» lists a year of them."""
    rows = db.session.execute(
        select(Grade.date, Grade.value, Grade.kind, Grade.weight, Grade.remark, Subject.name.label("subject"))
        .join(Subject, Subject.id == Grade.subject_id)
        .where(Grade.student_id == student.id, Grade.kind.in_(DAILY_KINDS),
               Grade.date >= date_from, Grade.date <= date_to)
        .order_by(Grade.date, Grade.id)
    ).all()
    by_subject = defaultdict(list)
    for g in rows:
        by_subject[g.subject].append(g)
    return [{
        "subject": name,
        "grades": [{"date": g.date, "value": g.value, "kind": g.kind, "weight": g.weight,
                    "remark": g.remark} for g in grades],
        "average": weighted_average((g.value, g.weight) for g in grades),
    } for name, grades in sorted(by_subject.items())]


def grades_grid(subjects):
    """The subjects × dates view of grades_by_subject(): the dates any grade was given on, and
    per subject its grades on each of them (a list: a test and a current grade may share a day)
    and the weighted average — the table МЭШ and Дневник.ру show."""
    dates = sorted({g["date"] for s in subjects for g in s["grades"]})
    rows = []
    for s in subjects:
        cells = defaultdict(list)
        for g in s["grades"]:
            cells[g["date"]].append(g)
        rows.append({"subject": s["subject"], "cells": [cells.get(d, []) for d in dates],
                     "average": s["average"]})
    return {"dates": dates, "rows": rows}


def results(student):
    """Quarter / half-year / year / exam results by subject, each with the name of the period it
    closes as the school's tables say («I четверть», «Год»; None when they do not tell)."""
    rows = db.session.execute(
        select(Grade).where(Grade.student_id == student.id, Grade.kind.in_(GradeKind.FINAL))
        .order_by(Grade.date)
    ).scalars().all()
    calendar = school_year.Calendar(student.school_id)
    by_subject = defaultdict(list)
    for g in rows:
        by_subject[g.subject.name].append({"kind": g.kind, "date": g.date, "value": g.value,
                                           "period": calendar.name_of(g.kind, g.date, g.period_id)})
    return [{"subject": name, "results": items} for name, items in sorted(by_subject.items())]


def attendance(student, date_from, date_to):
    rows = db.session.execute(
        select(Attendance.mark, Lesson.date, Lesson.number, Subject.name)
        .join(Lesson, Lesson.id == Attendance.lesson_id).join(Subject, Subject.id == Lesson.subject_id)
        .where(Attendance.student_id == student.id, Lesson.date >= date_from, Lesson.date <= date_to)
        .order_by(Lesson.date, Lesson.number)
    ).all()
    by_subject = defaultdict(lambda: defaultdict(int))
    for mark, _, _, subject in rows:
        by_subject[subject][mark] += 1
    return {
        "marks": [{"date": d, "number": n, "subject": s, "mark": m} for m, d, n, s in rows],
        "by_subject": [{"subject": s, "counts": dict(c)} for s, c in sorted(by_subject.items())],
    }


def dynamics(student, date_from, date_to):
    """The running weighted average per subject at the end of each week of the range."""
    grades = db.session.execute(
        select(Grade.date, Grade.value, Grade.weight, Subject.name)
        .join(Subject, Subject.id == Grade.subject_id)
        .where(Grade.student_id == student.id, Grade.kind.in_(DAILY_KINDS),
               Grade.date >= date_from, Grade.date <= date_to).order_by(Grade.date)
    ).all()
    weeks = []
    monday = clock.week_start(date_from)
    while monday <= date_to:
        weeks.append(monday)
        monday += timedelta(days=7)
    series = {}
    for subject in sorted({g.name for g in grades}):
        own = [g for g in grades if g.name == subject]
        series[subject] = [
            weighted_average((g.value, g.weight) for g in own if g.date < w + timedelta(days=7))
            for w in weeks
        ]
    return {"weeks": weeks, "series": series}


def stats(student, date_from, date_to):
    """The pupil's average per subject next to the class average; the place in the class by the
    overall average (None when the school switched rankings off)."""
    school_class = class_of(student, min(date_to, clock.today()))
    classmates = [p.id for p in membership.pupils(school_class.id, date_from, date_to)] if school_class else []
    rows = db.session.execute(
        select(Grade.student_id, Subject.name, Grade.value, Grade.weight)
        .join(Subject, Subject.id == Grade.subject_id)
        .where(Grade.student_id.in_(classmates or [-1]), Grade.kind.in_(DAILY_KINDS),
               Grade.date >= date_from, Grade.date <= date_to)
    ).all()
    per = defaultdict(lambda: defaultdict(list))  # subject -> pupil -> [(value, weight)]
    for pupil, subject, value, weight in rows:
        per[subject][pupil].append((value, weight))
    subjects = []
    overall = defaultdict(list)
    for subject, pupils in sorted(per.items()):
        averages = {p: weighted_average(g) for p, g in pupils.items()}
        known = [a for a in averages.values() if a is not None]
        mine = averages.get(student.id)
        ranked = sorted(known, reverse=True)
        subjects.append({
            "subject": subject, "average": mine,
            "class_average": round(sum(known) / len(known), 2) if known else None,
            "place": (ranked.index(mine) + 1) if mine is not None else None,
            "of": len(known),
        })
        for p, a in averages.items():
            if a is not None:
                overall[p].append(a)
    rankings = student.school.rankings_enabled
    place = None
    if rankings and student.id in overall:
        means = sorted((sum(v) / len(v) for v in overall.values()), reverse=True)
        mine = sum(overall[student.id]) / len(overall[student.id])
        place = means.index(mine) + 1
    if not rankings:
        for item in subjects:
            item["place"] = None
    return {"class": school_class.name if school_class else None,
            "subjects": subjects, "rankings": rankings, "place": place, "of": len(overall)}


LOOK_UP = object()  # events() / meetings(): the pupil's class is not known yet, look it up


def _upcoming_and_past(model, student, now, class_id=LOOK_UP):
    if class_id is LOOK_UP:
        class_id = membership.class_id_on(student)
    condition = model.class_id.is_(None)
    if class_id is not None:
        condition = condition | (model.class_id == class_id)
    rows = db.session.execute(
        select(model).where(model.school_id == student.school_id, condition).order_by(model.starts_at)
    ).scalars().all()
    return {"upcoming": [r for r in rows if r.starts_at >= now],
            "past": [r for r in reversed(rows) if r.starts_at < now]}


def events(student, now=None, class_id=LOOK_UP):
    """The school's events and those of the pupil's class (`class_id`: membership.class_id_on,
    when the caller already has it — None for a pupil in no class today), upcoming and past."""
    return _upcoming_and_past(SchoolEvent, student, now or clock.local_now(), class_id)


def meetings(student, now=None, class_id=LOOK_UP):
    """The parent meetings of the school and of the pupil's class, as events()."""
    return _upcoming_and_past(ParentMeeting, student, now or clock.local_now(), class_id)


