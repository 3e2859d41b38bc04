"""The admin's and clerk's directory screens: districts, schools, the roster, staff assignments."""
from flask_babel import gettext, lazy_gettext as _l
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget, Select2Widget
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import Length

from ..diary import membership
from ..extensions import db
from ..models import AccessGrant, Application, District, School, Sex, StaffAssignment, Student
from .base import DiaryInterface, DiaryModelView, SchoolOwnedView, row_exists


class DistrictView(DiaryModelView):
    route_base = "/districts"
    datamodel = DiaryInterface(District)
    list_title = _l("Districts")
    show_title = _l("District")
    add_title = _l("Add district")
    edit_title = _l("Edit district")
    list_columns = add_columns = edit_columns = show_columns = ["name"]
    search_columns = ["name"]
    label_columns = {"name": _l("Name")}

    def pre_delete(self, item):
        # SQLite does not enforce foreign keys here: refuse instead of leaving orphans.
        if row_exists(School.district_id == item.id) or row_exists(StaffAssignment.district_id == item.id):
            raise ValueError(gettext("The district still has schools or staff: it cannot be deleted."))


class SchoolView(DiaryModelView):
    route_base = "/schools"
    datamodel = DiaryInterface(School)
    list_title = _l("Schools")
    show_title = _l("School")
    add_title = _l("Add school")
    edit_title = _l("Edit school")
    list_columns = ["number", "name", "district", "address"]
    add_columns = edit_columns = show_columns = ["number", "name", "district", "address", "rankings_enabled"]
    search_columns = ["number", "name", "district"]
    label_columns = {
        "number": _l("Number"),
        "name": _l("Name"),
        "district": _l("District"),
        "address": _l("Address"),
        "rankings_enabled": _l("Families see the pupil's place in the class"),
    }
    formatters_columns = {"rankings_enabled": lambda v: gettext("yes") if v else gettext("no")}
    # FAB makes a non-nullable Boolean "required", so an unticked box would never save.
    add_form_extra_fields = edit_form_extra_fields = {
        "rankings_enabled": BooleanField(_l("Families see the pupil's place in the class"), default=True),
    }

    def pre_delete(self, item):
        if any(
            row_exists(condition)
            for condition in (
                Application.school_id == item.id,
                Student.school_id == item.id,
                StaffAssignment.school_id == item.id,
            )
        ):
            raise ValueError(
                gettext("The school still has applications, pupils or staff: it cannot be deleted.")
            )


class _NotGivenSelect(SelectField):
    """A select that a form without it leaves at its first choice («не указан»); a value that is
    none of the choices is refused («Неверный вариант»)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist or [""])


class StudentView(SchoolOwnedView):
    route_base = "/roster"
    datamodel = DiaryInterface(Student)
    list_title = _l("Roster")
    show_title = _l("Pupil")
    add_title = _l("Add pupil")
    edit_title = _l("Edit pupil")
    list_columns = ["last_name", "first_name", "middle_name", "sex", "birth_date", "class_name", "school"]
    add_columns = edit_columns = show_columns = list_columns
    search_columns = ["last_name", "first_name", "class_name"]
    # «Пол»: words about the pupil agree with it (app/names.py); not given: from the patronymic
    # Not everybody has a patronymic: the field may stay empty (stored as "").
    add_form_extra_fields = edit_form_extra_fields = {
        "middle_name": StringField(_l("Middle name"), validators=[Length(max=100)], widget=BS3TextFieldWidget(),
                                   filters=[lambda value: (value or "").strip()]),
        "sex": _NotGivenSelect(_l("Sex"), choices=[("", _l("not given")), *Sex.choices()], widget=Select2Widget()),
    }
    formatters_columns = {"sex": lambda code: str(Sex.label_for(code))}
    label_columns = {
        "last_name": _l("Last name"),
        "first_name": _l("First name"),
        "middle_name": _l("Middle name"),
        "sex": _l("Sex"),
        "birth_date": _l("Date of birth"),
        "class_name": _l("Class"),
        "school": _l("School"),
    }

    def pre_add(self, item):
        item.sex = item.sex or None  # "not given" is NULL (the column takes only "m" and "f")

    pre_update = pre_add

    def pre_delete(self, item):
        if row_exists(Application.student_id == item.id) or row_exists(AccessGrant.student_id == item.id):
            raise ValueError(
                gettext("The pupil is linked to applications or parents: they cannot be deleted.")
            )
        membership.forget(item)  # the pupil's class memberships go with the pupil

    def post_add(self, item):
        self._enroll(item)

    def post_update(self, item):
        self._enroll(item)

    @staticmethod
    def _enroll(item):
        """The typed class is where the pupil learns from today: the class membership by ids
        (app.diary.membership; the class is created if the school has none of that name)."""
        membership.enroll(item, item.class_name)
        db.session.commit()


class StaffAssignmentView(SchoolOwnedView):
    route_base = "/staff-assignments"
    datamodel = DiaryInterface(StaffAssignment)
    list_title = _l("Staff assignments")
    show_title = _l("Staff assignment")
    add_title = _l("Assign a staff member")
    edit_title = _l("Edit staff assignment")
    list_columns = add_columns = edit_columns = show_columns = ["user", "school", "district"]
    label_columns = {"user": _l("User"), "school": _l("School"), "district": _l("District")}
