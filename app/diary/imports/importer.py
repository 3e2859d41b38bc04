"""Validate a whole file, then apply it in one transaction (all-or-nothing), matching rows on
natural keys so that a re-import updates instead of duplicating. Bulk statements keep a school
term of grades (~100,000 rows) within seconds (bench/import_bench.py measures it)."""
import secrets
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select, update

from ... import roles
from ...bulk import bulk_load
from ...extensions import db
from ...models import (
    Attendance,
    AuditEvent,
    ClassMembership,
    Grade,
    Lesson,
    School,
    SchoolClass,
    StaffAssignment,
    Student,
    Subject,
    TeachingAssignment,
    User,
    utcnow,
)
from . import readers
from .formats import KINDS, guess_kind, parse_row

MAX_PROBLEMS = 200  # a report longer than this helps nobody; the count is still given
CHUNK = 5000


@dataclass
class Problem:
    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self):
        where = [self.file]
        if self.line:
            where.append(f"строка {self.line}")
        if self.column:
            where.append(f"столбец «{self.column}»")
        return f"{', '.join(where)}: {self.message}"


class ImportFailed(Exception):
    def __init__(self, problems, total=None):
        self.problems = problems[:MAX_PROBLEMS]
        self.total = total if total is not None else len(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class ImportReport:
    kind: str
    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    extra: dict = field(default_factory=dict)  # e.g. classes/subjects created on the way

    def summary(self):
        title = KINDS[self.kind].title
        text = (f"{self.file}: {title} — строк {self.rows}; добавлено {self.created}, "
                f"обновлено {self.updated}, без изменений {self.unchanged}")
        for name, count in self.extra.items():
            if count:
                text += f"; {name}: {count}"
        return text + "."


def import_file(path, school_id, kind=None, progress=None, actor_label="", data=None):
    """Import one file. Raises ImportFailed (nothing saved) with Russian problems."""
    name = str(getattr(path, "name", path)).replace("\\", "/").rsplit("/", 1)[-1]
    try:
        header, rows = readers.read(path if data is None else name, data)
    except (readers.UnreadableFile, OSError) as exc:
        raise ImportFailed([Problem(name, None, None, f"файл не прочитан: {exc}")]) from None
    chosen = KINDS.get(kind) if kind else guess_kind(name)
    if chosen is None:
        raise ImportFailed([Problem(name, None, None, (
            "не удалось определить вид данных по имени файла; укажите его явно "
            f"({', '.join(KINDS)})"))])
    missing = [c.name for c in chosen.columns if c.required and c.name not in header]
    if missing:
        raise ImportFailed([Problem(name, 1, c, "нет обязательного столбца") for c in missing])
    return import_rows(chosen.name, rows, school_id, name, progress, actor_label)


def import_rows(kind_name, rows, school_id, filename, progress=None, actor_label=""):
    kind = KINDS[kind_name]
    school = db.session.get(School, school_id)
    if school is None:
        raise ImportFailed([Problem(filename, None, None, f"школа с id={school_id} не найдена")])
    parsed, problems = [], []
    for line, raw in rows:
        values, errors = parse_row(kind, raw)
        problems.extend(Problem(filename, line, column, message) for column, message in errors)
        if not errors:
            parsed.append((line, values))
        if progress:
            progress(1)
    handler = HANDLERS[kind.name](school, filename)
    try:
        # references (pupils, subjects, lessons…) are checked on the rows whose cells are fine,
        # so one report lists every problem of the file
        handler.load(parsed)
        problems.extend(handler.check(parsed))
        if problems:
            problems.sort(key=lambda p: (p.line or 0))
            raise ImportFailed(problems)
        report = ImportReport(kind.name, filename, rows=len(rows))
        if not parsed:
            return report  # an empty export changes nothing
        handler.apply(parsed, report)
        db.session.add(AuditEvent(
            actor_label=actor_label or "import", action="import", object_type="school",
            object_id=school.id, details={"kind": kind.name, "file": filename, "rows": report.rows,
                                          "created": report.created, "updated": report.updated},
        ))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if kind.name in ROLLUP_KINDS:
        from ...reports.rollup import refresh

        refresh(full=True, school_id=school.id)  # the school's figures in the reports, at once
    return report


ROLLUP_KINDS = {"students", "lessons", "grades", "attendance"}


def _chunks(items, size=CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _bulk_insert(model, rows):
    """New rows (dicts with the same keys): COPY on PostgreSQL — a term of grades is ~100,000
    rows — multi-row INSERT elsewhere (app.bulk)."""
    if not rows:
        return
    columns = list(rows[0])
    bulk_load(model.__tablename__, columns, ([r[c] for c in columns] for r in rows))


def _bulk_update(model, rows):
    for chunk in _chunks(rows):
        db.session.execute(update(model), chunk)


class Handler:
    def __init__(self, school, filename):
        self.school = school
        self.filename = filename

    def problem(self, line, column, message):
        return Problem(self.filename, line, column, message)

    def load(self, parsed):
        pass

    def check(self, parsed):
        return []

    # helpers shared by kinds -------------------------------------------------------------
    def _classes(self):
        return dict(db.session.execute(
            select(SchoolClass.name, SchoolClass.id).where(SchoolClass.school_id == self.school.id)
        ).all())

    def _subjects(self):
        return dict(db.session.execute(
            select(Subject.name, Subject.id).where(Subject.school_id == self.school.id)
        ).all())

    def _teachers(self):
        return dict(db.session.execute(
            select(User.username, User.id)
            .join(StaffAssignment, StaffAssignment.user_id == User.id)
            .where(StaffAssignment.school_id == self.school.id)
        ).all())

    def _ensure(self, model, mapping, names, report, label):
        """Create missing classes/subjects by name (schools export them implicitly)."""
        new = sorted({n for n in names if n not in mapping})
        for name in new:
            row = model(school_id=self.school.id, name=name)
            db.session.add(row)
            db.session.flush()
            mapping[name] = row.id
        report.extra[label] = report.extra.get(label, 0) + len(new)

    def _duplicates(self, parsed, key):
        seen, problems = {}, []
        for line, values in parsed:
            k = key(values)
            if k in seen:
                problems.append(self.problem(line, None, f"повторяет строку {seen[k]} (тот же ключ)"))
            else:
                seen[k] = line
        return problems

    @staticmethod
    def _split(existing, rows, key, fields):
        """rows -> (inserts, updates, unchanged count) against existing {key: (id, {field: v})}."""
        inserts, updates, unchanged = [], [], 0
        for row in rows:
            found = existing.get(key(row))
            if found is None:
                inserts.append(row)
                continue
            row_id, current = found
            changed = {f: row[f] for f in fields if current.get(f) != row[f]}
            if changed:
                updates.append({"id": row_id, **changed})
            else:
                unchanged += 1
        return inserts, updates, unchanged


class ClassesHandler(Handler):
    def load(self, parsed):
        self.teachers = self._teachers()

    def check(self, parsed):
        problems = self._duplicates(parsed, lambda v: v["class"])
        for line, v in parsed:
            if v["class_teacher"] and v["class_teacher"] not in self.teachers:
                problems.append(self.problem(line, "class_teacher", "учитель с таким логином не найден в школе"))
        return problems

    def apply(self, parsed, report):
        existing = {r.name: r for r in db.session.execute(
            select(SchoolClass).where(SchoolClass.school_id == self.school.id)).scalars()}
        for _, v in parsed:
            teacher_id = self.teachers.get(v["class_teacher"]) if v["class_teacher"] else None
            row = existing.get(v["class"])
            if row is None:
                db.session.add(SchoolClass(school_id=self.school.id, name=v["class"], class_teacher_id=teacher_id))
                report.created += 1
            elif row.class_teacher_id != teacher_id:
                row.class_teacher_id = teacher_id
                report.updated += 1
            else:
                report.unchanged += 1


class SubjectsHandler(Handler):
    def check(self, parsed):
        return self._duplicates(parsed, lambda v: v["subject"])

    def apply(self, parsed, report):
        existing = self._subjects()
        for _, v in parsed:
            if v["subject"] in existing:
                report.unchanged += 1
            else:
                db.session.add(Subject(school_id=self.school.id, name=v["subject"]))
                existing[v["subject"]] = None
                report.created += 1


class TeachersHandler(Handler):
    def load(self, parsed):
        names = [v["username"] for _, v in parsed]
        self.users = {u.username: u for u in db.session.execute(
            select(User).where(User.username.in_(names))).scalars()}
        self.assignments = {a.user_id: a for a in db.session.execute(
            select(StaffAssignment).where(StaffAssignment.user_id.in_([u.id for u in self.users.values()]))
        ).scalars()}

    def check(self, parsed):
        problems = self._duplicates(parsed, lambda v: v["username"])
        for line, v in parsed:
            user = self.users.get(v["username"])
            if user is None:
                continue
            assignment = self.assignments.get(user.id)
            if assignment is None or assignment.school_id != self.school.id:
                problems.append(self.problem(line, "username", "этот логин уже занят сотрудником другой организации"))
        return problems

    def apply(self, parsed, report):
        sm = current_app.appbuilder.sm
        role = sm.find_role(roles.TEACHER)
        for _, v in parsed:
            user = self.users.get(v["username"])
            email = v["email"] or f"{v['username']}@staff.diary.localhost"
            first = " ".join(p for p in (v["first_name"], v["middle_name"]) if p)
            if user is None:
                # No password: the school admin sets one (FAB's "reset password") before first login.
                user = sm.add_user(v["username"], first, v["last_name"], email, role,
                                   secrets.token_urlsafe(24))
                if not user:
                    raise ImportFailed([self.problem(None, "email", f"адрес {email} уже занят")])
                user.active = True
                db.session.add(StaffAssignment(user_id=user.id, school_id=self.school.id))
                report.created += 1
            elif (user.first_name, user.last_name, user.email) != (first, v["last_name"], email):
                user.first_name, user.last_name, user.email = first, v["last_name"], email
                report.updated += 1
            else:
                report.unchanged += 1


class AssignmentsHandler(Handler):
    def load(self, parsed):
        self.teachers = self._teachers()

    def check(self, parsed):
        problems = self._duplicates(parsed, lambda v: (v["teacher"], v["class"], v["subject"]))
        for line, v in parsed:
            if v["teacher"] not in self.teachers:
                problems.append(self.problem(line, "teacher", "учитель с таким логином не найден в школе"))
        return problems

    def apply(self, parsed, report):
        classes, subjects = self._classes(), self._subjects()
        self._ensure(SchoolClass, classes, [v["class"] for _, v in parsed], report, "новых классов")
        self._ensure(Subject, subjects, [v["subject"] for _, v in parsed], report, "новых предметов")
        existing = set(db.session.execute(
            select(TeachingAssignment.teacher_id, TeachingAssignment.class_id, TeachingAssignment.subject_id)
            .where(TeachingAssignment.class_id.in_(list(classes.values())))).all())
        for _, v in parsed:
            key = (self.teachers[v["teacher"]], classes[v["class"]], subjects[v["subject"]])
            if key in existing:
                report.unchanged += 1
            else:
                db.session.add(TeachingAssignment(teacher_id=key[0], class_id=key[1], subject_id=key[2]))
                existing.add(key)
                report.created += 1


class StudentsHandler(Handler):
    FIELDS = ("last_name", "first_name", "middle_name", "birth_date", "class_name")

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
        rows = [dict(school_id=self.school.id, external_id=v["student_id"], last_name=v["last_name"],
                     first_name=v["first_name"], middle_name=v["middle_name"], birth_date=v["birth_date"],
                     class_name=v["class"]) for _, v in parsed]
        inserts, updates, unchanged = self._split(existing, rows, lambda r: r["external_id"], self.FIELDS)
        _bulk_insert(Student, inserts)
        _bulk_update(Student, updates)
        report.created, report.updated, report.unchanged = len(inserts), len(updates), unchanged
        # class membership follows the class column
        ids = dict(db.session.execute(select(Student.external_id, Student.id).where(
            Student.school_id == self.school.id, Student.external_id.isnot(None))).all())
        members = set(db.session.execute(select(ClassMembership.student_id, ClassMembership.class_id).where(
            ClassMembership.class_id.in_(list(classes.values())))).all())
        new = [{"student_id": ids[r["external_id"]], "class_id": classes[r["class_name"]], "since": None}
               for r in rows if (ids[r["external_id"]], classes[r["class_name"]]) not in members]
        _bulk_insert(ClassMembership, new)


class _ByStudent(Handler):
    """Kinds whose rows name a pupil by the school system's id (grades, attendance)."""

    def load(self, parsed):
        self.classes = self._classes()
        self.students = {
            ext: (sid, self.classes.get(class_name))
            for ext, sid, class_name in db.session.execute(
                select(Student.external_id, Student.id, Student.class_name).where(
                    Student.school_id == self.school.id, Student.external_id.isnot(None)))
        }
        dates = [v["date"] for _, v in parsed if v.get("date")]
        self.lessons = {}
        if dates:
            for lid, class_id, day, number, subject_id in db.session.execute(
                select(Lesson.id, Lesson.class_id, Lesson.date, Lesson.number, Lesson.subject_id).where(
                    Lesson.class_id.in_(list(self.classes.values()) or [-1]),
                    Lesson.date >= min(dates), Lesson.date <= max(dates))):
                self.lessons[(class_id, day, number)] = (lid, subject_id)

    def _student(self, line, v, problems):
        found = self.students.get(v["student_id"])
        if found is None:
            problems.append(self.problem(line, "student_id", "обучающийся с таким идентификатором не найден в школе"))
        return found


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
                date=v["date"], value=v["value"], kind=v["kind"], weight=v["weight"], remark=v["remark"])))
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
        for chunk in _chunks(student_ids, 900):
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
        _bulk_insert(Grade, inserts)
        _bulk_update(Grade, updates)
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
            self.rows.append((line, dict(student_id=student[0], lesson_id=lesson[0], mark=v["mark"])))
        problems.extend(self._duplicates(self.rows, lambda r: (r["student_id"], r["lesson_id"])))
        return problems

    def apply(self, parsed, report):
        rows = [r for _, r in self.rows]
        lesson_ids = sorted({r["lesson_id"] for r in rows})
        existing = {}
        for chunk in _chunks(lesson_ids, 900):
            for a in db.session.execute(select(Attendance.id, Attendance.student_id, Attendance.lesson_id,
                                               Attendance.mark).where(Attendance.lesson_id.in_(chunk))):
                existing[(a.student_id, a.lesson_id)] = (a.id, {"mark": a.mark})
        inserts, updates, unchanged = self._split(
            existing, rows, lambda r: (r["student_id"], r["lesson_id"]), ("mark",))
        now = utcnow()
        for r in inserts:
            r["created_at"] = now
        _bulk_insert(Attendance, inserts)
        _bulk_update(Attendance, updates)
        report.created, report.updated, report.unchanged = len(inserts), len(updates), unchanged


class LessonsHandler(Handler):
    FIELDS = ("subject_id", "teacher_id", "starts_at", "ends_at", "room", "topic", "homework")

    def load(self, parsed):
        self.teachers = self._teachers()

    def check(self, parsed):
        problems = self._duplicates(parsed, lambda v: (v["class"], v["date"], v["number"]))
        for line, v in parsed:
            if v["teacher"] and v["teacher"] not in self.teachers:
                problems.append(self.problem(line, "teacher", "учитель с таким логином не найден в школе"))
            if v["starts_at"] and v["ends_at"] and v["ends_at"] <= v["starts_at"]:
                problems.append(self.problem(line, "ends_at", "урок должен заканчиваться позже, чем начинается"))
        return problems

    def apply(self, parsed, report):
        classes, subjects = self._classes(), self._subjects()
        self._ensure(SchoolClass, classes, [v["class"] for _, v in parsed], report, "новых классов")
        self._ensure(Subject, subjects, [v["subject"] for _, v in parsed], report, "новых предметов")
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
        _bulk_insert(Lesson, inserts)
        _bulk_update(Lesson, updates)
        report.created, report.updated, report.unchanged = len(inserts), len(updates), unchanged


HANDLERS = {
    "classes": ClassesHandler, "subjects": SubjectsHandler, "teachers": TeachersHandler,
    "assignments": AssignmentsHandler, "students": StudentsHandler, "lessons": LessonsHandler,
    "grades": GradesHandler, "attendance": AttendanceHandler,
}
assert set(HANDLERS) == set(KINDS)
