"""The diary API for the mobile app: the same access and viewer-scope rules as the pages
(app.diary.family.open_section), the same data (app.diary.queries), the access log written.
Ids, dates and bodies are parsed by app.inputs / app.api.schemas; refusals are domain errors."""
from flask import request
from flask_appbuilder.api import expose

from .. import clock, inputs
from ..access import current_actor
from ..diary import family, messages, queries, school_year
from ..extensions import db
from ..models import User
from . import schemas
from .auth import api_login_required, json_response
from .base import JsonApi, body, iso

def _term_args(student):
    """?from= / ?to=, by default from the start of the pupil's school year (app.diary.school_year)
    to today."""
    start, today = school_year.since_start(student.school_id)
    return inputs.date_range(inputs.parse_date(request.args.get("from"), "from", start),
                             inputs.parse_date(request.args.get("to"), "to", today))


def open_section(student_id, section, what):
    """(pupil, grant) when the caller may read `section` of the pupil; else 404 (no access at all:
    nothing tells the pupil exists) or 403 (outside a viewer's scope): family.NoAccess."""
    return family.open_section(current_actor(), inputs.path_id(student_id), section, what, request.path)


class DiaryApi(JsonApi):
    route_base = "/api/v1/students"
    openapi_spec_tag = "Diary"

    def _answer(self, student_id, section, what, build):
        student, grant = open_section(student_id, section, what)
        return json_response(200, build(student, grant))

    @expose("/<int:student_id>/diary", methods=["GET"])
    @api_login_required
    def diary(self, student_id):
        """The week holding `week` (any day, default today): days with lessons.
        ---
        get:
          summary: The pupil's week
          parameters:
          - {in: path, name: student_id, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
          - {in: query, name: week, description: YYYY-MM-DD (empty - the default), schema: {anyOf: [{type: string, format: date}, {type: string, enum: ['']}]}}
          responses:
            200:
              description: The week with its lessons
              content: {application/json: {schema: {$ref: '#/components/schemas/WeekOut'}}}
            400: {$ref: '#/components/responses/BadInput'}
            401: {$ref: '#/components/responses/NotLoggedIn'}
            403: {$ref: '#/components/responses/Forbidden'}
            404: {$ref: '#/components/responses/NotFound'}
        """
        def build(student, grant):
            from ..access import grant_allows

            week = queries.week(student, inputs.parse_date(request.args.get("week"), "week", clock.today()))
            show = {s: grant_allows(grant, s) for s in ("grades", "attendance", "homework")}
            return {
                "week_start": iso(week["week_start"]), "week_end": iso(week["week_end"]),
                "days": [{"date": iso(d["date"]), "lessons": [{
                    "number": l["number"], "starts_at": l["starts_at"].strftime("%H:%M") if l["starts_at"] else None,
                    "ends_at": l["ends_at"].strftime("%H:%M") if l["ends_at"] else None,
                    "subject": l["subject"], "room": l["room"], "topic": l["topic"],
                    "homework": l["homework"] if show["homework"] else None,
                    "grades": l["grades"] if show["grades"] else [],
                    "attendance": l["attendance"] if show["attendance"] else None,
                } for l in d["lessons"]]} for d in week["days"]],
            }

        return self._answer(student_id, "schedule", "api:diary", build)

    @expose("/<int:student_id>/grades", methods=["GET"])
    @api_login_required
    def grades(self, student_id):
        """Grades by subject with weighted averages for `from`..`to` (default: the school year).
        ---
        get:
          summary: The pupil's grades
          parameters:
          - {in: path, name: student_id, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
          - {in: query, name: from, description: YYYY-MM-DD (empty - the default), schema: {anyOf: [{type: string, format: date}, {type: string, enum: ['']}]}}
          - {in: query, name: to, description: YYYY-MM-DD (empty - the default), schema: {anyOf: [{type: string, format: date}, {type: string, enum: ['']}]}}
          responses:
            200:
              description: Grades by subject
              content: {application/json: {schema: {$ref: '#/components/schemas/GradesOut'}}}
            400: {$ref: '#/components/responses/BadInput'}
            401: {$ref: '#/components/responses/NotLoggedIn'}
            403: {$ref: '#/components/responses/Forbidden'}
            404: {$ref: '#/components/responses/NotFound'}
        """
        def build(student, grant):
            date_from, date_to = _term_args(student)
            subjects = queries.grades_by_subject(student, date_from, date_to)
            for s in subjects:
                for g in s["grades"]:
                    g["date"] = iso(g["date"])
            return {"from": iso(date_from), "to": iso(date_to), "subjects": subjects}

        return self._answer(student_id, "grades", "api:grades", build)

    @expose("/<int:student_id>/results", methods=["GET"])
    @api_login_required
    def results(self, student_id):
        """Quarter / half-year / year / exam results by subject.
        ---
        get:
          summary: Final grades
          parameters:
          - {in: path, name: student_id, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
          responses:
            200:
              description: Results by subject
              content: {application/json: {schema: {$ref: '#/components/schemas/ResultsOut'}}}
            401: {$ref: '#/components/responses/NotLoggedIn'}
            403: {$ref: '#/components/responses/Forbidden'}
            404: {$ref: '#/components/responses/NotFound'}
        """
        def build(student, grant):
            subjects = queries.results(student)
            for s in subjects:
                for r in s["results"]:
                    r["date"] = iso(r["date"])
            return {"subjects": subjects}

        return self._answer(student_id, "grades", "api:results", build)

    @expose("/<int:student_id>/attendance", methods=["GET"])
    @api_login_required
    def attendance(self, student_id):
        """Absences and lates by subject and date for `from`..`to`.
        ---
        get:
          summary: Attendance
          parameters:
          - {in: path, name: student_id, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
          - {in: query, name: from, description: YYYY-MM-DD (empty - the default), schema: {anyOf: [{type: string, format: date}, {type: string, enum: ['']}]}}
          - {in: query, name: to, description: YYYY-MM-DD (empty - the default), schema: {anyOf: [{type: string, format: date}, {type: string, enum: ['']}]}}
          responses:
            200:
              description: Marks and counts by subject
              content: {application/json: {schema: {$ref: '#/components/schemas/AttendanceOut'}}}
            400: {$ref: '#/components/responses/BadInput'}
            401: {$ref: '#/components/responses/NotLoggedIn'}
            403: {$ref: '#/components/responses/Forbidden'}
            404: {$ref: '#/components/responses/NotFound'}
        """
        def build(student, grant):
            date_from, date_to = _term_args(student)
            data = queries.attendance(student, date_from, date_to)
            for m in data["marks"]:
                m["date"] = iso(m["date"])
            return {"from": iso(date_from), "to": iso(date_to), **data}

        return self._answer(student_id, "attendance", "api:attendance", build)

    @expose("/<int:student_id>/stats", methods=["GET"])
    @api_login_required
    def stats(self, student_id):
        """The pupil's average per subject next to the class average; the place in the class.
        ---
        get:
          summary: Statistics and rating
          parameters:
          - {in: path, name: student_id, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
          - {in: query, name: from, description: YYYY-MM-DD (empty - the default), schema: {anyOf: [{type: string, format: date}, {type: string, enum: ['']}]}}
          - {in: query, name: to, description: YYYY-MM-DD (empty - the default), schema: {anyOf: [{type: string, format: date}, {type: string, enum: ['']}]}}
          responses:
            200:
              description: Averages and places
              content: {application/json: {schema: {$ref: '#/components/schemas/StatsOut'}}}
            400: {$ref: '#/components/responses/BadInput'}
            401: {$ref: '#/components/responses/NotLoggedIn'}
            403: {$ref: '#/components/responses/Forbidden'}
            404: {$ref: '#/components/responses/NotFound'}
        """
        def build(student, grant):
            date_from, date_to = _term_args(student)
            return {"from": iso(date_from), "to": iso(date_to), **queries.stats(student, date_from, date_to)}

        return self._answer(student_id, "grades", "api:stats", build)

    def _happenings(self, student_id, what, fetch, shape):
        def build(student, grant):
            items = fetch(student)
            return {"upcoming": [shape(i) for i in items["upcoming"]], "past": [shape(i) for i in items["past"]]}

        return self._answer(student_id, "events", what, build)

    @expose("/<int:student_id>/events", methods=["GET"])
    @api_login_required
    def events(self, student_id):
        """School and class events, upcoming and past.
        ---
        get:
          summary: Events
          parameters:
          - {in: path, name: student_id, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
          responses:
            200:
              description: Upcoming and past events
              content: {application/json: {schema: {$ref: '#/components/schemas/EventsOut'}}}
            401: {$ref: '#/components/responses/NotLoggedIn'}
            403: {$ref: '#/components/responses/Forbidden'}
            404: {$ref: '#/components/responses/NotFound'}
        """
        return self._happenings(student_id, "api:events", queries.events, lambda e: {
            "title": e.title, "description": e.description, "starts_at": iso(e.starts_at),
            "ends_at": iso(e.ends_at), "place": e.place, "whole_school": e.class_id is None})

    @expose("/<int:student_id>/meetings", methods=["GET"])
    @api_login_required
    def meetings(self, student_id):
        """Parent meetings, upcoming and past.
        ---
        get:
          summary: Parent meetings
          parameters:
          - {in: path, name: student_id, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
          responses:
            200:
              description: Upcoming and past meetings
              content: {application/json: {schema: {$ref: '#/components/schemas/MeetingsOut'}}}
            401: {$ref: '#/components/responses/NotLoggedIn'}
            403: {$ref: '#/components/responses/Forbidden'}
            404: {$ref: '#/components/responses/NotFound'}
        """
        return self._happenings(student_id, "api:meetings", queries.meetings, lambda m: {
            "topic": m.topic, "starts_at": iso(m.starts_at), "place": m.place,
            "whole_school": m.class_id is None})

    @expose("/<int:student_id>/messages", methods=["GET", "POST"])
    @api_login_required
    def conversations(self, student_id):
        """Conversations with the pupil's teachers; POST {"teacher_id", "subject", "text"} starts one.
        ---
        get:
          summary: Conversations about the pupil
          parameters:
          - {in: path, name: student_id, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
          responses:
            200:
              description: Conversations and the pupil's teachers
              content: {application/json: {schema: {$ref: '#/components/schemas/ConversationsOut'}}}
            401: {$ref: '#/components/responses/NotLoggedIn'}
            403: {$ref: '#/components/responses/Forbidden'}
            404: {$ref: '#/components/responses/NotFound'}
        post:
          summary: Write to a teacher
          parameters:
          - {in: path, name: student_id, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/MessageInput'}}}
          responses:
            201:
              description: The message was sent
              content: {application/json: {schema: {$ref: '#/components/schemas/MessageSentOut'}}}
            400: {$ref: '#/components/responses/BadInput'}
            401: {$ref: '#/components/responses/NotLoggedIn'}
            403: {$ref: '#/components/responses/Forbidden'}
            404: {$ref: '#/components/responses/NotFound'}
        """
        me = db.session.get(User, current_actor().user_id)
        student, _grant = open_section(student_id, "messages", "api:messages")
        if request.method == "POST":
            data = body(schemas.MessageInput())
            message = messages.start(me, student.id, data["teacher_id"], data.get("subject") or "", data["text"])
            return json_response(201, {"conversation_id": message.conversation_id, "message_id": message.id})
        teachers = messages.teachers_of(student)
        rows = []
        for conversation in messages.conversations_for_family(me.id, student_id):
            unread = messages.unread(conversation, me.id)
            _talk, items = messages.read(me, conversation.id)
            teacher = teachers.get(conversation.teacher_id) or db.session.get(User, conversation.teacher_id)
            rows.append({
                "id": conversation.id, "subject": conversation.subject, "unread": unread,
                "teacher": {"id": teacher.id, "name": f"{teacher.last_name} {teacher.first_name}"},
                "last_message_at": iso(conversation.last_message_at),
                "messages": [{"author": f"{m.author.first_name} {m.author.last_name}", "text": m.text,
                              "at": iso(m.created_at), "mine": m.author_id == me.id} for m in items],
            })
        return json_response(200, {"conversations": rows, "teachers": [
            {"id": t.id, "name": f"{t.last_name} {t.first_name}"} for t in teachers.values()]})
