"""The roster: pupils by the school system's id, and the class each is in. A pupil whose class
changed since the last import moves on the day of the import (the old class until the day
before, app.diary.membership.plan); Student.class_name, the display cache, follows the file."""
from sqlalchemy import delete, select

from ... import clock
from ...extensions import db
from ...models import ClassMembership, SchoolClass, Student
from .. import membership, revisions
from .base import Handler, bulk_insert, bulk_update


class StudentsHandler(Handler):
    FIELDS = ("last_name", "first_name", "middle_name", "sex", "birth_date", "class_name")

    def check(self, parsed):
        return self._duplicates(parsed, lambda v: v["student_id"])

    def apply(self, parsed, report):
        classes = self._classes()
        self._ensure(SchoolClass, classes, [v["class"] for _, v in parsed], report, "новых классов")
        existing = {
            s.external_id: (s.id, {f: getattr(s, f) for f in self.FIELDS})
            for s in db.session.execute(select(Student).where(
                Student.school_id == self.school.id, Student.external_id.isnot(None))).scalars()
        }
        def sex(v):  # «пол» empty or not in the file: the sex known before stays
            known = existing.get(v["student_id"])
            return v["sex"] or (known[1]["sex"] if known else None)

        rows = [dict(school_id=self.school.id, external_id=v["student_id"], last_name=v["last_name"],
                     first_name=v["first_name"], middle_name=v["middle_name"], sex=sex(v),
                     birth_date=v["birth_date"], class_name=v["class"]) for _, v in parsed]
        inserts, updates, unchanged = self._split(existing, rows, lambda r: r["external_id"], self.FIELDS)
        bulk_insert(Student, inserts)
        bulk_update(Student, updates)
        report.created, report.updated, report.unchanged = len(inserts), len(updates), unchanged
        self._memberships(rows, classes)

    def _memberships(self, rows, classes):
        """Class membership follows the class column."""
        ids = dict(db.session.execute(select(Student.external_id, Student.id).where(
            Student.school_id == self.school.id, Student.external_id.isnot(None))).all())
        current = {}
        for row_id, sid, class_id, since, until in db.session.execute(
                select(ClassMembership.id, ClassMembership.student_id, ClassMembership.class_id,
                       ClassMembership.since, ClassMembership.until)
                .where(ClassMembership.student_id.in_(select(Student.id).where(Student.school_id == self.school.id)))):
            current.setdefault(sid, []).append((row_id, class_id, since, until))
        today = clock.today()
        inserts, updates, deletes = [], [], []
        for r in rows:
            sid = ids[r["external_id"]]
            insert, changes, gone = membership.plan(current.get(sid, []), classes[r["class_name"]], today)
            if insert is not None:
                inserts.append({"student_id": sid, **insert})
            updates.extend(changes)
            deletes.extend(gone)
        if deletes:
            db.session.execute(delete(ClassMembership).where(ClassMembership.id.in_(deletes)))
        bulk_update(ClassMembership, updates)
        bulk_insert(ClassMembership, inserts)
        class_of = {row_id: class_id for rows in current.values() for row_id, class_id, _since, _until in rows}
        revisions.bump([r["class_id"] for r in inserts] + [class_of[u["id"]] for u in updates]
                       + [class_of[row_id] for row_id in deletes])
