"""What the JSON API accepts and answers, declared once with marshmallow: the input schemas parse
and check every body and query string (wrong JSON types, NUL bytes, ids beyond the database's
integers → 400 {"message", "errors": {field: message}} in Russian, nothing saved), and the output
schemas are the OpenAPI declarations of the answers (no undeclared field: `unknown = RAISE`
becomes `additionalProperties: false`). Values go through app.inputs, the parsers the pages use."""
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

from .. import inputs
from ..models import ApplicationState

MAX_ID = 2**31 - 1  # primary keys are PostgreSQL `integer`

_MESSAGES = {
    "required": _l("Fill in this field."),
    "null": _l("Fill in this field."),
    "validator_failed": _l("Choose one of the offered values."),
}


def _first(error):
    return next(iter(error.fields.values()), error.message) if error.fields else error.message


class _Parsed(fields.Field):
    """A field whose value is parsed by an app.inputs function (its InvalidInput → field error)."""

    default_error_messages = _MESSAGES

    def parse(self, value, attr):
        raise NotImplementedError

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return self.parse(value, attr)
        except inputs.InvalidInput as error:
            raise ValidationError(str(_first(error))) from None


class Id(_Parsed, fields.Integer):
    """A JSON number naming a row: an integer (not "5", not true, not 5.5) in 1..2**31-1."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, validate=validate.Range(1, MAX_ID), **kwargs)

    def parse(self, value, attr):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(str(_l("Enter a number.")))
        return inputs.field_id(value, attr)


class Text(_Parsed, fields.String):
    """Text a person typed: a JSON string, NUL and control characters stripped, length bounded."""

    def __init__(self, max_length=inputs.LINE_MAX, multiline=False, **kwargs):
        super().__init__(validate=validate.Length(max=max_length), **kwargs)
        self.max_length, self.multiline = max_length, multiline

    def parse(self, value, attr):
        if not isinstance(value, str):
            raise ValidationError(str(_l("Enter text.")))
        return inputs.text(value, attr, max_length=self.max_length, multiline=self.multiline)


class Day(_Parsed, fields.Date):
    """An ISO date YYYY-MM-DD inside app.inputs' calendar (1900..2199)."""

    def parse(self, value, attr):
        if not isinstance(value, str):
            raise ValidationError(str(_l("Enter the date as YYYY-MM-DD.")))
        return inputs.parse_date(value, attr)


class Choice(_Parsed, fields.String):
    def __init__(self, choices, **kwargs):
        super().__init__(validate=validate.OneOf(list(choices)), **kwargs)
        self.choices = list(choices)

    def parse(self, value, attr):
        return inputs.choice(value, attr, self.choices)


class Integer(_Parsed, fields.Integer):
    """A JSON integer (not "1", not true) that fits the database's integer."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, validate=validate.Range(-MAX_ID, MAX_ID), **kwargs)

    def parse(self, value, attr):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(str(_l("Enter a number.")))
        return inputs.integer(value, attr, minimum=-MAX_ID, maximum=MAX_ID)


class Number(_Parsed, fields.Integer):
    """An integer in a query string ("12"); anything else is 400, never a 500."""

    def parse(self, value, attr):
        return inputs.integer(value, attr)


class Nested(fields.Nested):
    default_error_messages = {**fields.Nested.default_error_messages, **_MESSAGES}


class Flag(_Parsed, fields.Boolean):
    """A JSON true or false (not "yes", not 1)."""

    def parse(self, value, attr):
        if not isinstance(value, bool):
            raise ValidationError(str(_l("Choose yes or no.")))
        return value


class UserName(_Parsed, fields.String):
    """A staff user name: a string of 1..255 characters without control characters (no account
    has one, and PostgreSQL refuses NUL in the lookup)."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Length(1, 255), **kwargs)

    def parse(self, value, attr):
        if not isinstance(value, str) or not value.strip() or len(value) > 255 or inputs.has_control(value):
            raise ValidationError(str(_l("Wrong user name or password.")))
        return value


class Secret(_Parsed, fields.String):
    """A password as typed: any non-empty string (its length is the request size limit's)."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Length(min=1), **kwargs)

    def parse(self, value, attr):
        if not isinstance(value, str) or not value.replace("\x00", ""):  # FAB refuses NUL-only too
            raise ValidationError(str(_l("Fill in this field.")))
        return value


class Input(Schema):
    """Base of the input schemas: unknown fields are ignored (clients may send more)."""

    class Meta:
        unknown = EXCLUDE

    error_messages = {"type": _l("Send a JSON object."), "unknown": _l("Unknown field.")}


def load(schema, data):
    """Parse `data` with `schema`, or raise InvalidInput with {"field" or "child.field": message}."""
    if not isinstance(data, dict):
        raise inputs.InvalidInput(message=str(_l("Send a JSON object.")))
    try:
        return schema.load(data)
    except ValidationError as error:
        raise inputs.InvalidInput(_flat(error.messages)) from None


def _flat(messages, prefix=""):
    flat = {}
    for key, value in (messages.items() if isinstance(messages, dict) else [("", messages)]):
        key = "" if key == "_schema" else key  # the value itself was wrong (not an object)
        name = f"{prefix}.{key}" if prefix and key != "" else (key or prefix)
        if isinstance(value, dict):
            flat.update(_flat(value, name))
        else:
            flat[name] = str(value[0] if isinstance(value, list) else value)
    return flat


# --------------------------------------------------------------------------- input
class ChildInput(Input):
    last_name = Text(required=True, max_length=100)
    first_name = Text(required=True, max_length=100)
    middle_name = Text(max_length=100, allow_none=True)
    birth_date = Day(required=True)


class ApplicationInput(Input):
    school_id = Id(required=True)
    child = Nested(ChildInput, required=True)


class TransitionInput(Input):
    document_type = Choice(["passport_rf", "other"])
    student_id = Id(allow_none=True)
    class_name = Text(max_length=20)
    reason = Text(max_length=2000, multiline=True)
    version = Integer(allow_none=True, metadata={"description": "optional optimistic-lock check"})


class ApplicationListArgs(Input):
    page = Number(metadata={"description": "clamped to 1..100000"})
    page_size = Number(metadata={"description": "clamped to 1..100"})
    state = Choice(ApplicationState.ALL)
    q = Text(max_length=100, metadata={"description": "code or the beginning of the child's last name"})


class InvitationInput(Input):
    email = Text(required=True, max_length=254)
    kind = Choice(["student", "viewer"], required=True)
    scope = Choice(["all", "schedule_homework", "grades"])
    until = Day(allow_none=True)


class MessageInput(Input):
    teacher_id = Id(required=True)
    subject = Text(max_length=200)
    text = Text(required=True, max_length=inputs.TEXT_MAX, multiline=True)


class LoginInput(Input):
    """POST /api/v1/security/login (checked before FAB's own login, which would 500 on a missing
    provider and answer in English). Unknown fields refused, as FAB's own schema does."""

    class Meta:
        unknown = RAISE

    username = UserName(required=True)
    password = Secret(required=True)
    provider = Choice(["db"], required=True)
    refresh = Flag(metadata={"description": "also return a refresh token"})


# --------------------------------------------------------------------------- output
class Output(Schema):
    """Base of the output schemas; an answer is dumped from a dict keyed as its JSON is (a field
    `from_` with data_key "from" reads the key "from")."""

    class Meta:
        unknown = RAISE  # → additionalProperties: false in the document

    def on_bind_field(self, field_name, field_obj):
        if field_obj.data_key and field_obj.attribute is None:
            field_obj.attribute = field_obj.data_key


class Iso(fields.String):
    """A date or a moment written as ISO text (declared a plain string, as the answers always were)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value.isoformat() if hasattr(value, "isoformat") else super()._serialize(value, attr, obj, **kwargs)


class HourMinute(fields.String):
    """A time of day written HH:MM (a lesson's start, a reception hour)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value.strftime("%H:%M") if hasattr(value, "strftime") else super()._serialize(value, attr, obj, **kwargs)


def _str(**kw):
    return fields.String(required=True, **kw)


def _iso(**kw):
    return Iso(required=True, **kw)


def _niso():
    return Iso(required=True, allow_none=True)


def _int(**kw):
    return fields.Integer(required=True, **kw)


def _nstr():
    return fields.String(required=True, allow_none=True)


def _nint():
    return fields.Integer(required=True, allow_none=True)


class ErrorOut(Output):
    message = _str()
    errors = fields.Dict(keys=fields.String(), values=fields.String())


class ReceptionHourOut(Output):
    weekday, weekday_name = _int(), _str()
    from_, to = HourMinute(required=True, data_key="from"), HourMinute(required=True)
    room, responsible, text = _str(), _str(), _str()


class ApplicationSchoolOut(Output):
    id, name = _int(), _str()
    reception_hours = fields.List(fields.Nested(ReceptionHourOut), required=True)


class ChildOut(Output):
    last_name, first_name, middle_name, birth_date = _str(), _str(), _nstr(), _iso()


class HistoryOut(Output):
    action, to, at = _str(), _str(), _iso()
    from_ = fields.String(required=True, allow_none=True, data_key="from")
    actor = _nstr()


class ApplicationOut(Output):
    id, code, state, state_label, version, school_id = _int(), _str(), _str(), _str(), _int(), _int()
    school = fields.Nested(ApplicationSchoolOut, required=True)
    child = fields.Nested(ChildOut, required=True)
    reason, document_type, student_id, created_at = _nstr(), _nstr(), _nint(), _iso()
    history = fields.List(fields.Nested(HistoryOut))


class ApplicationPageOut(Output):
    count, page, page_size = _int(), _int(), _int()
    result = fields.List(fields.Nested(ApplicationOut), required=True)


class TransitionOut(Output):
    id, state, state_label, version = _int(), _str(), _str(), _int()


class DistrictOut(Output):
    id, name = _int(), _str()


class SchoolOut(Output):
    id, number, name, district_id, address = _int(), _str(), _str(), _int(), _str()
    district = fields.Nested(DistrictOut, required=True)
    reception_hours = fields.List(fields.Nested(ReceptionHourOut), required=True)


class SchoolListOut(Output):
    count = _int()
    result = fields.List(fields.Nested(SchoolOut), required=True)


class ColumnOut(Output):
    key, title = _str(), _str()


class ReportOut(Output):
    report, title, from_, to = _str(), _str(), _iso(data_key="from"), _iso()
    district_id, school_id = _nint(), _nint()
    columns = fields.List(fields.Nested(ColumnOut), required=True)
    rows = fields.List(fields.Dict(), required=True)
    extra = fields.Dict(required=True)


class LoginOut(Output):
    access_token = _str()
    refresh_token = fields.String()
