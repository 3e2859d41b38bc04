"""What every model module shares: the stored form of a moment, lazy labels, weekdays."""
from flask_babel import lazy_gettext as _l

from .. import clock


def utcnow():
    """This moment as the database keeps it (naive UTC)."""
    return clock.utcnow()


def translated(labels):
    """A dict of lazy labels translated once for this request (a page of many rows would
    otherwise translate the same label again for each)."""
    return {key: str(label) for key, label in labels.items()}


WEEKDAYS = [
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
]
