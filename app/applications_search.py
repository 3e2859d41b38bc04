"""The one search of applications, for the clerk's queue («Найти», app/views/applications.py) and
the API's `GET /api/v1/applications?q=` (app/api/applications.py): what a person types becomes one
SQL condition, so the same text finds the same rows on both.

- Whitespace is squeezed, control characters are removed (app.inputs.clean) and the text is cut to
  MAX_LENGTH characters.
- A code, however loosely typed ('7kq4mz', '7KQ 4MZ', ' 7kq-4mz '), is the code: an exact match.
- Anything else is the beginning of the child's last name: its first word, with the first letter
  made upper-case as names are stored (app.workflow.rules), compared case-insensitively with LIKE,
  % and _ escaped (a search for "%" finds a literal "%", not every application).
The caller adds the scope (app.access.application_scope): the search never widens it."""
from dataclasses import dataclass

from .inputs import clean, like_prefix
from .models import Application
from .workflow.rules import normalize_code

MAX_LENGTH = 100


@dataclass(frozen=True)
class Search:
    text: str  # as typed, squeezed: shown back in the search box
    code: str | None = None  # '7KQ-4MZ' when the text is a code
    surname: str | None = None  # else the beginning of the last name

    def __bool__(self):
        return bool(self.text)

    def condition(self):
        """The SQL condition, or None for an empty search."""
        if self.code:
            return Application.code == self.code
        if self.surname:
            return surname_condition(self.surname)
        return None


def parse(text):
    """What was typed -> Search (text, code or surname)."""
    text = " ".join(clean(text or "").split())[:MAX_LENGTH]
    if not text:
        return Search("")
    code = normalize_code(text)
    if code:
        return Search(text, code=code)
    word = text.split()[0]
    return Search(text, surname=word[:1].upper() + word[1:])


def surname_condition(surname):
    """Last names beginning with `surname`."""
    return Application.child_last_name.ilike(like_prefix(surname), escape="\\")


def last_name_filter(value):
    """The queue's own last-name filter (`_flt_0_child_last_name`, where «Найти» sends
    `parse(text).surname`): (the name squeezed and cut, its condition or None)."""
    name = " ".join(clean(value or "").split())[:MAX_LENGTH]
    return name, (surname_condition(name) if name else None)


def condition(text):
    """The SQL condition for what was typed, or None when nothing was."""
    return parse(text).condition()
