"""Grades and attendance: rows name a pupil by the school system's id; a row with a lesson number
is matched to the lesson of the class the pupil was in on that day (app.diary.membership)."""
from sqlalchemy import select

from ...extensions import db
from ...models import Attendance, ClassMembership, Grade, Lesson, Student, utcnow
from .. import grading, membership, revisions
from .base import Handler, bulk_insert, bulk_update, chunks


class _ByStudent(Handler):
    """Kinds whose rows name a pupil by the school system's id (grades, attendance)."""

    def load(self, parsed):
        self.classes = self._classes()
        self.students = dict(db.session.execute(
            select(Student.external_id, Student.id).where(
                Student.school_id == self.school.id, Student.external_id.isnot(None))).all())
        self.spans = {}  # pupil -> [(class_id, since, until)]
        for sid, class_id, since, until in db.session.execute(
                select(ClassMembership.student_id, ClassMembership.class_id, ClassMembership.since,
                       ClassMembership.until)
                .join(Student, Student.id == ClassMembership.student_id)
                .where(Student.school_id == self.school.id)):
            self.spans.setdefault(sid, []).append((class_id, since, until))
        dates = [v["date"] for _, v in parsed if v.get("date")]
        self.lessons = {}
        if dates:
            for lid, class_id, day, number, subject_id in db.session.execute(
                select(Lesson.id, Lesson.class_id, Lesson.date, Lesson.number, Lesson.subject_id).where(
                    Lesson.class_id.in_(list(self.classes.values()) or [-1]),
                    Lesson.date >= min(dates), Lesson.date <= max(dates))):
                self.lessons[(class_id, day, number)] = (lid, subject_id)

    def _student(self, line, v, problems):
        """(pupil id, id of the pupil's class on the row's date or None), or None with a problem."""
        sid = self.students.get(v["student_id"])
        if sid is None:
            problems.append(self.problem(line, "student_id", "обучающийся с таким идентификатором не найден в школе"))
            return None
        day = v.get("date")
        class_id = next((c for c, since, until in self.spans.get(sid, ())
                         if day is not None and membership.holds(since, until, day)), None)
        return sid, class_id

    def _bump(self, changed):
        """The data import writes in bulk (no ORM hook): the classes of the changed rows
        [(pupil, lesson or None, date)] get a new revision — a lesson's class, or the pupil's class
        on the date (every class of the pupil when none holds then)."""
        class_of_lesson = {lesson_id: key[0] for key, (lesson_id, _subject) in self.lessons.items()}
        classes = set()
        for student_id, lesson_id, day in changed:
            if lesson_id is not None and lesson_id in class_of_lesson:
                classes.add(class_of_lesson[lesson_id])
                continue
            spans = self.spans.get(student_id, ())
            holding = [c for c, since, until in spans if day is not None and membership.holds(since, until, day)]
            classes.update(holding or [c for c, _since, _until in spans])
        revisions.bump(classes)


class GradesHandler(_ByStudent):
    FIELDS = ("value", "weight", "remark")

    def load(self, parsed):
        super().load(parsed)
        self.subjects = self._subjects()

    def check(self, parsed):
        problems = []
        self.rows = []
        for line, v in parsed:
            student = self._student(line, v, problems)
            subject_id = self.subjects.get(v["subject"])
            if subject_id is None:
                problems.append(self.problem(line, "subject", "предмет не найден в школе (загрузите предметы)"))
            if student is None or subject_id is None:
                continue
            if not grading.lesson_is_open(v["date"]):
                problems.append(self.problem(line, "date", grading.future_lesson_message()))
                continue
            lesson_id = None
            if v["number"] is not None:
                lesson = self.lessons.get((student[1], v["date"], v["number"]))
                if lesson is None:
                    problems.append(self.problem(line, "number", "нет такого урока в расписании класса"))
                    continue
                if lesson[1] != subject_id:
                    problems.append(self.problem(line, "subject", "урок с этим номером — по другому предмету"))
                    continue
                lesson_id = lesson[0]
            self.rows.append((line, dict(
                student_id=student[0], subject_id=subject_id, lesson_id=lesson_id, period_id=None,
                date=v["date"], value=v["value"], kind=v["kind"], remark=v["remark"],
                weight=v["weight"] if v["weight"] is not None else grading.default_weight(v["kind"]))))
        problems.extend(self._duplicates(self.rows, self.key))
        return problems

    @staticmethod
    def key(r):
        return (r["student_id"], r["subject_id"], r["date"], r["lesson_id"], r["kind"])

    def apply(self, parsed, report):
        rows = [r for _, r in self.rows]
        student_ids = sorted({r["student_id"] for r in rows})
        dates = [r["date"] for r in rows]
        existing = {}
        for chunk in chunks(student_ids, 900):
            for g in db.session.execute(
                select(Grade.id, Grade.student_id, Grade.subject_id, Grade.date, Grade.lesson_id, Grade.kind,
                       Grade.value, Grade.weight, Grade.remark).where(
                    Grade.student_id.in_(chunk), Grade.date >= min(dates), Grade.date <= max(dates))):
                existing[(g.student_id, g.subject_id, g.date, g.lesson_id, g.kind)] = (
                    g.id, {"value": g.value, "weight": g.weight, "remark": g.remark})
        inserts, updates, unchanged = self._split(existing, rows, self.key, self.FIELDS)
        now = utcnow()
        for r in inserts:
            r["created_at"] = r["updated_at"] = now
        for r in updates:
            r["updated_at"] = now
        bulk_insert(Grade, inserts)
        bulk_update(Grade, updates)
        before = {row_id: key for key, (row_id, _values) in existing.items()}  # key: pupil, subject, date, lesson
        self._bump([(r["student_id"], r["lesson_id"], r["date"]) for r in inserts]
                   + [(before[u["id"]][0], before[u["id"]][3], before[u["id"]][2]) for u in updates])
        report.created, report.updated, report.unchanged = len(inserts), len(updates), unchanged


class AttendanceHandler(_ByStudent):
    def check(self, parsed):
        problems = []
        self.rows = []
        for line, v in parsed:
            student = self._student(line, v, problems)
            if student is None:
                continue
            lesson = self.lessons.get((student[1], v["date"], v["number"]))
            if lesson is None:
                problems.append(self.problem(line, "number", "нет такого урока в расписании класса"))
                continue
            if not grading.lesson_is_open(v["date"]):
                problems.append(self.problem(line, "date", grading.attendance_message()))
                continue
            self.rows.append((line, dict(student_id=student[0], lesson_id=lesson[0], mark=v["mark"])))
        problems.extend(self._duplicates(self.rows, lambda r: (r["student_id"], r["lesson_id"])))
        return problems

    def apply(self, parsed, report):
        rows = [r for _, r in self.rows]
        lesson_ids = sorted({r["lesson_id"] for r in rows})
        existing = {}
        for chunk in chunks(lesson_ids, 900):
            for a in db.session.execute(select(Attendance.id, Attendance.student_id, Attendance.lesson_id,
                                               Attendance.mark).where(Attendance.lesson_id.in_(chunk))):
                existing[(a.student_id, a.lesson_id)] = (a.id, {"mark": a.mark})
        inserts, updates, unchanged = self._split(
            existing, rows, lambda r: (r["student_id"], r["lesson_id"]), ("mark",))
        now = utcnow()
        for r in inserts:
            r["created_at"] = now
        bulk_insert(Attendance, inserts)
        bulk_update(Attendance, updates)
        before = {row_id: key for key, (row_id, _values) in existing.items()}  # key: pupil, lesson
        self._bump([(r["student_id"], r["lesson_id"], None) for r in inserts]
                   + [(*before[u["id"]], None) for u in updates])
        report.created, report.updated, report.unchanged = len(inserts), len(updates), unchanged
