"""The answers of the diary and sharing API, declared (app.api.schemas: no undeclared field); the
endpoints dump their dicts through them (app.api.base.answer), which writes the dates."""
from marshmallow import fields

from .schemas import HourMinute, Output, _int, _iso, _nint, _niso, _nstr, _str


def _list(schema):
    return fields.List(fields.Nested(schema), required=True)


def _nnum():
    return fields.Float(required=True, allow_none=True)


class LessonGradeOut(Output):
    value, kind = _str(), _str()
    weight, remark = _nint(), _nstr()


def _nclock():
    return HourMinute(required=True, allow_none=True)


class LessonOut(Output):
    number = _int()
    starts_at, ends_at = _nclock(), _nclock()
    subject, room, topic, homework, attendance = _str(), _nstr(), _nstr(), _nstr(), _nstr()
    grades = _list(LessonGradeOut)


class DayOut(Output):
    date = _iso()
    lessons = _list(LessonOut)


class WeekOut(Output):
    week_start, week_end = _iso(), _iso()
    days = _list(DayOut)


class GradeOut(Output):
    date, value, kind = _iso(), _str(), _str()
    weight, remark = _nint(), _nstr()


class SubjectGradesOut(Output):
    subject = _str()
    average = _nnum()
    grades = _list(GradeOut)


class GradesOut(Output):
    from_ = _iso(data_key="from")
    to = _iso()
    subjects = _list(SubjectGradesOut)


class ResultOut(Output):
    kind, date, value = _str(), _iso(), _str()
    period = _nstr()  # «I четверть», «Год»: the period by the school's tables (null when they do not tell)


class SubjectResultsOut(Output):
    subject = _str()
    results = _list(ResultOut)


class ResultsOut(Output):
    subjects = _list(SubjectResultsOut)


class MarkOut(Output):
    date, subject, mark = _iso(), _str(), _str()
    number = _int()


class SubjectCountsOut(Output):
    subject = _str()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class AttendanceOut(Output):
    from_ = _iso(data_key="from")
    to = _iso()
    marks = _list(MarkOut)
    by_subject = _list(SubjectCountsOut)


class SubjectStatsOut(Output):
    subject = _str()
    average, class_average = _nnum(), _nnum()
    place, of = _nint(), _int()


class StatsOut(Output):
    from_ = _iso(data_key="from")
    to = _iso()
    class_ = fields.String(required=True, allow_none=True, data_key="class")
    subjects = _list(SubjectStatsOut)
    rankings = fields.Boolean(required=True)
    place, of = _nint(), _int()


class EventOut(Output):
    title, starts_at = _str(), _iso()
    description, ends_at, place = _nstr(), _niso(), _nstr()
    whole_school = fields.Boolean(required=True)


class EventsOut(Output):
    upcoming, past = _list(EventOut), _list(EventOut)


class MeetingOut(Output):
    topic, starts_at = _str(), _iso()
    place = _nstr()
    whole_school = fields.Boolean(required=True)


class MeetingsOut(Output):
    upcoming, past = _list(MeetingOut), _list(MeetingOut)


class PersonOut(Output):
    id, name = _int(), _str()


class MessageOut(Output):
    author, text, at = _str(), _str(), _iso()
    mine = fields.Boolean(required=True)


class ConversationOut(Output):
    id = _int()
    unread = fields.Boolean(required=True)  # a new message the caller has not read (was declared an integer)
    subject, last_message_at = _nstr(), _niso()
    teacher = fields.Nested(PersonOut, required=True)
    messages = _list(MessageOut)


class ConversationsOut(Output):
    conversations = _list(ConversationOut)
    teachers = _list(PersonOut)


class MessageSentOut(Output):
    conversation_id, message_id = _int(), _int()


class PupilSchoolOut(Output):
    id, number, name = _int(), _str(), _str()


class PupilOut(Output):
    id = _int()
    full_name, last_name, first_name, relation = _str(), _str(), _str(), _str()
    middle_name, class_name, scope = _nstr(), _nstr(), _nstr()
    sex = _nstr()  # "m" / "f" (the roster's, else from the patronymic), null when nothing tells
    birth_date, until = _niso(), _niso()
    school = fields.Nested(PupilSchoolOut, required=True)


class PupilsOut(Output):
    result = _list(PupilOut)


class InvitationOut(Output):
    id = _int()
    email, kind, scope, state = _str(), _str(), _str(), _str()
    until, expires_at = _niso(), _niso()


class InvitationsOut(Output):
    result = _list(InvitationOut)


class AccessLogEntryOut(Output):
    at, what = _iso(), _str()
    what_label = _str()  # what `what` names, in the request's language («Оценки (через приложение)»)
    who = _nstr()


class AccessLogOut(Output):
    result = _list(AccessLogEntryOut)


class RevokedOut(Output):
    state = _str()


ALL = (WeekOut, GradesOut, ResultsOut, AttendanceOut, StatsOut, EventsOut, MeetingsOut, ConversationsOut,
       MessageSentOut, PupilsOut, InvitationOut, InvitationsOut, AccessLogOut, RevokedOut)
