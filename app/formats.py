"""Dates and times as the service shows them: the one place for display formats.

One style per kind, as a Russian public service writes it, through Flask-Babel (the locale of the
request, moments converted to TIMEZONE = BABEL_DEFAULT_TIMEZONE, Europe/Moscow):

=============  =====================  =====================================================
kind           looks like             where
=============  =====================  =====================================================
date           09.07.2014             birth dates, lesson dates, «до» of an access
datetime       09.07.2014 18:30       moments (submitted, messages, audit log with seconds)
time           18:30                  a time of day (lessons, reception hours)
day            09.07                  where space is tight (journal column heads, charts)
week_span      07.07 – 13.07.2014     the diary's week
long_date      9 июля 2014 г.         prose: the paper application, letters
=============  =====================  =====================================================

The database keeps moments in naive UTC (models.utcnow), so a naive datetime is read as UTC and
shown in St. Petersburg's time. School events and parent meetings are the exception: their
starts_at is the wall-clock time people typed (the calendar feed reads it so too) — pass
`utc=False`. A date (datetime.date) is never shifted.

Templates: the filters `|date`, `|datetime`, `|time`, `|day`, `|long_date` and the function
`week_span(start, end)`, registered by init_app. Machine formats (ISO in the API and JSON, ESIA's
timestamp, import parsers, iCal, <input type=date> values) are not display formats and stay
where they are. tests/test_display_formats.py checks that nothing else formats dates for display.

Numbers too, through Babel's number formats of the locale (Russian: decimal comma, a no-break
space between thousands):

=============  =====================  =====================================================
kind           looks like             where
=============  =====================  =====================================================
number         1 234 · 3,5 · 4,75     counts and figures in tables (ints as they are, a
                                      fraction with one or two decimals)
decimal        4,90                   averages: a fixed number of decimals (`places`, 2)
percent        46 %                   a share given as a fraction (0.456)
plain_decimal  1234,5                 CSV cells for a Russian Excel: no grouping
=============  =====================  =====================================================

Templates: `|number`, `|decimal`, `|percent`. Charts format their ticks in the browser with
the same locale (Chart.js `locale: "ru-RU"`).
"""
import datetime as dt
from functools import lru_cache

import flask_babel
from babel import dates as babel_dates, numbers as babel_numbers
from flask import has_app_context

from . import clock

DATE = "dd.MM.yyyy"
DATETIME = "dd.MM.yyyy HH:mm"
DATETIME_SECONDS = "dd.MM.yyyy HH:mm:ss"  # audit logs and the outbox only
TIME = "HH:mm"
DAY = "dd.MM"
LONG_DATE = "long"  # Babel's long date of the locale: «9 июля 2014 г.» in Russian
EXCEL_DATE = "DD.MM.YYYY"  # XLSX exports keep real date cells, in Excel's words for the same look
EXCEL_DATETIME = "DD.MM.YYYY HH:MM"
EMPTY = ""
NUMBER = "#,##0.##"  # a figure: 1 234, 3,5, 4,75
PERCENT = "#,##0\u00a0%"
OUTSIDE_APP_LOCALE = "ru"  # str() of a model in a script without an app: Russian, TIMEZONE's default


def _is_moment(value):
    return isinstance(value, dt.datetime)


BABEL_NAMED = ("short", "medium", "long", "full")  # Flask-Babel may map these to its configured formats
DATES_REMEMBERED = 2048  # a grades page shows the same few dozen days again and again


@lru_cache(maxsize=DATES_REMEMBERED)
def _calendar_date(value, pattern, locale):
    """Babel's format of a plain date: a pure function of the date, the pattern and the locale,
    remembered per process."""
    return babel_dates.format_date(value, pattern, locale=locale)


def _format_date(value, pattern, rebase):
    if has_app_context():
        if type(value) is dt.date and pattern not in BABEL_NAMED:  # nothing to shift or look up
            return _calendar_date(value, pattern, flask_babel.get_locale())
        return flask_babel.format_date(value, pattern, rebase=rebase)
    if rebase:
        value = value.replace(tzinfo=value.tzinfo or dt.timezone.utc).astimezone(clock.zone())
    return babel_dates.format_date(value, pattern, locale=OUTSIDE_APP_LOCALE)


MOMENTS_REMEMBERED = 2048  # a queue or a message list shows the same moments at every request


@lru_cache(maxsize=MOMENTS_REMEMBERED)
def _naive_moment(value, pattern, locale, zone):
    """What flask_babel.format_datetime(value, pattern, rebase=zone is not None) gives for a
    naive datetime and a pattern of our own: a pure function of these four, remembered per
    process. (Only naive values: aware ones equal across zones would share an entry.)"""
    return babel_dates.format_datetime(value, pattern, locale=locale, tzinfo=zone)


def _format_datetime(value, pattern, rebase):
    if has_app_context():
        if type(value) is dt.datetime and value.tzinfo is None and pattern not in BABEL_NAMED:
            return _naive_moment(value, pattern, flask_babel.get_locale(),
                                 flask_babel.get_timezone() if rebase else None)
        return flask_babel.format_datetime(value, pattern, rebase=rebase)
    return babel_dates.format_datetime(value, pattern, tzinfo=clock.zone() if rebase else None,
                                       locale=OUTSIDE_APP_LOCALE)


TIMES_REMEMBERED = 512  # lesson bells repeat (8:00, 8:45, …): a week page formats the same few again and again


@lru_cache(maxsize=TIMES_REMEMBERED)
def _time_of_day(value, pattern, locale):
    """Babel's format of a time of day: a pure function of the time, the pattern and the locale
    (no time zone, no clock), remembered per process."""
    return babel_dates.format_time(value, pattern, locale=locale)


def _format_time(value, pattern):
    """A time of day (datetime.time) as it is: no time zone to convert. What
    flask_babel.format_time(value, pattern, rebase=False) gives — Babel's format_time in the
    request's locale — remembered (_time_of_day)."""
    if not has_app_context():
        return _time_of_day(value, pattern, OUTSIDE_APP_LOCALE)
    if pattern in BABEL_NAMED:
        return flask_babel.format_time(value, pattern, rebase=False)
    return _time_of_day(value, pattern, flask_babel.get_locale())


def date(value, utc=True):
    """09.07.2014. A moment gives its date in St. Petersburg (21:30 UTC is already the next day)."""
    if value is None:
        return EMPTY
    return _format_date(value, DATE, utc and _is_moment(value))


def datetime(value, seconds=False, utc=True):
    """09.07.2014 18:30 (with `seconds`: 09.07.2014 18:30:05) in St. Petersburg's time.
    `utc=False` for a naive wall-clock time that is already local (events, meetings)."""
    if value is None:
        return EMPTY
    pattern = DATETIME_SECONDS if seconds else DATETIME
    if not _is_moment(value):  # a plain date: no time to show
        return date(value)
    return _format_datetime(value, pattern, utc)


def time(value, utc=True):
    """18:30. A time of day is shown as it is; a moment gives its local time."""
    if value is None:
        return EMPTY
    if _is_moment(value):
        return _format_datetime(value, TIME, utc)
    return _format_time(value, TIME)


def day(value, utc=True):
    """09.07 — a short day where space is tight."""
    if value is None:
        return EMPTY
    return _format_date(value, DAY, utc and _is_moment(value))


def week_span(start, end):
    """07.07 – 13.07.2014; across a New Year both dates carry their year (29.12.2014 – 04.01.2015)."""
    if start is None or end is None:
        return date(start or end)
    first = day(start) if start.year == end.year else date(start)
    return f"{first} – {date(end)}"


def long_date(value, utc=True):
    """9 июля 2014 г. — a date with the month's name, for prose."""
    if value is None:
        return EMPTY
    return _format_date(value, LONG_DATE, utc and _is_moment(value))


def _locale():
    if has_app_context():
        return flask_babel.get_locale() or OUTSIDE_APP_LOCALE
    return OUTSIDE_APP_LOCALE


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


NUMBERS_REMEMBERED = 4096  # averages and counts repeat (4,33 · 4,50 · 12): a grades page formats dozens


@lru_cache(maxsize=NUMBERS_REMEMBERED, typed=True)
def _plain_number(value, pattern, locale):
    """Babel's format of a number: a pure function of the number, the pattern and the locale,
    remembered per process."""
    return babel_numbers.format_decimal(value, format=pattern, locale=locale)


def _format_number(value, pattern, **options):
    if options:
        return babel_numbers.format_decimal(value, format=pattern, locale=_locale(), **options)
    return _plain_number(value, pattern, _locale())


def number(value):
    """1 234 · 3,5 · 4,75: a count or a figure as a table shows it. Not a number: as it is."""
    if value is None:
        return EMPTY
    if not _is_number(value):
        return value
    return _format_number(value, NUMBER)


def decimal(value, places=2):
    """4,90: an average with a fixed number of decimals."""
    if value is None:
        return EMPTY
    if not _is_number(value):
        return value
    return _format_number(value, "#,##0." + "0" * places if places else "#,##0")


def percent(value):
    """46 %: a share given as a fraction (0.456)."""
    if value is None:
        return EMPTY
    return _format_number(value, PERCENT)


def plain_decimal(value):
    """1234,5: a fraction for a spreadsheet cell of a Russian Excel (decimal comma, no grouping,
    every digit kept); an int as it is."""
    if isinstance(value, float):
        return _format_number(value, "0.0##########", group_separator=False)
    return value


def init_app(app):
    """The template filters and the week_span function (one registration for the whole app)."""
    for name, function in (("date", date), ("datetime", datetime), ("time", time), ("day", day),
                           ("long_date", long_date), ("number", number), ("decimal", decimal),
                           ("percent", percent)):
        app.add_template_filter(function, name)
    app.add_template_global(week_span, "week_span")
