"""The school year as the school's tables say: `AcademicYear` (e.g. 2 September – 31 May) and its
`Period` rows (quarters, half-years, each with the school's own dates). Every page that counts
"since the start of the year" (grades, attendance, progress, statistics, the reports) and every
place that names a quarter («I четверть») asks here.

A school without any AcademicYear row: the service cannot know its calendar, and no screen or
import lets a school enter one yet, so `assumed_year` — the ONE place of the «1 сентября» rule —
stands in for the dates (never for the periods: without Period rows a final grade is shown by its
kind and date, not with an invented quarter)."""
from datetime import date

from flask_babel import gettext, pgettext
from sqlalchemy import select

from .. import clock
from ..extensions import db
from ..models import AcademicYear, GradeKind, Period, PeriodKind

ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
         (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def roman(number):
    """1 → I, 4 → IV: quarters and half-years are numbered so in Russian («II четверть»)."""
    if not isinstance(number, int) or not 0 < number < 4000:
        raise ValueError(f"no Roman numeral for {number!r}")
    digits = []
    for value, letters in ROMAN:
        count, number = divmod(number, value)
        digits.append(letters * count)
    return "".join(digits)


def current_year(school_id, day=None):
    """The school's AcademicYear holding `day` (default: the service's today), or — between two
    years, in summer — the latest one that started; None when the school has none."""
    day = day or clock.today()
    return db.session.execute(
        select(AcademicYear).where(AcademicYear.school_id == school_id, AcademicYear.starts_on <= day)
        .order_by(AcademicYear.starts_on.desc()).limit(1)
    ).scalar_one_or_none()


def assumed_year(day):
    """(start, end) of the school year holding `day` by the general rule — 1 September to 31 May —
    for a school that has no AcademicYear row (the only place this rule is written)."""
    start_year = day.year if day.month >= 9 else day.year - 1
    return date(start_year, 9, 1), date(start_year + 1, 5, 31)


def year_dates(school_id, day=None):
    """(start, end) of the school's current year: from the tables, else the assumed one."""
    day = day or clock.today()
    return dates_of(current_year(school_id, day), day)


def dates_of(year, day):
    """(start, end) of `year` (current_year's answer for `day`), else the assumed year of `day`."""
    return (year.starts_on, year.ends_on) if year is not None else assumed_year(day)


def since_start(school_id, day=None):
    """(start of the school year, day): the default dates of the families' grade pages."""
    day = day or clock.today()
    start, _end = year_dates(school_id, day)
    return min(start, day), day


PERIOD_ORDER = (Period.starts_on, Period.kind, Period.number)


def _period_order(period):
    """PERIOD_ORDER for periods already loaded."""
    return tuple(getattr(period, column.key) for column in PERIOD_ORDER)


def periods(year):
    """The year's quarters and half-years in the order of the calendar (none for None)."""
    if year is None:
        return []
    return db.session.execute(
        select(Period).where(Period.year_id == year.id).order_by(*PERIOD_ORDER)
    ).scalars().all()


def _pick(candidates, day):
    """The period holding the day (the shortest, so a quarter before its half-year); else the
    latest one that started before it (the holidays after a quarter belong to it)."""
    started = [p for p in candidates if p.starts_on <= day]
    holding = [p for p in started if day <= p.ends_on]
    if holding:
        return min(holding, key=lambda p: (p.ends_on - p.starts_on, p.starts_on))
    return max(started, key=lambda p: p.starts_on) if started else None


def current_period(school_id, day=None, kind=None):
    """The period of the school's current year holding `day` (or the latest started), of `kind`
    (PeriodKind) if given; None when the tables have none."""
    day = day or clock.today()
    candidates = [p for p in periods(current_year(school_id, day)) if kind is None or p.kind == kind]
    return _pick(candidates, day)


def period_title(kind, number=None):
    """How Russian names a period: «I четверть», «II полугодие», «Год»; None for other kinds."""
    if kind == PeriodKind.QUARTER:
        return gettext("Quarter %(number)s", number=roman(number))
    if kind == PeriodKind.HALF_YEAR:
        return gettext("Half-year %(number)s", number=roman(number))
    if kind == GradeKind.YEAR:
        return pgettext("school period", "Year")
    if kind == GradeKind.EXAM:
        return pgettext("school period", "Exam")
    return None


def period_name(period):
    return period_title(period.kind, period.number)


class Calendar:
    """The years and periods of one school, loaded once, to name many final grades."""

    def __init__(self, school_id):
        self.years = db.session.execute(
            select(AcademicYear).where(AcademicYear.school_id == school_id).order_by(AcademicYear.starts_on)
        ).scalars().all()
        self.periods = db.session.execute(
            select(Period).where(Period.year_id.in_([y.id for y in self.years] or [-1]))
        ).scalars().all()
        self.by_id = {p.id: p for p in self.periods}

    def year_of(self, day):
        """current_year(school_id, day) from the years loaded: the latest one started by `day`."""
        return next((y for y in reversed(self.years) if y.starts_on <= day), None)

    def periods_of(self, year):
        """periods(year) from the periods loaded, in the same order."""
        if year is None:
            return []
        return sorted((p for p in self.periods if p.year_id == year.id), key=_period_order)

    def name_of(self, kind, day, period_id=None):
        """The name of the period a final grade of `kind` given on `day` closes: its period_id's,
        else the period of that kind of the year holding the day (the one holding the day, or
        the one just ended before it); «Год» for a year grade; None when the tables do not tell
        (the grade is then shown by its kind)."""
        if kind in (GradeKind.YEAR, GradeKind.EXAM):
            return period_title(kind)
        period = self.period_of(kind, day, period_id)
        return period_name(period) if period is not None else None

    def period_of(self, kind, day, period_id=None):
        """The Period a quarter or half-year grade closes (its period_id's, else by its date), or None."""
        period = self.by_id.get(period_id)
        if period is None and kind in (GradeKind.QUARTER, GradeKind.HALF_YEAR):
            year = self.year_of(day)
            period = _pick([p for p in self.periods if year is not None and p.year_id == year.id
                            and p.kind == kind], day)
        return period
