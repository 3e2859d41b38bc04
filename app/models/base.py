"""What every model module shares: the stored form of a moment and the names of the weekdays."""
from flask_babel import lazy_gettext as _l

from .. import clock


def utcnow():
    """This moment as the database keeps it (naive UTC)."""
    return clock.utcnow()


WEEKDAYS = [
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
]
