"""Validate a whole file, then apply it in one transaction (all-or-nothing), matching rows on
natural keys so that a re-import updates instead of duplicating. Bulk statements keep a school
term of grades (~100,000 rows) within seconds (bench/import_bench.py measures it).

One handler per kind of data: directory.py (classes, subjects, teachers, assignments), pupils.py
(the roster and class memberships), timetable.py (lessons), marks.py (grades, attendance); what
they share is in base.py, the answers (problems, report) in report.py."""
from ...extensions import db
from ...models import AuditActor, AuditEvent, School
from . import readers
from .directory import AssignmentsHandler, ClassesHandler, SubjectsHandler, TeachersHandler
from .formats import KINDS, guess_kind, parse_row
from .marks import AttendanceHandler, GradesHandler
from .pupils import StudentsHandler
from .report import ImportFailed, ImportReport, Problem
from .timetable import LessonsHandler

__all__ = ["ImportFailed", "ImportReport", "Problem", "import_file", "import_rows", "HANDLERS"]

HANDLERS = {
    "classes": ClassesHandler, "subjects": SubjectsHandler, "teachers": TeachersHandler,
    "assignments": AssignmentsHandler, "students": StudentsHandler, "lessons": LessonsHandler,
    "grades": GradesHandler, "attendance": AttendanceHandler,
}
assert set(HANDLERS) == set(KINDS)


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
            "не удалось определить вид данных по имени файла; укажите вид данных "
            f"({', '.join(kind.title for kind in KINDS.values())}) или назовите файл по нему, "
            "например «оценки_6А.csv»"))])
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
            actor_label=actor_label or AuditActor.DATA_IMPORT.value, action="import", object_type="school",
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
