"""Issue 8, Hypothesis for the HTML forms: arbitrary text — NUL and other control characters,
any plane of Unicode (no lone surrogates: a browser cannot send them), very long strings — posted
into the main forms on PostgreSQL never gets a 5xx, and nothing with a NUL is stored."""
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.extensions import db
from app.models import Application, Student, User
from tests.helpers.data import no_nul_stored

pytestmark = pytest.mark.slow  # Hypothesis examples posted into every main form

FORM_SETTINGS = settings(max_examples=50, deadline=None, database=None,
                         suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

any_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300)
control_heavy = st.text(alphabet=st.sampled_from("\x00\x01\x08\x0b\x0c\x1b\x7f\t\r\n a7Я-%_'\"<>;\\"),
                        max_size=60)
long_text = st.builds(lambda piece, times: piece * times,
                      st.text(alphabet=st.characters(exclude_categories=("Cs",)), min_size=1, max_size=4),
                      st.integers(min_value=1_000, max_value=30_000))
hostile = st.one_of(any_text, control_heavy, long_text)


def assert_no_server_error(response):
    assert response.status_code < 500, (response.request.path, response.status_code,
                                        response.get_data(as_text=True)[:500])


@pytest.fixture
def world(pg_app, login_parent, login_staff):
    app = pg_app
    parent = app.test_client()
    login_parent(parent, "parent-ivanova")
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    with app.app_context():
        from datetime import date

        from app.diary.demo import load_diary_demo

        load_diary_demo(today=date(2026, 11, 25))
        daughter = db.session.execute(select(Student).where(Student.first_name == "Софья")).scalar_one()
        teacher = db.session.execute(select(User.id).where(User.username == "teacher239")).scalar_one()
        application = db.session.execute(select(Application.id).where(Application.state == "submitted")).scalar()
        ids = dict(daughter=daughter.id, school=daughter.school_id, teacher=teacher, application=application)
    return app, parent, clerk, ids


def test_apply_form(world):
    app, parent, _, ids = world

    @FORM_SETTINGS
    @given(last=hostile, first=hostile, middle=hostile, birth=st.one_of(hostile, st.just("2014-07-09")),
           school=st.one_of(hostile, st.just(str(ids["school"]))))
    def post(last, first, middle, birth, school):
        assert_no_server_error(parent.post("/my/applications/new", data={
            "school_id": school, "district": "", "last_name": last, "first_name": first,
            "middle_name": middle, "birth_date": birth}))

    post()
    no_nul_stored(app)


def test_message_form(world):
    app, parent, _, ids = world

    @FORM_SETTINGS
    @given(subject=hostile, text=hostile, teacher=st.one_of(hostile, st.just(str(ids["teacher"]))))
    def post(subject, text, teacher):
        assert_no_server_error(parent.post(f"/my/students/{ids['daughter']}/messages",
                                           data={"teacher_id": teacher, "subject": subject, "text": text}))

    post()
    no_nul_stored(app)


def test_invitation_form(world):
    app, parent, _, ids = world

    @FORM_SETTINGS
    @given(email=st.one_of(hostile, st.emails().map(lambda e: e[:200])), until=hostile,
           kind=st.one_of(hostile, st.sampled_from(["student", "viewer"])),
           scope=st.one_of(hostile, st.sampled_from(["all", "grades", "schedule_homework"])))
    def post(email, until, kind, scope):
        assert_no_server_error(parent.post(f"/my/students/{ids['daughter']}", data={
            "email": email, "kind": kind, "scope": scope, "until": until, "consent": "1"}))

    post()
    no_nul_stored(app)


def test_rejection_reason_and_search(world):
    app, _, clerk, ids = world

    @FORM_SETTINGS
    @given(reason=hostile, query=hostile, version=st.one_of(hostile, st.just("")))
    def post(reason, query, version):
        assert_no_server_error(clerk.get("/applications/find", query_string={"q": query}))
        assert_no_server_error(clerk.get("/applications/list/", query_string={"q": query,
                                                                              "_flt_0_child_last_name": query}))
        assert_no_server_error(clerk.post(f"/applications/{ids['application']}/reject",
                                          data={"reason": reason, "version": version}))

    post()
    no_nul_stored(app)


def test_login_form(world):
    app = world[0]

    @FORM_SETTINGS
    @given(username=hostile, password=hostile)
    def post(username, password):
        client = app.test_client()
        answer = client.post("/login/", data={"username": username, "password": password})
        assert_no_server_error(answer)
        assert answer.status_code != 302 or not re.search(r"/applications|/journal", answer.headers["Location"])

    post()
