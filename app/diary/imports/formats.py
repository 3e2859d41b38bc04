"""What each kind of import file contains: its columns, how a cell is read, and the natural key
a re-import matches rows on. docs/import.md describes the same in Russian for schools."""
import re
from dataclasses import dataclass
from datetime import date, datetime, time

from ...models import GRADE_VALUES, AttendanceMark, GradeKind


class CellError(ValueError):
    """A cell's value is not acceptable: the message is Russian and shown to the school."""


def text(limit):
    def parse(value):
        if len(value) > limit:
            raise CellError(f"не длиннее {limit} символов")
        return value

    return parse


def name_part(value):
    if len(value) > 100:
        raise CellError("не длиннее 100 символов")
    if value and not re.fullmatch(r"[A-Za-zА-Яа-яЁё' .\-]+", value):
        raise CellError("допустимы только буквы, дефис, апостроф и пробел")
    return value


def _read_as(value, patterns, message):
    """The moment the first of `patterns` reads in `value`; none: CellError(message)."""
    for pattern in patterns:
        try:
            return datetime.strptime(value, pattern)
        except ValueError:
            continue
    raise CellError(message)


def a_date(value):
    return _read_as(value, ("%Y-%m-%d", "%d.%m.%Y"), "дата в формате ГГГГ-ММ-ДД или ДД.ММ.ГГГГ").date()


def a_time(value):
    return _read_as(value, ("%H:%M", "%H:%M:%S"), "время в формате ЧЧ:ММ").time()


def whole(low, high):
    def parse(value):
        try:
            number = int(value)
        except ValueError:
            raise CellError(f"целое число от {low} до {high}") from None
        if not low <= number <= high:
            raise CellError(f"целое число от {low} до {high}")
        return number

    return parse


GRADE_ALIASES = {"зачет": "зч", "зачёт": "зч", "незачет": "нзч", "незачёт": "нзч"}


def grade_value(value):
    value = GRADE_ALIASES.get(value.lower(), value.lower())
    if value not in GRADE_VALUES:
        raise CellError("оценка 1–5, «зч» (зачёт) или «нзч» (незачёт)")
    return value


KIND_WORDS = (  # the Russian word of each kind of grade, as the school's file writes it (named in errors)
    ("текущая", GradeKind.CURRENT), ("контрольная", GradeKind.TEST), ("самостоятельная", GradeKind.INDEPENDENT),
    ("домашняя", GradeKind.HOMEWORK), ("практическая", GradeKind.PRACTICAL), ("диктант", GradeKind.DICTATION),
    ("четвертная", GradeKind.QUARTER), ("полугодовая", GradeKind.HALF_YEAR), ("годовая", GradeKind.YEAR),
    ("экзамен", GradeKind.EXAM),
)
KIND_ALIASES = dict(KIND_WORDS) | {  # and other words for the same (the codes themselves are taken too)
    "ответ": GradeKind.CURRENT, "лабораторная": GradeKind.PRACTICAL,
    "четверть": GradeKind.QUARTER, "полугодие": GradeKind.HALF_YEAR, "год": GradeKind.YEAR,
    "экзаменационная": GradeKind.EXAM,
}


def grade_kind(value):
    value = KIND_ALIASES.get(value.lower(), value.lower() or GradeKind.CURRENT)
    if GradeKind.get(value) is None:
        words = [word for word, _kind in KIND_WORDS]
        raise CellError(f"вид оценки: {', '.join(words[:-1])} или {words[-1]}")
    return value


SEX_ALIASES = {"м": "m", "муж": "m", "мужской": "m", "m": "m", "ж": "f", "жен": "f", "женский": "f", "f": "f"}


def sex(value):
    """The pupil's sex («пол»): м / ж (also «мужской», «женский», m, f); empty: unknown."""
    if not value:
        return None
    code = SEX_ALIASES.get(value.lower().rstrip("."))
    if code is None:
        raise CellError("пол: «м» или «ж»")
    return code


def attendance_mark(value):
    value = value.upper()
    if AttendanceMark.get(value) is None:
        raise CellError("отметка Н, Б, ОП или УП")
    return value


def email(value):
    from ...inputs import InvalidInput, parse_email

    try:
        return parse_email(value, "email", required=False)  # email-validator
    except InvalidInput:
        raise CellError("адрес электронной почты") from None


def username(value):
    if not re.fullmatch(r"[A-Za-z0-9_.\-]{3,64}", value):
        raise CellError("логин: 3–64 латинских букв, цифр, «_», «.», «-»")
    return value


@dataclass(frozen=True)
class Column:
    name: str
    parse: object
    required: bool = True
    default: object = None


@dataclass(frozen=True)
class Kind:
    name: str
    title: str  # Russian, for reports
    aliases: tuple  # words in a file name that select this kind
    columns: tuple
    key: tuple  # natural key columns (documentation; the importer matches on them)

    def column(self, name):
        return next(c for c in self.columns if c.name == name)


C = Column
KINDS = {
    k.name: k
    for k in (
        Kind("classes", "классы", ("classes", "класс"),
             (C("class", text(20)), C("class_teacher", username, False)), ("class",)),
        Kind("subjects", "предметы", ("subjects", "предмет"), (C("subject", text(100)),), ("subject",)),
        Kind("teachers", "учителя", ("teachers", "учител", "педагог"),
             (C("username", username), C("last_name", name_part), C("first_name", name_part),
              C("middle_name", name_part, False, ""), C("email", email, False, "")), ("username",)),
        Kind("assignments", "нагрузка учителей", ("assignments", "нагрузк"),
             (C("teacher", username), C("class", text(20)), C("subject", text(100))),
             ("teacher", "class", "subject")),
        Kind("students", "обучающиеся", ("students", "pupils", "обучающ", "учени"),
             (C("student_id", text(64)), C("last_name", name_part), C("first_name", name_part),
              C("middle_name", name_part, False, ""), C("birth_date", a_date), C("class", text(20)),
              C("sex", sex, False, None)),
             ("student_id",)),
        Kind("lessons", "уроки (расписание)", ("lessons", "schedule", "расписан", "урок"),
             (C("class", text(20)), C("date", a_date), C("number", whole(0, 12)),
              C("subject", text(100)), C("teacher", username, False),
              C("starts_at", a_time, False), C("ends_at", a_time, False),
              C("room", text(50), False, ""), C("topic", text(500), False, ""),
              C("homework", text(5000), False, "")),
             ("class", "date", "number")),
        Kind("grades", "оценки", ("grades", "marks", "оценк"),
             (C("student_id", text(64)), C("subject", text(100)), C("date", a_date),
              C("value", grade_value), C("kind", grade_kind, False, GradeKind.CURRENT),
              C("number", whole(0, 12), False), C("weight", whole(1, 5), False, None),
              C("remark", text(500), False, "")),
             ("student_id", "subject", "date", "number", "kind")),
        Kind("attendance", "посещаемость", ("attendance", "посещаем", "пропуск"),
             (C("student_id", text(64)), C("date", a_date), C("number", whole(0, 12)),
              C("mark", attendance_mark)),
             ("student_id", "date", "number")),
    )
}


def guess_kind(filename):
    lowered = filename.lower()
    for kind in KINDS.values():
        if any(alias in lowered for alias in kind.aliases):
            return kind
    return None


def parse_row(kind, raw):
    """-> (values, errors) where errors is [(column, message)]."""
    values, errors = {}, []
    for column in kind.columns:
        cell = raw.get(column.name, "").strip()
        if not cell:
            if column.required:
                errors.append((column.name, "обязательное поле не заполнено"))
            values[column.name] = column.default
            continue
        try:
            values[column.name] = column.parse(cell)
        except CellError as exc:
            errors.append((column.name, f"{exc} (указано «{cell[:40]}»)"))
    return values, errors


__all__ = ["KINDS", "Kind", "Column", "CellError", "guess_kind", "parse_row", "date", "time"]
