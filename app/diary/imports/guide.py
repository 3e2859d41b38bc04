"""The formats of the import files as the upload page shows them to the school's clerk: per kind
of data its columns (required ones marked), what a cell holds, and the key a re-import matches
rows on. The columns and keys come from formats.KINDS, so the page cannot drift from the importer."""
from flask_babel import lazy_gettext as _l

from ...models import AttendanceMark
from .formats import KIND_WORDS, KINDS

_HINTS = {
    "class": _l("class, e.g. 7 «Б»"),
    "class_teacher": _l("the class teacher's login"),
    "subject": _l("subject"),
    "username": _l("login"),
    "teacher": _l("the teacher's login"),
    "last_name": _l("last name"),
    "first_name": _l("first name"),
    "middle_name": _l("patronymic"),
    "email": _l("e-mail"),
    "student_id": _l("the pupil's identifier in the school system"),
    "birth_date": _l("date of birth"),
    "sex": _l("sex: м or ж; if empty, derived from the patronymic"),
    "date": _l("date"),
    "number": _l("lesson number in the day"),
    "starts_at": _l("start time"),
    "ends_at": _l("end time"),
    "room": _l("room"),
    "topic": _l("lesson topic"),
    "homework": _l("homework"),
    "value": _l("grade 1–5, зч (pass) or нзч (fail)"),
    "kind": None,  # the grade kinds, listed from GradeKind
    "weight": _l("weight 1–5; by default the weight of the kind of work"),
    "remark": _l("remark"),
    "mark": None,  # the attendance marks, listed from AttendanceMark
}


def _hint(name):
    if name == "kind":
        words = [word for word, _kind in KIND_WORDS]  # the words the importer names in its errors
        return str(_l("kind of work: %(kinds)s; empty: current", kinds=", ".join(words)))
    if name == "mark":
        marks = ", ".join(f"{mark.value} ({str(mark.label).lower()})" for mark in AttendanceMark)
        return str(_l("mark: %(marks)s", marks=marks))
    hint = _HINTS.get(name)
    return str(hint) if hint is not None else ""


def formats():
    """[{title, columns: [{name, required, hint}], key: [names]}] in the importer's order."""
    return [{"title": kind.title,
             "columns": [{"name": c.name, "required": c.required, "hint": _hint(c.name)} for c in kind.columns],
             "key": list(kind.key)}
            for kind in KINDS.values()]
