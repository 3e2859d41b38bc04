"""The diary API for the mobile app: the same access and viewer-scope rules as the pages
(app.diary.family.open_section), the same data (app.diary.queries), the access log written."""
from datetime import date, datetime

from flask import request
from flask_appbuilder.api import BaseApi, expose
from flask_babel import gettext

from ..access import current_actor
from ..diary import family, messages, queries
from ..diary.journal import JournalError
from ..extensions import db
from ..models import User
from .auth import api_error, api_login_required, json_body, json_response


def _day(value, default=None):
    if not value:
        return default
    return datetime.strptime(value, "%Y-%m-%d").date()


def _term_args():
    today = date.today()
    start = date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    return _day(request.args.get("from"), start), _day(request.args.get("to"), today)


def _iso(value):
    return value.isoformat() if value is not None else None


class DiaryApi(BaseApi):
    route_base = "/api/v1/students"
    openapi_spec_tag = "Diary"

    def _open(self, student_id, section, what):
        return family.open_section(current_actor(), student_id, section, what, request.path)

    def _answer(self, student_id, section, what, build):
        try:
            student, grant = self._open(student_id, section, what)
        except family.NoAccess as exc:
            message = gettext("Not found.") if exc.status == 404 else gettext(
                "This part of the diary is not shared with you.")
            return api_error(exc.status, message)
        try:
            return json_response(200, build(student, grant))
        except ValueError:
            return api_error(400, gettext("Dates must be written as YYYY-MM-DD."))

    @expose("/<int:student_id>/diary", methods=["GET"])
    @api_login_required
    def diary(self, student_id):
        """The week holding `week` (any day, default today): days with lessons.
        ---
        get:
          summary: The pupil's week
          parameters:
          - {in: path, name: student_id, required: true, schema: {type: integer}}
          - {in: query, name: week, schema: {type: string, format: date}}
          responses:
            200: {description: "week_start, week_end, days: [{date, lessons: [{number, starts_at, ends_at, subject, topic, homework, grades, attendance}]}]"}
            401: {description: Not logged in}
            403: {description: Outside the viewer's scope}
            404: {description: No access to this pupil}
        """
        def build(student, grant):
            from ..access import grant_allows

            week = queries.week(student, _day(request.args.get("week"), date.today()))
            show = {s: grant_allows(grant, s) for s in ("grades", "attendance", "homework")}
            return {
                "week_start": _iso(week["week_start"]), "week_end": _iso(week["week_end"]),
                "days": [{"date": _iso(d["date"]), "lessons": [{
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
          - {in: path, name: student_id, required: true, schema: {type: integer}}
          - {in: query, name: from, schema: {type: string, format: date}}
          - {in: query, name: to, schema: {type: string, format: date}}
          responses:
            200: {description: "subjects: [{subject, average, grades: [{date, value, kind, weight, remark}]}]"}
            403: {description: Outside the viewer's scope}
            404: {description: No access to this pupil}
        """
        def build(student, grant):
            date_from, date_to = _term_args()
            subjects = queries.grades_by_subject(student, date_from, date_to)
            for s in subjects:
                for g in s["grades"]:
                    g["date"] = _iso(g["date"])
            return {"from": _iso(date_from), "to": _iso(date_to), "subjects": subjects}

        return self._answer(student_id, "grades", "api:grades", build)

    @expose("/<int:student_id>/results", methods=["GET"])
    @api_login_required
    def results(self, student_id):
        """Quarter / half-year / year / exam results by subject.
        ---
        get:
          summary: Final grades
          parameters:
          - {in: path, name: student_id, required: true, schema: {type: integer}}
          responses:
            200: {description: "subjects: [{subject, results: [{kind, date, value}]}]"}
        """
        def build(student, grant):
            subjects = queries.results(student)
            for s in subjects:
                for r in s["results"]:
                    r["date"] = _iso(r["date"])
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
          - {in: path, name: student_id, required: true, schema: {type: integer}}
          responses:
            200: {description: "marks: [{date, number, subject, mark}], by_subject: [{subject, counts}]"}
        """
        def build(student, grant):
            date_from, date_to = _term_args()
            data = queries.attendance(student, date_from, date_to)
            for m in data["marks"]:
                m["date"] = _iso(m["date"])
            return {"from": _iso(date_from), "to": _iso(date_to), **data}

        return self._answer(student_id, "attendance", "api:attendance", build)

    @expose("/<int:student_id>/stats", methods=["GET"])
    @api_login_required
    def stats(self, student_id):
        """The pupil's average per subject next to the class average; the place in the class.
        ---
        get:
          summary: Statistics and rating
          parameters:
          - {in: path, name: student_id, required: true, schema: {type: integer}}
          responses:
            200: {description: "subjects: [{subject, average, class_average, place, of}], rankings, place, of"}
        """
        def build(student, grant):
            date_from, date_to = _term_args()
            return {"from": _iso(date_from), "to": _iso(date_to), **queries.stats(student, date_from, date_to)}

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
          - {in: path, name: student_id, required: true, schema: {type: integer}}
          responses:
            200: {description: "upcoming / past: [{title, description, starts_at, ends_at, place, whole_school}]"}
        """
        return self._happenings(student_id, "api:events", queries.events, lambda e: {
            "title": e.title, "description": e.description, "starts_at": _iso(e.starts_at),
            "ends_at": _iso(e.ends_at), "place": e.place, "whole_school": e.class_id is None})

    @expose("/<int:student_id>/meetings", methods=["GET"])
    @api_login_required
    def meetings(self, student_id):
        """Parent meetings, upcoming and past.
        ---
        get:
          summary: Parent meetings
          parameters:
          - {in: path, name: student_id, required: true, schema: {type: integer}}
          responses:
            200: {description: "upcoming / past: [{topic, starts_at, place, whole_school}]"}
        """
        return self._happenings(student_id, "api:meetings", queries.meetings, lambda m: {
            "topic": m.topic, "starts_at": _iso(m.starts_at), "place": m.place,
            "whole_school": m.class_id is None})

    @expose("/<int:student_id>/messages", methods=["GET", "POST"])
    @api_login_required
    def conversations(self, student_id):
        """Conversations with the pupil's teachers; POST {"teacher_id", "subject", "text"} starts one.
        ---
        get:
          summary: Conversations about the pupil
          parameters:
          - {in: path, name: student_id, required: true, schema: {type: integer}}
          responses:
            200: {description: "conversations: [{id, teacher, subject, last_message_at, unread, messages: [{author, text, at}]}], teachers: [{id, name}]"}
        post:
          summary: Write to a teacher
          requestBody:
            content:
              application/json:
                schema: {type: object, properties: {teacher_id: {type: integer}, subject: {type: string}, text: {type: string}}}
          responses:
            201: {description: The message was sent}
            400: {description: Bad data (Russian message)}
        """
        me = db.session.get(User, current_actor().user_id)
        try:
            student, _grant = self._open(student_id, "messages", "api:messages")
        except family.NoAccess as exc:
            return api_error(exc.status, gettext("Not found.") if exc.status == 404 else gettext(
                "This part of the diary is not shared with you."))
        if request.method == "POST":
            body = json_body()
            if body is None:
                return api_error(400, gettext("Send a JSON object."))
            teacher_id = body.get("teacher_id")
            if not isinstance(teacher_id, int):
                return api_error(400, gettext("Choose one of the pupil's teachers."))
            try:
                message = messages.start(me, student_id, teacher_id, str(body.get("subject") or ""),
                                         str(body.get("text") or ""))
            except JournalError as exc:
                return api_error(exc.status, exc.message)
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
                "last_message_at": _iso(conversation.last_message_at),
                "messages": [{"author": f"{m.author.first_name} {m.author.last_name}", "text": m.text,
                              "at": _iso(m.created_at), "mine": m.author_id == me.id} for m in items],
            })
        return json_response(200, {"conversations": rows, "teachers": [
            {"id": t.id, "name": f"{t.last_name} {t.first_name}"} for t in teachers.values()]})
