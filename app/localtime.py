"""St. Petersburg's time for computations. The database keeps moments in UTC (naive, from
models.utcnow); `to_local()` gives a moment in TIMEZONE (Europe/Moscow) as an aware datetime.
Showing dates and moments is app/formats.py's job (the filters |date, |datetime, |time, |day,
|long_date and formats.date(), formats.datetime() … in Python)."""
from zoneinfo import ZoneInfo

from .clock import zone  # the service's time zone (TIMEZONE): one definition, in app/clock.py

UTC = ZoneInfo("UTC")


def to_local(moment):
    """A naive UTC datetime -> an aware datetime in TIMEZONE (None stays None)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(zone())
