"""The audit log's «Подробности» as a person reads them: «Причина: неверный пароль; Строка файла: 3»
instead of the stored JSON's keys and codes ({'reason': 'wrong_password', 'line': 3}). The stored
details stay as they are (the API gives them so); only the screen translates."""
import re

from flask_babel import gettext

from .. import formats
from ..diary.imports.formats import KINDS
from ..models import AuditDetail, DocumentType, LinkReason, Relation, Scope

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _kind(value):
    if value in KINDS:
        return KINDS[value].title
    return Relation.label_for(value)


CODES = {"reason": LinkReason.label_for, "document_type": DocumentType.label_for, "kind": _kind,
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
    return str(AuditDetail.label_for(key))


def describe(details):
    """«Причина: неверный пароль; Строка файла: 3» for the stored details (a dict), "" for none."""
    if not isinstance(details, dict) or not details:
        return "" if not details else str(details)
    return "; ".join(f"{_label(key)}: {_value(key, value)}" for key, value in details.items())
