"""School-owned rows (app.access.schools): reception hours, the roster, staff assignments, events,
parent meetings and imports are kept by the school's clerk (own school) and the admin (any) only —
the lists, and every door that writes: FAB's add / edit / delete forms (their data skips FAB's
base_filters), FAB's @action handlers (they load rows by id), the upload page. And a guard: every
staff screen of a model with a school column is built with the rule."""
import io

import pytest
from flask import redirect, url_for
from flask_appbuilder import ModelView
from flask_appbuilder.actions import action
from sqlalchemy import inspect, select

from app.access import ApplicationScopeFilter, ManagedSchoolFilter
from app.extensions import db
from app.models import (
    Application, ParentMeeting, ReceptionSlot, School, SchoolClass, SchoolEvent, StaffAssignment, Student, User,
)
from app.views import DiaryModelView, ReceptionSlotView
from tests.helpers.app import make_app, reset_data
from tests.helpers.web import staff_login

SCHOOL_ROWS = (ReceptionSlot, SchoolEvent, ParentMeeting, Student, StaffAssignment, SchoolClass)
STAFF = {"clerk239": "clerk12345", "clerk27": "clerk12345", "supervisor": "super12345", "admin": "admin12345"}


def _has_school(model):
    return "school_id" in inspect(model).columns


def test_every_school_owned_staff_screen_is_scoped(app):
    """A model with a school column gets a staff ModelView only with the managed-school base
    filter (applications: the application scope, which holds it), only as a DiaryModelView (its
    writes and actions are re-checked), and every choice of a school or a school's row in its
    forms is limited by the same rule."""
    problems = []
    for view in app.appbuilder.baseviews:
        if not isinstance(view, ModelView) or not _has_school(view.datamodel.obj):
            continue
        name, model = type(view).__name__, view.datamodel.obj
        expected = ApplicationScopeFilter if model is Application else ManagedSchoolFilter
        if not any(flt is expected and (column == "school_id" or expected is ApplicationScopeFilter)
                   for column, flt, _value in view.base_filters or []):
            problems.append(f"{name}: no {expected.__name__} on school_id in base_filters")
        if not isinstance(view, DiaryModelView):
            problems.append(f"{name}: not a DiaryModelView (writes and actions not re-checked)")
        for route, columns, rel_fields in (
                ("add", view.add_columns, view.add_form_query_rel_fields),
                ("edit", view.edit_columns, view.edit_form_query_rel_fields)):
            if route in (view.exclude_route_methods or ()):
                continue
            for column in columns or []:
                relation = inspect(model).relationships.get(column)
                if relation is None:
                    continue
                target = relation.mapper.class_
                if target is School or _has_school(target):
                    filters = (rel_fields or {}).get(column, [])
                    if not any(flt is ManagedSchoolFilter for _c, flt, _v in filters):
                        problems.append(f"{name}: the {route} form offers any {target.__name__} as {column}")
    assert not problems, "\n".join(problems)


def test_every_write_of_a_school_row_rechecks_the_school(app):
    """Past any form (FAB's form data is not filtered, a view may forget to limit a choice): a
    clerk's add, edit or delete of a row of another school is refused on every school-owned screen,
    in Russian; the own school's passes."""
    from flask import g

    from app.access import Actor
    from app.roles import CLERK

    views = [v for v in app.appbuilder.baseviews if isinstance(v, DiaryModelView)
             and _has_school(v.datamodel.obj) and v.datamodel.obj is not Application]
    assert len(views) >= 5
    with app.test_request_context("/"):
        schools = {s.number: s for s in db.session.execute(select(School)).scalars()}
        g._diary_actor = Actor(user_id=None, label="clerk", roles=frozenset({CLERK}), school_id=schools["239"].id)
        for view in views:
            model = view.datamodel.obj
            relation = next(r.key for r in inspect(model).relationships if r.mapper.class_ is School)
            for hook in (view.pre_add, view.pre_update, view.pre_delete):
                item = model()
                setattr(item, relation, schools["321"])
                with pytest.raises(ValueError, match="своего образовательного учреждения"):
                    hook(item)
            item = model()
            setattr(item, relation, schools["239"])
            view.pre_add(item)  # no refusal for the own school
        db.session.rollback()


# --------------------------------------------------------------------------- writes
@pytest.fixture
def other_school(app):
    """School 321's rows (not the writers' school), an event and a meeting among them."""
    from datetime import datetime

    with app.app_context():
        school = db.session.execute(select(School).where(School.number == "321")).scalar_one()
        own = db.session.execute(select(School.id).where(School.number == "239")).scalar_one()
        event = SchoolEvent(school_id=school.id, title="Праздник школы 321", starts_at=datetime(2031, 5, 1, 12))
        meeting = ParentMeeting(school_id=school.id, topic="Собрание школы 321", starts_at=datetime(2031, 5, 2, 19))
        own_event = SchoolEvent(school_id=own, title="Праздник лицея", starts_at=datetime(2031, 5, 3, 12))
        db.session.add_all([event, meeting, own_event])
        db.session.commit()
        def user(name):
            return db.session.execute(select(User.id).where(User.username == name)).scalar_one()

        clerk321, clerk27 = user("clerk321"), user("clerk27")
        return dict(clerk27=clerk27, clerk27_assignment=db.session.execute(select(StaffAssignment.id).where(
                        StaffAssignment.user_id == clerk27)).scalar_one(),
            id=school.id, own=own, event=event.id, meeting=meeting.id, own_event=own_event.id,
            slot=db.session.execute(select(ReceptionSlot.id).where(ReceptionSlot.school_id == school.id)).scalars().first(),
            pupil=db.session.execute(select(Student.id).where(Student.school_id == school.id)).scalars().first(),
            assignment=db.session.execute(select(StaffAssignment.id).where(
                StaffAssignment.user_id == clerk321)).scalar_one(),
            clerk321=clerk321)


def rows_of(app, school_id):
    """Every school-owned row of the school, as stored."""
    with app.app_context():
        db.session.expire_all()
        return {model.__name__: sorted(
            tuple(str(getattr(row, c.key)) for c in inspect(model).columns)
            for row in db.session.execute(select(model).where(model.school_id == school_id)).scalars())
            for model in SCHOOL_ROWS}


def crafted_writes(s):
    """Every FAB form that changes school 321's rows — each one does when the admin sends it —
    as a clerk of another school could craft them (ids in the address, 321 in the form)."""
    other = str(s["id"])
    slot = {"school": other, "weekday": "0", "time_from": "08:00", "time_to": "09:00", "room": "взлом",
            "responsible": "Никто"}
    event = {"school": other, "title": "Взлом", "description": "—", "place": "—",
             "starts_at": "2031-06-01 10:00:00"}
    meeting = {"school": other, "topic": "Взлом", "place": "—", "starts_at": "2031-06-01 10:00:00"}
    pupil = {"school": other, "last_name": "Взломов", "first_name": "Пётр", "middle_name": "Петрович",
             "birth_date": "2014-01-01", "class_name": "1 «А»"}
    return [
        ("/reception-hours/add", slot), (f"/reception-hours/edit/{s['slot']}", slot),
        (f"/reception-hours/delete/{s['slot']}", {}),
        ("/school-events/add", event), (f"/school-events/edit/{s['event']}", event),
        (f"/school-events/delete/{s['event']}", {}),
        (f"/school-events/edit/{s['own_event']}", event),  # the own event moved to school 321
        ("/parent-meetings/add", meeting), (f"/parent-meetings/edit/{s['meeting']}", meeting),
        (f"/parent-meetings/delete/{s['meeting']}", {}),
        ("/roster/add", pupil), (f"/roster/edit/{s['pupil']}", pupil), (f"/roster/delete/{s['pupil']}", {}),
        (f"/staff-assignments/edit/{s['clerk27_assignment']}", {"user": str(s["clerk27"]), "school": other}),
        (f"/staff-assignments/delete/{s['assignment']}", {}),
    ]


def upload_classes(client, school_id):
    return client.post("/imports/", content_type="multipart/form-data", data={
        "school_id": str(school_id), "file": (io.BytesIO("class\n11 «Я»\n".encode()), "classes.csv")})


def test_nobody_but_its_clerk_and_the_admin_writes_a_schools_rows(app, other_school, login_parent):
    before = rows_of(app, other_school["id"])
    clients = {name: staff_login(app.test_client(), name, password) for name, password in STAFF.items()}
    clients["anonymous"] = app.test_client()
    clients["parent"] = app.test_client()
    login_parent(clients["parent"])
    problems = []
    for who, client in clients.items():
        if who == "admin":
            continue
        for path, form in crafted_writes(other_school):
            client.post(path, data=form)
            if rows_of(app, other_school["id"]) != before:
                problems.append(f"{who} POST {path} changed school 321's rows")
                before = rows_of(app, other_school["id"])
        upload_classes(client, other_school["id"])
        if rows_of(app, other_school["id"]) != before:
            problems.append(f"{who} uploaded classes into school 321")
            before = rows_of(app, other_school["id"])
    assert not problems, "\n".join(problems)
    # the requests are not refused for their own sake: the school's own clerk edits its event, and
    # each one works for the admin
    clerk321 = staff_login(app.test_client(), "clerk321", "clerk12345")
    clerk321.post(f"/school-events/edit/{other_school['event']}", data={
        "school": str(other_school["id"]), "title": "Праздник (перенесён)", "description": "—", "place": "—",
        "starts_at": "2031-05-08 12:00:00"})
    after = rows_of(app, other_school["id"])
    assert any("Праздник (перенесён)" in row for row in after["SchoolEvent"])
    before = after
    for path, form in crafted_writes(other_school):
        clients["admin"].post(path, data=form)
        after = rows_of(app, other_school["id"])
        assert after != before, f"admin POST {path}: nothing changed (a form the test got wrong?)"
        before = after
    assert upload_classes(clients["admin"], other_school["id"]).status_code == 200
    assert any("11 «Я»" in row for row in rows_of(app, other_school["id"])["SchoolClass"])


# --------------------------------------------------------------------------- FAB actions
SEEN = []


def _probe(self, items):
    """A test-only action of the reception hours: records the rows it was handed."""
    SEEN.extend(item.id for item in (items if isinstance(items, list) else [items]))
    return redirect(url_for(".list"))


@pytest.fixture(scope="module")
def action_app(smtp_server, idp, tmp_path_factory):
    """An app whose reception-hours screen has an action the clerks may run (FAB hands an
    action the rows named in the request, loaded by id: no base_filters of its own)."""
    patch = pytest.MonkeyPatch()
    patch.setattr(ReceptionSlotView, "probe", action("probe", "Проверка", "", "fa-check")(_probe), raising=False)
    try:
        app = make_app(f"sqlite:///{tmp_path_factory.mktemp('actions') / 'diary.db'}", smtp_server, idp)
    finally:
        patch.undo()
    with app.app_context():
        sm = app.appbuilder.sm
        sm.add_permission_role(sm.find_role("Clerk"), sm.find_permission_view_menu("probe", "ReceptionSlotView"))
        db.session.commit()
    return app


def test_actions_get_only_the_rows_of_the_users_list(action_app, smtp):
    app = action_app
    reset_data(app)
    with app.app_context():
        def slot(number):
            return db.session.execute(select(ReceptionSlot.id).join(School).where(
                School.number == number)).scalars().first()

        own, other = slot("239"), slot("321")
    clerk = staff_login(app.test_client(), "clerk239", "clerk12345")
    SEEN.clear()
    assert clerk.post("/reception-hours/action_post", data={"action": "probe", "rowid": [str(other)]}).status_code == 302
    assert clerk.post(f"/reception-hours/action/probe/{other}").status_code == 404
    assert SEEN == []
    clerk.post("/reception-hours/action_post", data={"action": "probe", "rowid": [str(own), str(other)]})
    clerk.post(f"/reception-hours/action/probe/{own}")
    assert SEEN == [own, own]
