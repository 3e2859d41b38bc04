"""The diary API for the mobile app: the same access and viewer-scope rules as the pages
(app.diary.family.open_section), the same data (app.diary.queries), the access log written.
Ids, dates and bodies are parsed by app.inputs / app.api.schemas; refusals are domain errors."""
from flask import request
from flask_appbuilder.api import expose

from .. import clock, inputs
from ..access import current_account, current_actor
from ..diary import conditional, family, messages, queries, school_year
from ..extensions import db
from ..models import User
from . import diary_schemas as out
from . import schemas
from .auth import api_login_required
from .base import JsonApi, answer, body, openapi

TERM = ("student_id", "from", "to")  # the parameters of the answers over a term


def _term_args(student):
    """?from= / ?to=, by default from the start of the pupil's school year (app.diary.school_year)
    to today."""
    start, today = school_year.since_start(student.school_id)
    return inputs.date_range(inputs.parse_date(request.args.get("from"), "from", start),
                             inputs.parse_date(request.args.get("to"), "to", today))


def _over_term(fetch):
    """The build of an answer over `from`..`to`: {"from", "to", **fetch(pupil, from, to)}."""
    def build(student, grant):
        date_from, date_to = _term_args(student)
        return {"from": date_from, "to": date_to, **fetch(student, date_from, date_to)}

    return build


def open_section(student_id, section, what):
    """(pupil, grant) when the caller may read `section` of the pupil; else 404 (no access at all:
    nothing tells the pupil exists) or 403 (outside a viewer's scope): family.NoAccess."""
    return family.open_section(current_actor(), inputs.path_id(student_id), section, what, request.path)


class DiaryApi(JsonApi):
    route_base = "/api/v1/students"
    openapi_spec_tag = "Diary"

    def _answer(self, student_id, section, what, schema, build, conditional_get=False):
        """The answer of a section; with conditional_get, an ETag and a 304 when the app holds it
        (app.diary.conditional: after the access check and the access log)."""
        student, grant = open_section(student_id, section, what)
        if conditional_get:
            return conditional.respond(student, grant, lambda: answer(schema, build(student, grant)))
        return answer(schema, build(student, grant))

    @expose("/<int:student_id>/diary", methods=["GET"])
    @api_login_required
    @openapi("get", "The pupil's week", "WeekOut", "The week with its lessons", params=("student_id", "week"),
             refusals=(400, 401, 403, 404))
    def diary(self, student_id):
        """The week holding `week` (any day, default today): days with lessons; a viewer's lessons
        without the sections the scope does not open."""
        def build(student, grant):
            from ..access import grant_allows

            week = queries.week(student, inputs.parse_date(request.args.get("week"), "week", clock.today()))
            hidden = {section: empty for section, empty in (("grades", []), ("attendance", None), ("homework", None))
                      if not grant_allows(grant, section)}
            return {**week, "days": [{**day, "lessons": [{**lesson, **hidden} for lesson in day["lessons"]]}
                                     for day in week["days"]]}

        return self._answer(student_id, "schedule", "api:diary", out.WeekOut, build, conditional_get=True)

    @expose("/<int:student_id>/grades", methods=["GET"])
    @api_login_required
    @openapi("get", "The pupil's grades", "GradesOut", "Grades by subject", params=TERM, refusals=(400, 401, 403, 404))
    def grades(self, student_id):
        """Grades by subject with weighted averages for `from`..`to` (default: the school year)."""
        return self._answer(student_id, "grades", "api:grades", out.GradesOut, _over_term(
            lambda student, date_from, date_to: {"subjects": queries.grades_by_subject(student, date_from, date_to)}),
            conditional_get=True)

    @expose("/<int:student_id>/results", methods=["GET"])
    @api_login_required
    @openapi("get", "Final grades", "ResultsOut", "Results by subject", params=("student_id",),
             refusals=(401, 403, 404))
    def results(self, student_id):
        """Quarter / half-year / year / exam results by subject."""
        return self._answer(student_id, "grades", "api:results", out.ResultsOut,
                            lambda student, grant: {"subjects": queries.results(student)}, conditional_get=True)

    @expose("/<int:student_id>/attendance", methods=["GET"])
    @api_login_required
    @openapi("get", "Attendance", "AttendanceOut", "Marks and counts by subject", params=TERM,
             refusals=(400, 401, 403, 404))
    def attendance(self, student_id):
        """Absences and lates by subject and date for `from`..`to`."""
        return self._answer(student_id, "attendance", "api:attendance", out.AttendanceOut, _over_term(queries.attendance),
                            conditional_get=True)

    @expose("/<int:student_id>/stats", methods=["GET"])
    @api_login_required
    @openapi("get", "Statistics and rating", "StatsOut", "Averages and places", params=TERM,
             refusals=(400, 401, 403, 404))
    def stats(self, student_id):
        """The pupil's average per subject next to the class average; the place in the class."""
        return self._answer(student_id, "grades", "api:stats", out.StatsOut, _over_term(queries.stats))

    def _happenings(self, student_id, what, schema, fetch, shape):
        def build(student, grant):
            items = fetch(student)
            return {"upcoming": [shape(i) for i in items["upcoming"]], "past": [shape(i) for i in items["past"]]}

        return self._answer(student_id, "events", what, schema, build)

    @expose("/<int:student_id>/events", methods=["GET"])
    @api_login_required
    @openapi("get", "Events", "EventsOut", "Upcoming and past events", params=("student_id",),
             refusals=(401, 403, 404))
    def events(self, student_id):
        """School and class events, upcoming and past."""
        return self._happenings(student_id, "api:events", out.EventsOut, queries.events, lambda e: {
            "title": e.title, "description": e.description, "starts_at": e.starts_at,
            "ends_at": e.ends_at, "place": e.place, "whole_school": e.class_id is None})

    @expose("/<int:student_id>/meetings", methods=["GET"])
    @api_login_required
    @openapi("get", "Parent meetings", "MeetingsOut", "Upcoming and past meetings", params=("student_id",),
             refusals=(401, 403, 404))
    def meetings(self, student_id):
        """Parent meetings, upcoming and past."""
        return self._happenings(student_id, "api:meetings", out.MeetingsOut, queries.meetings, lambda m: {
            "topic": m.topic, "starts_at": m.starts_at, "place": m.place, "whole_school": m.class_id is None})

    @expose("/<int:student_id>/messages", methods=["GET", "POST"])
    @api_login_required
    @openapi("post", "Write to a teacher", "MessageSentOut", "The message was sent", params=("student_id",),
             body="MessageInput", status=201, refusals=(400, 401, 403, 404))
    @openapi("get", "Conversations about the pupil", "ConversationsOut", "Conversations and the pupil's teachers",
             params=("student_id",), refusals=(401, 403, 404))
    def conversations(self, student_id):
        """Conversations with the pupil's teachers; POST {"teacher_id", "subject", "text"} starts one."""
        me = current_account()
        student, _grant = open_section(student_id, "messages", "api:messages")
        if request.method == "POST":
            data = body(schemas.MessageInput())
            message = messages.start(me, student.id, data["teacher_id"], data.get("subject") or "", data["text"])
            return answer(out.MessageSentOut, {"conversation_id": message.conversation_id, "message_id": message.id},
                          status=201)
        teachers = messages.teachers_of(student)
        rows = []
        for conversation in messages.conversations_for_family(me.id, student_id):
            unread = messages.unread(conversation, me.id)
            _talk, items = messages.read(me, conversation.id)
            teacher = teachers.get(conversation.teacher_id) or db.session.get(User, conversation.teacher_id)
            rows.append({
                "id": conversation.id, "subject": conversation.subject, "unread": unread,
                "teacher": {"id": teacher.id, "name": teacher.name.document},
                "last_message_at": conversation.last_message_at,
                "messages": [{"author": m.author.name.document, "text": m.text,
                              "at": m.created_at, "mine": m.author_id == me.id} for m in items],
            })
        return answer(out.ConversationsOut, {"conversations": rows, "teachers": [
            {"id": t.id, "name": t.name.document} for t in teachers.values()]})
