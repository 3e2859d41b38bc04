"""The school's reception hours (when parents bring their passport)."""
from flask_babel import gettext, lazy_gettext as _l
from wtforms import SelectField, TimeField, ValidationError
from wtforms.validators import DataRequired

from ..models import ReceptionSlot, WEEKDAYS
from .base import DiaryInterface, SchoolOwnedView


def _ends_after_start(form, field):
    start = form.time_from.data if "time_from" in form else None
    if start is not None and field.data is not None and field.data <= start:
        raise ValidationError(gettext("The reception must end after it starts."))


def _slot_fields():
    return {
        "weekday": SelectField(
            _l("Day of the week"), choices=[(i, name) for i, name in enumerate(WEEKDAYS)], coerce=int
        ),
        "time_from": TimeField(_l("From"), format="%H:%M", validators=[DataRequired()]),
        "time_to": TimeField(
            _l("To"), format="%H:%M", validators=[DataRequired(), _ends_after_start]
        ),
    }


class ReceptionSlotView(SchoolOwnedView):
    route_base = "/reception-hours"
    datamodel = DiaryInterface(ReceptionSlot)
    base_order = ("weekday", "asc")
    list_title = _l("Reception hours")
    show_title = _l("Reception hours")
    add_title = _l("Add reception hours")
    edit_title = _l("Edit reception hours")
    list_columns = ["school", "weekday_name", "time_from", "time_to", "room", "responsible"]
    add_columns = edit_columns = ["school", "weekday", "time_from", "time_to", "room", "responsible"]
    show_columns = list_columns
    search_columns = ["room", "responsible"]
    add_form_extra_fields = _slot_fields()
    edit_form_extra_fields = _slot_fields()
    # the school of every write is checked by DiaryModelView (app.access.schools)
    not_own_school_message = _l("You can only edit the reception hours of your own school.")
    label_columns = {
        "school": _l("School"),
        "weekday": _l("Day of the week"),
        "weekday_name": _l("Day of the week"),
        "time_from": _l("From"),
        "time_to": _l("To"),
        "room": _l("Room"),
        "responsible": _l("Responsible person"),
    }

    def _check(self, item):
        if item.time_from and item.time_to and item.time_from >= item.time_to:
            raise ValueError(gettext("The reception must end after it starts."))

    def pre_add(self, item):
        self._check(item)

    def pre_update(self, item):
        self._check(item)
