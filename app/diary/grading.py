"""The rules of a grade, in one place: which lessons may be graded (only those up to today in the
service's time zone, app/clock.py), which kinds of work a lesson's grade may be and the weight each
kind carries by default (1..5, also a CHECK constraint of the table), what a remark may be, and
what a final grade is. The journal's grid and its per-lesson form, the journal's JSON writes and
the marks import ask here, so a grade on next week's lesson is refused everywhere alike."""
from flask_babel import gettext

from .. import clock, inputs
from ..domain_error import DomainError
from ..models import GRADE_VALUES, GradeKind

MIN_WEIGHT, MAX_WEIGHT = 1, 5
REMARK_MAX = 500

# the weight a grade of each kind of work carries unless the teacher says otherwise
DEFAULT_WEIGHTS = {
    GradeKind.CURRENT: 1,
    GradeKind.HOMEWORK: 1,
    GradeKind.INDEPENDENT: 2,
    GradeKind.PRACTICAL: 2,
    GradeKind.DICTATION: 3,
    GradeKind.TEST: 3,
}


class GradingError(DomainError):
    """A grade the rules refuse: 400 with a Russian message (and the form field it is about)."""

    def __init__(self, message, field=None):
        super().__init__(message, {field: message} if field else None, 400)


def future_lesson_message():
    return gettext("You cannot grade a lesson that has not taken place yet.")


def lesson_is_open(day, today=None):
    """Whether a lesson of this date may be graded and marked: it took place today or before, by
    St. Petersburg's calendar (at 01:30 on Monday in St. Petersburg, Monday's lessons are not
    open yet for a UTC server's Sunday, and are for St. Petersburg's Monday)."""
    return day <= (today or clock.today())


def check_lesson_open(day, field="value"):
    """GradingError when the lesson of this date has not taken place yet."""
    if not lesson_is_open(day):
        raise GradingError(future_lesson_message(), field)


def attendance_message():
    return gettext("You cannot mark attendance of a lesson that has not taken place yet.")


def check_attendance_open(day, field="value"):
    """GradingError when the lesson of this date has not taken place yet (no absence ahead)."""
    if not lesson_is_open(day):
        raise GradingError(attendance_message(), field)


def lesson_kinds():
    """(code, label) of the kinds of work a lesson's grade may be, for a select field."""
    return [(kind.value, kind.label) for kind in GradeKind.LESSON]


def lesson_kind(value, field="kind"):
    """The kind of work of a lesson's grade: absent → «ответ на уроке»; a final kind or an unknown
    code → 400."""
    if value is None or value == "":
        return GradeKind.CURRENT
    kind = GradeKind.get(value) if isinstance(value, str) else None
    if kind not in GradeKind.LESSON:
        raise GradingError(gettext("Choose a kind of work from the list."), field)
    return kind


def default_weight(kind):
    return DEFAULT_WEIGHTS.get(kind, 1)


def weight(value, kind, field="weight"):
    """The weight of a grade: absent → the kind's default; a whole number 1..5 else 400."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default_weight(kind)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise GradingError(weight_message(), field)
    text = value.strip() if isinstance(value, str) else str(value)
    if not text.isascii() or not text.isdigit() or not MIN_WEIGHT <= int(text) <= MAX_WEIGHT:
        raise GradingError(weight_message(), field)
    return int(text)


def weight_message():
    return gettext("The weight of a grade is a whole number from %(low)s to %(high)s.",
                   low=MIN_WEIGHT, high=MAX_WEIGHT)


def remark(value, field="remark"):
    """A grade's remark: plain text on one line, control characters stripped, ≤ 500 characters."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise GradingError(gettext("Enter text."), field)
    value = " ".join(inputs.clean(value).split())
    if len(value) > REMARK_MAX:
        raise GradingError(gettext("The remark is too long (at most %(n)s characters).", n=REMARK_MAX), field)
    return value


def grade_value(value, field="value"):
    """A grade as typed: 1–5, зч, нзч (or empty: no grade) → the stored code or None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise GradingError(value_message(), field)
    value = inputs.clean(value).strip().lower()
    if not value:
        return None
    if value not in GRADE_VALUES:
        raise GradingError(value_message(), field)
    return value


def value_message():
    return gettext("Enter a grade 1–5, зч or нзч.")
