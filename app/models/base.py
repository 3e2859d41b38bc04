"""What every model module shares: the stored form of a moment and the names of the weekdays."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import attributes

from .. import clock


def utcnow():
    """This moment as the database keeps it (naive UTC)."""
    return clock.utcnow()


def count_revisions(model, fields):
    """Every change of one of `fields` through the ORM adds one to `model.revision` (what the
    calendar feed shows: its SEQUENCE, app/diary/calendar.py). A bulk UPDATE fires no ORM event:
    it bumps the revision itself (app/models/diary.py: bump_revisions)."""
    @event.listens_for(model, "before_update")
    def _new_revision(_mapper, _connection, row):
        if any(attributes.get_history(row, name).has_changes() for name in fields):
            row.revision = (row.revision or 0) + 1


WEEKDAYS = [
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
]
