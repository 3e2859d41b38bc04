"""The audit log's «Подробности» as a person reads them: «Причина: неверный пароль; Строка файла: 3»
instead of the stored JSON's keys and codes ({'reason': 'wrong_password', 'line': 3}). The stored
details stay as they are (the API gives them so); only the screen translates."""
import re

from flask_babel import gettext, lazy_gettext as _l, lazy_pgettext as _lp

from .. import formats
from ..diary.imports.formats import KINDS
from ..models import DocumentType, Relation, Scope

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

LABELS = {
    # application transitions (app/workflow/transitions.py)
    "reason": _l("Reason"),
    "document_type": _l("Document"),
    "student_id": _l("Pupil (roster id)"),
    "class_name": _l("Class"),
    # the journal (app/diary/journal.py)
    "lesson": _l("Lesson (id)"),
    "date": _l("Date"),
    "subject": _lp("school subject", "Subject"),
    "from": _lp("state change", "From"),
    "to": _lp("state change", "To"),
    "text": _l("Text"),
    "topic": _l("Topic"),
    "homework": _l("Homework"),
    # invitations and access (app/invitations)
    "kind": _l("Kind"),
    "scope": _l("What is shared"),
    "student": _l("Pupil (id)"),
    "until": _l("Access until"),
    "grant": _l("Access (id)"),
    # imports (app/diary/imports, app/legacy)
    "file": _l("File"),
    "rows": _l("Rows"),
    "created": _l("Added"),
    "updated": _l("Updated"),
    "line": _l("Line of the file"),
    "password_hash": _l("Password changed"),
    "full_name": _l("Name changed"),
    "grants": _l("Accesses added"),
    "applications": _l("Applications moved"),
    # linking an old account (app/legacy/linking.py)
    "same_user": _l("Already linked to this parent"),
    "grants_moved": _l("Accesses moved"),
    "grants_revoked": _l("Accesses revoked"),
    "applications_moved": _l("Applications moved"),
    "applications_kept": _l("Applications left with the old account"),
    "student_ids": _l("Pupils (id)"),
    "application_codes": _l("Application codes"),
}

REASONS = {  # app/legacy/linking.py
    "unknown_email": _l("no old account with this e-mail"),
    "wrong_password": _l("wrong password"),
    "already_linked": _l("the old account is already linked"),
    "too_many_attempts": _l("too many attempts"),
}


def _kind(value):
    if value in KINDS:
        return KINDS[value].title
    return Relation.label_for(value)


CODES = {"reason": lambda v: REASONS.get(v, v), "document_type": DocumentType.label_for, "kind": _kind,
         "scope": Scope.label_for}


def _value(key, value):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, dict):  # {"from": old, "to": new}
        if set(value) <= {"from", "to"}:
            return f"«{_value(key, value.get('from'))}» → «{_value(key, value.get('to'))}»"
        return "; ".join(f"{_label(k)}: {_value(k, v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_value(key, v) for v in value) or "—"
    if isinstance(value, str) and ISO_DATE.match(value):
        try:
            from datetime import date

            return formats.date(date.fromisoformat(value))
        except ValueError:
            return value
    if key in CODES and isinstance(value, str):
        return str(CODES[key](value))
    if isinstance(value, (int, float)):
        return formats.number(value)
    return str(value)


def _label(key):
    return str(LABELS.get(key, key))


def describe(details):
    """«Причина: неверный пароль; Строка файла: 3» for the stored details (a dict), "" for none."""
    if not isinstance(details, dict) or not details:
        return "" if not details else str(details)
    return "; ".join(f"{_label(key)}: {_value(key, value)}" for key, value in details.items())
