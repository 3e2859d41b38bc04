"""Times as people in St. Petersburg read them. The database keeps moments in UTC (naive, from
models.utcnow); every page, export and e-mail shows them in TIMEZONE (Europe/Moscow) through
`local()` — in templates the filter `|local` (`{{ a.created_at|local }}`,
`{{ e.at|local("%d.%m.%Y") }}`)."""
from zoneinfo import ZoneInfo

from .clock import zone  # the service's time zone (TIMEZONE): one definition, in app/clock.py

UTC = ZoneInfo("UTC")
DEFAULT_FORMAT = "%d.%m.%Y %H:%M"


def to_local(moment):
    """A naive UTC datetime -> an aware datetime in TIMEZONE (None stays None)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(zone())


def local(moment, fmt=DEFAULT_FORMAT):
    """The moment in TIMEZONE as text ('' for None)."""
    return to_local(moment).strftime(fmt) if moment is not None else ""


def init_app(app):
    app.add_template_filter(local, "local")
