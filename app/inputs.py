"""One set of parsers for what arrives from outside (query strings, forms, JSON bodies), used by the
pages and the API alike. Each returns a clean Python value or raises ONE error type,
`InvalidInput` (an app.errors.DomainError: status, Russian message, fields), which the one error
handler answers — 400 for a field, 404 for an id in the path. Never a 500, never OverflowError.

Stable interface (engineers of the API build on it):

    path_id(value, bits=32)                       -> int; 404 unless 1 <= value < 2**(bits-1)
    field_id(value, field, required=True, bits=32) -> int | None; 400 {field: ...} when wrong
    optional_id(value, bits=32)                   -> int | None; None when absent, not a number
                                                     or out of range (filters in query strings)
    page_number(value, default=1, maximum=MAX_PAGE)      -> int, clamped to 1..maximum
    page_size(value, default=25, maximum=MAX_PAGE_SIZE)  -> int, clamped to 1..maximum
    integer(value, field, default=None, minimum=None, maximum=None) -> int; 400 outside the range
    parse_date(value, field, default=None, required=False, earliest=EARLIEST, latest=LATEST)
                                                  -> date | default; ISO YYYY-MM-DD only
    query_date(value, field, default=None, earliest=EARLIEST, latest=LATEST)
                                                  -> date | default; garbage → default, a real date
                                                     beyond the edges → 400 (page filters)
    clamped(value, default, minimum, maximum)     -> int; garbage → default, else clamped
    date_range(start, end, field_from="from", field_to="to", max_days=None, strict=False)
                                                  -> (start, end); 400 when too long (strict: or
                                                     when end < start)
    text(value, field, max_length=TEXT_MAX, required=False, multiline=False) -> str
    clean(value)                                  -> str without control characters
    has_control(value)                            -> bool: clean() would change it
    boolean(value, field, default=False)          -> bool ("1/true/on/yes/да", "0/false/off/no/нет")
    choice(value, field, choices, default=None)   -> one of choices
    check_form(fields)                            -> raise InvalidInput(fields) when any field failed

Decisions:
- Control characters: NUL and the other C0 characters (and DEL) are STRIPPED, never stored —
  they carry no meaning in a name, a message or a search, and PostgreSQL refuses NUL in text.
  Tab, CR and LF stay in multi-line text; a single-line field turns them into spaces.
  The same clean-up runs on every form and query string before any view (app.errors.
  register_error_handlers installs it), so forms we do not own are covered too.
- Lengths are refused, not truncated (truncating would lose what the user typed): 400 with the
  field's message, and the form re-renders with what was typed.
- Dates: only ISO YYYY-MM-DD between EARLIEST and LATEST (1900-01-01 .. 2199-12-31 by default),
  so that any arithmetic a page does (a week, a school year) cannot leave the calendar.
- Ids: primary keys are PostgreSQL `integer` (32-bit): anything else can name no row.
"""
import re
from datetime import date

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from . import formats
from .domain_error import DomainError

MAX_PAGE = 100_000
MAX_PAGE_SIZE = 100
TEXT_MAX = 10_000
LINE_MAX = 255
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAKS = re.compile("[\t\r\n]")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRUE = {"1", "true", "on", "yes", "y", "да"}
_FALSE = {"0", "false", "off", "no", "n", "нет", ""}


class InvalidInput(DomainError):
    """A value from outside that cannot be used: 400 with {field: message} (404 for a path id)."""

    status = 400
    default_message = _l("The data could not be accepted.")

    def __init__(self, fields=None, message=None, status=None):  # fields first: the usual refusal
        super().__init__(message, fields, status)


def _fail(field, message):
    raise InvalidInput({field: message} if field else None, None if field else message)


def _as_int(value):
    """int or None, for str/int input; never raises (bool is not a number here)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not re.fullmatch(r"[+-]?\d{1,30}", value):  # bounded: no int() on a megabyte of digits
        return None
    return int(value)


def _in_range(number, bits):
    return number is not None and 0 < number < 2 ** (bits - 1)


def path_id(value, bits=32):
    """An id from the URL path: anything but an existing row's possible id is 404."""
    number = _as_int(value)
    if not _in_range(number, bits):
        raise InvalidInput(message=gettext("The page was not found."), status=404)
    return number


def field_id(value, field, required=True, bits=32):
    """An id sent in a form or a JSON body (a school, a pupil, a district)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            _fail(field, gettext("Choose a value."))
        return None
    number = _as_int(value)
    if not _in_range(number, bits):
        _fail(field, gettext("No such record."))
    return number


def optional_id(value, bits=32):
    """A filter id from a query string: None when absent, not a number or beyond any row."""
    number = _as_int(value)
    return number if _in_range(number, bits) else None


def _clamped(value, default, maximum):
    number = _as_int(value)
    if number is None:
        return default
    return max(1, min(number, maximum))


def page_number(value, default=1, maximum=MAX_PAGE):
    """A 1-based page number; garbage → default, out of range → clamped."""
    return _clamped(value, default, maximum)


def page_size(value, default=25, maximum=MAX_PAGE_SIZE):
    return _clamped(value, default, maximum)


def integer(value, field, default=None, minimum=None, maximum=None):
    if value is None or (isinstance(value, str) and not value.strip()):
        if default is None:
            _fail(field, gettext("Enter a number."))
        return default
    number = _as_int(value)
    if number is None:
        _fail(field, gettext("Enter a number."))
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        _fail(field, gettext("Enter a number from %(low)s to %(high)s.",
                             low=minimum if minimum is not None else "…",
                             high=maximum if maximum is not None else "…"))
    return number


def parse_date(value, field, default=None, required=False, earliest=EARLIEST, latest=LATEST):
    """An ISO date (YYYY-MM-DD) inside [earliest, latest]; absent → default (or 400 if required)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            _fail(field, gettext("Enter a date."))
        return default
    if isinstance(value, date):
        parsed = value
    else:
        if not isinstance(value, str) or not _ISO_DATE.fullmatch(value.strip()):
            _fail(field, gettext("Enter the date as YYYY-MM-DD."))
        try:
            parsed = date.fromisoformat(value.strip())
        except ValueError:
            _fail(field, gettext("There is no such date."))
    if not earliest <= parsed <= latest:
        _fail(field, gettext("Enter a date from %(earliest)s to %(latest)s.",
                             earliest=formats.date(earliest), latest=formats.date(latest)))
    return parsed


def query_date(value, field, default=None, earliest=EARLIEST, latest=LATEST):
    """A date filter of a page's query string (?week=, ?from=, ?to=): absent or unreadable →
    default (as the pages always did); a real date beyond [earliest, latest] → 400."""
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            date.fromisoformat(value.strip())
        except ValueError:
            return default
        return parse_date(value, field, default, earliest=earliest, latest=latest)
    return default


def clamped(value, default, minimum, maximum):
    """A number from a query string clamped to [minimum, maximum]; not a number → default."""
    number = _as_int(value)
    return default if number is None else max(minimum, min(number, maximum))


def date_range(start, end, field_from="from", field_to="to", max_days=None, strict=False):
    """(start, end) checked: the period at most `max_days` long; with strict, the end not before
    the start (a page's filter may be reversed: it just shows nothing)."""
    if strict and start and end and end < start:
        _fail(field_to, gettext("The end of the period is before its start."))
    if start and end and max_days is not None and (end - start).days > max_days:
        _fail(field_to, gettext("The period is too long: at most %(count)s days.", count=max_days))
    return start, end


def has_control(value):
    """True when the text holds NUL or another control character that clean() strips."""
    return _CONTROL.search(value) is not None


def clean(value):
    """The text without NUL and other control characters (tab, CR, LF are kept)."""
    return _CONTROL.sub("", value)


def text(value, field, max_length=TEXT_MAX, required=False, multiline=False):
    """Text a person typed: control characters stripped, trimmed, at most `max_length` characters."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        _fail(field, gettext("Enter text."))
    value = clean(value)
    if not multiline:
        value = _LINE_BREAKS.sub(" ", value)
    value = value.strip()
    if required and not value:
        _fail(field, gettext("Fill in this field."))
    if len(value) > max_length:
        _fail(field, gettext("At most %(count)s characters.", count=max_length))
    return value


def boolean(value, field, default=False):
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE:
        return True
    if isinstance(value, str) and value.strip().lower() in _FALSE:
        return False
    _fail(field, gettext("Choose yes or no."))


def choice(value, field, choices, default=None):
    if value is None or value == "":
        if default is None:
            _fail(field, gettext("Choose a value."))
        return default
    if not isinstance(value, str) or value not in choices:
        _fail(field, gettext("Choose one of the offered values."))
    return value


def check_form(fields):
    """Raise one InvalidInput carrying every failed field of a form (fields: {name: message})."""
    fields = {k: v for k, v in fields.items() if v}
    if fields:
        raise InvalidInput(fields)


def like_prefix(value):
    """A LIKE pattern for "begins with `value`": %, _ and the escape character itself escaped
    (use with `.ilike(pattern, escape="\\\\")`), so that a search for "%" finds a "%", not everything."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"



EMAIL_MAX = 254  # RFC 5321 path limit; email-validator checks it too
RESERVED_TLDS = ("localhost", "test", "local", "invalid", "example")


def _validated_email(value, reserved_ok):
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False, allow_smtputf8=False).normalized
    except EmailNotValidError:
        local, at, domain = value.rpartition("@")
        tld = domain.rsplit(".", 1)[-1].lower()
        if not (reserved_ok and at and "." in domain and tld in RESERVED_TLDS):
            raise
        # the same checks, with the reserved top-level domain standing in for a public one
        checked = validate_email(f"{local}@{domain[:-len(tld)]}ru", check_deliverability=False,
                                 allow_smtputf8=False).normalized
        return checked[:-2] + tld


def parse_email(value, field="email", required=True, reserved_ok=False):
    """An e-mail address checked with email-validator (syntax only, check_deliverability=False:
    no DNS inside a request): exactly one address, no display name, no control characters or line
    breaks, no internationalised local part (not every mail server takes SMTPUTF8), at most 254
    characters, and — unless `reserved_ok` (the service's own placeholders, e.g. the demo staff's
    @staff.diary.localhost) — no special-use domain (localhost, .test, .invalid, …). Returns the
    normalised address lower-cased (accounts and invitations compare addresses lower-cased); ''
    when empty and not required. InvalidInput {field: «Введите правильный адрес электронной
    почты.»} otherwise."""
    from email_validator import EmailNotValidError

    if value is None:
        value = ""
    if not isinstance(value, str):
        _fail(field, gettext("Enter a valid e-mail address."))
    value = value.strip()
    if not value:
        if required:
            _fail(field, gettext("Enter a valid e-mail address."))
        return ""
    if len(value) > EMAIL_MAX:
        _fail(field, gettext("Enter a valid e-mail address."))
    try:
        return _validated_email(value, reserved_ok).lower()
    except EmailNotValidError:
        _fail(field, gettext("Enter a valid e-mail address."))


class EmailAddress:
    """WTForms validator for the staff screens' e-mail fields: parse_email (the service's own
    placeholder domains allowed), and the field keeps the normalised address."""

    def __init__(self, required=True, reserved_ok=True):
        self.required, self.reserved_ok = required, reserved_ok

    def __call__(self, form, field):
        from wtforms.validators import ValidationError

        try:
            field.data = parse_email(field.data, field.name, required=self.required, reserved_ok=self.reserved_ok)
        except InvalidInput as exc:
            raise ValidationError(exc.fields.get(field.name) or exc.message) from None
