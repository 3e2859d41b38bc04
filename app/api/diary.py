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


def _grant_json(grant):
    student = grant.student
    return {"id": student.id, "full_name": student.full_name, "last_name": student.last_name,
            "first_name": student.first_name, "middle_name": student.middle_name,
            "birth_date": _iso(student.birth_date), "class_name": student.class_name,
            "school": {"id": student.school.id, "number": student.school.number, "name": student.school.name},
            "relation": grant.relation, "scope": grant.scope if grant.relation == "viewer" else None,
            "until": _iso(grant.valid_until) if grant.relation == "viewer" else None}


def _invitation_json(invitation):
    from ..invitations.service import _effective_state

    return {"id": invitation.id, "email": invitation.email, "kind": invitation.kind, "scope": invitation.scope,
            "until": _iso(invitation.valid_until), "state": _effective_state(invitation),
            "expires_at": _iso(invitation.expires_at)}


class StudentsApi(BaseApi):
    """The children the caller may see; invitations and the access log (representatives)."""

    route_base = "/api/v1/students"
    openapi_spec_tag = "Students"

    @expose("/", methods=["GET"])
    @api_login_required
    def list_students(self):
        """The pupils the caller may see, with the caller's relation.
        ---
        get:
          summary: The caller's pupils
          responses:
            200: {description: "result: [{id, full_name, birth_date, class_name, school {id, number, name}, relation (representative|student|viewer), scope, until}]"}
            401: {description: Not logged in}
        """
        from sqlalchemy import select

        from ..access import grant_is_active
        from ..models import AccessGrant

        grants = db.session.execute(select(AccessGrant).where(
            AccessGrant.user_id == current_actor().user_id, grant_is_active()).order_by(AccessGrant.id)).scalars()
        return json_response(200, {"result": [_grant_json(g) for g in grants]})

    def _representative(self, student_id):
        from ..invitations.service import representative_grant

        actor = current_actor()
        if representative_grant(actor.user_id, student_id) is None:
            return None, api_error(403, gettext("Only an official representative of the pupil can invite."))
        return db.session.get(User, actor.user_id), None

    @expose("/<int:student_id>/invitations", methods=["GET", "POST"])
    @api_login_required
    def invitations(self, student_id):
        """Invitations of the pupil; POST {"email", "kind": "student"|"viewer", "scope", "until"} invites.
        ---
        get:
          summary: The pupil's invitations (representatives)
          parameters:
          - {in: path, name: student_id, required: true, schema: {type: integer}}
          responses:
            200: {description: "result: [{id, email, kind, scope, until, state, expires_at}]"}
            403: {description: Not an official representative}
            404: {description: No access to this pupil}
        post:
          summary: Invite the pupil or an interested person
          requestBody:
            content:
              application/json:
                schema: {type: object, properties: {email: {type: string}, kind: {type: string, enum: [student, viewer]}, scope: {type: string, enum: [all, schedule_homework, grades]}, until: {type: string, format: date, nullable: true}}}
          responses:
            201: {description: "{id, email, kind, scope, until, state, expires_at}"}
            400: {description: Field errors in Russian}
        """
        from sqlalchemy import select

        from .. import invitations as sharing
        from ..models import Invitation

        user, error = self._representative(student_id)
        if error:
            return error
        if request.method == "GET":
            rows = db.session.execute(select(Invitation).where(Invitation.student_id == student_id)
                                      .order_by(Invitation.created_at.desc())).scalars()
            return json_response(200, {"result": [_invitation_json(i) for i in rows]})
        body = json_body()
        if body is None:
            return api_error(400, gettext("Send a JSON object."))
        try:
            until = _day(body.get("until")) if body.get("until") else None
        except (TypeError, ValueError):
            return api_error(400, gettext("Check the highlighted fields."),
                             {"until": gettext("Dates must be written as YYYY-MM-DD.")})
        try:
            invitation, _token = sharing.invite(user, student_id, str(body.get("email") or ""), body.get("kind"),
                                                body.get("scope") or "all", until, consent=True)
        except sharing.InvitationError as exc:
            return api_error(400 if exc.status == 409 else exc.status, exc.message, exc.fields)
        return json_response(201, _invitation_json(invitation))

    @expose("/<int:student_id>/access-log", methods=["GET"])
    @api_login_required
    def access_log(self, student_id):
        """Who other than the official representatives opened the pupil's data.
        ---
        get:
          summary: The pupil's access log (representatives)
          parameters:
          - {in: path, name: student_id, required: true, schema: {type: integer}}
          responses:
            200: {description: "result: [{at, who, what}]"}
        """
        from sqlalchemy import select

        from ..models import AccessLogEntry

        _user, error = self._representative(student_id)
        if error:
            return error
        rows = db.session.execute(select(AccessLogEntry).where(AccessLogEntry.student_id == student_id)
                                  .order_by(AccessLogEntry.at.desc()).limit(500)).scalars()
        return json_response(200, {"result": [{"at": _iso(e.at), "who": e.user_label, "what": e.what} for e in rows]})


class InvitationsApi(BaseApi):
    route_base = "/api/v1/invitations"
    openapi_spec_tag = "Students"

    @expose("/<int:invitation_id>/revoke", methods=["POST"])
    @api_login_required
    def revoke(self, invitation_id):
        """Revoke a waiting invitation or the access it gave (representatives of the pupil).
        ---
        post:
          summary: Revoke
          parameters:
          - {in: path, name: invitation_id, required: true, schema: {type: integer}}
          responses:
            200: {description: "{state: revoked}"}
            404: {description: Not found or not yours}
        """
        from .. import invitations as sharing

        try:
            invitation = sharing.revoke(db.session.get(User, current_actor().user_id), invitation_id)
        except sharing.InvitationError as exc:
            return api_error(exc.status, exc.message)
        return json_response(200, {"state": invitation.state})
