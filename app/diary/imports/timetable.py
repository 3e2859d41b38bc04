"""The timetable: lessons by class, date and number, with subject, teacher, times, topic and
homework (classes and subjects named in the file are created on the way)."""
from sqlalchemy import select

from ...extensions import db
from ...models.diary import Lesson, bump_revisions
from .. import revisions
from .base import Handler, bulk_insert, bulk_update


class LessonsHandler(Handler):
    FIELDS = ("subject_id", "teacher_id", "starts_at", "ends_at", "room", "topic", "homework")

    def load(self, parsed):
        self.teachers = self._teachers()

    def check(self, parsed):
        problems = (self._duplicates(parsed, lambda v: (v["class"], v["date"], v["number"]))
                    + self._unknown_teachers(parsed, "teacher"))
        for line, v in parsed:
            if v["starts_at"] and v["ends_at"] and v["ends_at"] <= v["starts_at"]:
                problems.append(self.problem(line, "ends_at", "урок должен заканчиваться позже, чем начинается"))
        return problems

    def apply(self, parsed, report):
        classes, subjects = self._classes_and_subjects(parsed, report)
        rows = [dict(class_id=classes[v["class"]], date=v["date"], number=v["number"],
                     subject_id=subjects[v["subject"]],
                     teacher_id=self.teachers.get(v["teacher"]) if v["teacher"] else None,
                     starts_at=v["starts_at"], ends_at=v["ends_at"], room=v["room"], topic=v["topic"],
                     homework=v["homework"]) for _, v in parsed]
        dates = [r["date"] for r in rows]
        existing = {}
        for lesson in db.session.execute(select(Lesson).where(
                Lesson.class_id.in_(list(classes.values())), Lesson.date >= min(dates),
                Lesson.date <= max(dates))).scalars():
            existing[(lesson.class_id, lesson.date, lesson.number)] = (
                lesson.id, {f: getattr(lesson, f) for f in self.FIELDS})
        inserts, updates, unchanged = self._split(
            existing, rows, lambda r: (r["class_id"], r["date"], r["number"]), self.FIELDS)
        bulk_insert(Lesson, inserts)
        bulk_update(Lesson, updates)
        bump_revisions(u["id"] for u in updates)  # the calendar feed's SEQUENCE
        class_of = {lesson_id: key[0] for key, (lesson_id, _values) in existing.items()}
        revisions.bump([r["class_id"] for r in inserts] + [class_of[u["id"]] for u in updates])
        report.created, report.updated, report.unchanged = len(inserts), len(updates), unchanged
