"""The service's clock: the one place in app/ that reads the time.

The service lives in St. Petersburg's day (`TIMEZONE`, Europe/Moscow), whatever the server's
clock or process time zone says (servers run in UTC, so between 00:00 and 03:00 Moscow time
`date.today()` would still be yesterday). Everything else asks here:

- `today()` — the date in TIMEZONE: «сегодня» on the pages, the current week, the school year;
- `now()` — an aware datetime in TIMEZONE (for comparisons with local wall-clock times);
- `utcnow()` — a naive UTC datetime, the form moments are stored in the database;
- `timestamp()` — seconds since the epoch (time-to-live arithmetic: sessions, limits).

A test checks that nothing else in app/ calls date.today(), datetime.now(), utcnow() or
time.time() (tests/test_clock.py)."""
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Europe/Moscow"
UTC = timezone.utc


def zone():
    """The service's time zone (config TIMEZONE; Europe/Moscow outside an app)."""
    name = current_app.config.get("TIMEZONE", DEFAULT_ZONE) if has_app_context() else DEFAULT_ZONE
    return ZoneInfo(name)


def now():
    """This moment in the service's time zone (aware)."""
    return datetime.now(UTC).astimezone(zone())


def today():
    """The service's date: St. Petersburg's, not the server's."""
    return now().date()


def local_now():
    """This moment as a naive wall-clock time in TIMEZONE: the form of times people enter and the
    database keeps as they were typed (school events, parent meetings, lesson bells)."""
    return now().replace(tzinfo=None)


def utcnow():
    """This moment as stored in the database: naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def timestamp():
    """Seconds since the epoch (for time-to-live arithmetic)."""
    return time.time()


def week_start(day=None):
    """The Monday of the week of `day` (default: today in the service's time zone)."""
    day = day or today()
    return day - timedelta(days=day.weekday())


def to_local(moment):
    """A stored moment (naive UTC) as an aware datetime in the service's time zone (None stays
    None). Showing it is app/formats.py's job."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(zone())


def local_midnight_utc(day):
    """The first moment of a local day as a naive UTC datetime (for comparing stored moments)."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone())
    return start.astimezone(UTC).replace(tzinfo=None)


def local_sql(column):
    """SQL: a stored moment (naive UTC column) as St. Petersburg's wall-clock time, for grouping
    moments by the local day or month (an application sent at 00:30 on 1 October is October's)."""
    from sqlalchemy import func

    from .extensions import db

    if db.engine.dialect.name == "postgresql":
        return func.timezone(zone().key, func.timezone("UTC", column))
    # SQLite knows no zones: the zone's offset now (Moscow keeps +03:00 all year since 2014).
    return func.datetime(column, f"{int(now().utcoffset().total_seconds() // 60):+d} minutes")
