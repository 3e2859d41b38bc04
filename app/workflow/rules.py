"""Input rules of the transitions: validate what the user typed, return column changes.
Each failure is a ValidationFailed with Russian messages per field (nothing is saved)."""
import re
import secrets
from datetime import date

from flask_babel import gettext
from sqlalchemy import select

from .. import clock
from ..diary import membership
from ..extensions import db
from ..models import Application, ApplicationState as S, DocumentType, School, Student, utcnow
from .errors import ValidationFailed

NAME_RE = re.compile(r"^[А-ЯЁа-яёA-Za-z][А-ЯЁа-яёA-Za-z' \-]{0,99}$")
MIN_AGE, MAX_AGE = 5, 19
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


def new_code():
    """A short human code like 7KQ-4MZ, unique among applications."""
    while True:
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        code = f"{raw[:3]}-{raw[3:]}"
        exists = db.session.execute(
            select(Application.id).where(Application.code == code)
        ).first()
        if not exists:
            return code


def normalize_code(text):
    """What a clerk types ('7kq4mz', '7KQ 4MZ') -> '7KQ-4MZ', or None if it is no code."""
    raw = re.sub(r"[\s\-]", "", (text or "")).upper()
    if len(raw) == 6 and all(c in CODE_ALPHABET for c in raw):
        return f"{raw[:3]}-{raw[3:]}"
    return None


def child_key(last, first, middle, birth):
    parts = [p.strip().lower().replace("ё", "е") for p in (last, first, middle)]
    return "|".join(parts + [birth.isoformat()])


def _clean_name(value, field, errors, required=True):
    value = " ".join(str(value or "").split())
    if not value:
        if required:
            errors[field] = gettext("Required field.")
        return ""
    if not NAME_RE.match(value):
        errors[field] = gettext("Use letters, a hyphen or a space only.")
        return value
    return value[0].upper() + value[1:]


def _parse_date(value):
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for pattern in (r"^(\d{4})-(\d{2})-(\d{2})$", r"^(\d{2})\.(\d{2})\.(\d{4})$"):
        match = re.match(pattern, text)
        if match:
            parts = [int(x) for x in match.groups()]
            if pattern.startswith("^(\\d{2})"):
                parts = [parts[2], parts[1], parts[0]]
            try:
                return date(*parts)
            except ValueError:
                return None
    return None


def _age(birth, today):
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def prepare_submit(_application, data, actor):
    errors = {}
    child = data.get("child") or {}
    if not isinstance(child, dict):
        child = {}
    last = _clean_name(child.get("last_name"), "child.last_name", errors)
    first = _clean_name(child.get("first_name"), "child.first_name", errors)
    middle = _clean_name(child.get("middle_name"), "child.middle_name", errors, required=False)
    birth = _parse_date(child.get("birth_date"))
    today = clock.today()
    if child.get("birth_date") in (None, ""):
        errors["child.birth_date"] = gettext("Required field.")
    elif birth is None:
        errors["child.birth_date"] = gettext("Enter the date as DD.MM.YYYY.")
    elif birth > today:
        errors["child.birth_date"] = gettext("The birth date cannot be in the future.")
    elif not MIN_AGE <= _age(birth, today) <= MAX_AGE:
        errors["child.birth_date"] = gettext(
            "A school pupil is %(min)s to %(max)s years old: check the birth date.",
            min=MIN_AGE,
            max=MAX_AGE,
        )
    school = None
    try:
        school_id = int(data.get("school_id"))
        school = db.session.get(School, school_id)
    except (TypeError, ValueError):
        pass
    if school is None:
        errors["school_id"] = gettext("Choose a school from the list.")
    if errors:
        raise ValidationFailed(gettext("Check the highlighted fields."), errors)
    key = child_key(last, first, middle, birth)
    duplicate = db.session.execute(
        select(Application.code, Application.state).where(
            Application.parent_id == actor.user_id,
            Application.school_id == school.id,
            Application.child_key == key,
            Application.state.in_(S.ACTIVE + S.GRANTED),
        )
    ).first()
    if duplicate is not None:
        if duplicate.state in S.ACTIVE:
            message = gettext(
                "You already have an application for this child at this school: %(code)s.",
                code=duplicate.code,
            )
        else:
            message = gettext(
                "Access to this child's diary at this school has already been granted "
                "(application %(code)s).",
                code=duplicate.code,
            )
        raise ValidationFailed(message, {"child": message})
    return {
        "code": new_code(),
        "school": school,  # the row just read: the answer and the letter need not read it again
        "child_last_name": last,
        "child_first_name": first,
        "child_middle_name": middle,
        "child_birth_date": birth,
        "child_key": key,
    }


def prepare_verify_passport(application, data, actor):
    document_type = data.get("document_type")
    if DocumentType.get(document_type) is None:
        raise ValidationFailed(
            gettext("Choose the type of the document that was checked."),
            {"document_type": gettext("Choose the type of the document that was checked.")},
        )
    return {"document_type": document_type, "verified_by_id": actor.user_id, "verified_at": utcnow()}


def prepare_approve(application, data, actor):
    student_id = data.get("student_id")
    if student_id in (None, ""):
        student = Student(
            school_id=application.school_id,
            last_name=application.child_last_name,
            first_name=application.child_first_name,
            middle_name=application.child_middle_name,
            birth_date=application.child_birth_date,
        )
        db.session.add(student)
        db.session.flush()
        membership.enroll(student, str(data.get("class_name") or ""))  # the class by id, and its name
        return {"student_id": student.id}
    try:
        student = db.session.get(Student, int(student_id))
    except (TypeError, ValueError):
        student = None
    if student is None or student.school_id != application.school_id:
        raise ValidationFailed(
            gettext("Choose a pupil of this school's roster."),
            {"student_id": gettext("Choose a pupil of this school's roster.")},
        )
    return {"student_id": student.id}


def prepare_reject(application, data, actor):
    reason = " ".join(str(data.get("reason") or "").split())
    if len(reason) < 3:
        raise ValidationFailed(
            gettext("State the reason for the rejection."),
            {"reason": gettext("State the reason for the rejection.")},
        )
    return {"reason": reason[:2000]}


def roster_candidates(application):
    """Roster pupils of the school who match the child the parent typed."""
    return (
        db.session.execute(
            select(Student)
            .where(
                Student.school_id == application.school_id,
                Student.last_name.ilike(application.child_last_name),
            )
            .order_by(Student.birth_date != application.child_birth_date, Student.first_name)
            .limit(20)
        )
        .scalars()
        .all()
    )
