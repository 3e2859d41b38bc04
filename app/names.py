"""People's names as in their documents: surname, first name, patronymic (ФИО).

One order everywhere — the document's: «Иванова Мария Петровна». Names are declined by pytrovich
(the petrovich rules), never by string endings of our own: «от Ивановой Марии Петровны», «в
отношении обучающегося Иванова Ивана Ивановича». The sex is the stored one (Student.sex, "m"/"f")
when known, otherwise pytrovich's detector guesses it from the patronymic (then the first name and
the surname). Words that must agree with the person (attendance: «Отсутствовала», «Болел») are
translated with a pgettext context per sex (attendance_label).

Template filters (init_app): `|document`, `|short` («Иванова М. П.»), `|genitive`, `|dative`,
`|accusative`, `|instrumental`, `|prepositional`, `|dear` (a letter's greeting: «Уважаемая Мария
Петровна!»). Each takes a FullName, a User, a Student, an Application (the child's name) or a
ready string in document order."""
import logging
from dataclasses import dataclass
from functools import lru_cache

from flask_babel import gettext, pgettext
from pytrovich.detector import PetrovichGenderDetector
from pytrovich.enums import Case, Gender, NamePart
from pytrovich.maker import PetrovichDeclinationMaker

# The detector warns of every name whose parts disagree («Варвара Алексеев»): an answer we handle
# (the patronymic decides, else the neutral wording), not a problem for the operators' log.
logging.getLogger("pytrovich.detector").setLevel(logging.ERROR)

MALE, FEMALE = "m", "f"  # the stored codes of Student.sex (app.models.Sex)
CASES = {case.name.lower(): case for case in Case}
_PLACEHOLDER = "—"  # FAB's user needs a first and last name: "—" stands for a missing one


@lru_cache(maxsize=1)
def _maker():
    return PetrovichDeclinationMaker()


@lru_cache(maxsize=1)
def _detector():
    return PetrovichGenderDetector()


def _clean(value):
    value = " ".join(str(value or "").split())
    return "" if value == _PLACEHOLDER else value


@dataclass(frozen=True)
class FullName:
    last: str = ""
    first: str = ""
    middle: str = ""
    sex: str | None = None  # "m", "f", or None: derived from the name

    def __post_init__(self):
        for part in ("last", "first", "middle"):
            object.__setattr__(self, part, _clean(getattr(self, part)))
        object.__setattr__(self, "sex", self.sex if self.sex in (MALE, FEMALE) else None)

    # ------------------------------------------------------------------ making one
    @classmethod
    def of(cls, value):
        """A FullName from what a page or letter has at hand: a FullName, a User (last_name,
        first_name, middle_name), a Student (with its sex), an Application (the child's name), or
        a string in document order («Иванова Мария Петровна»)."""
        if value is None:
            return cls()
        if isinstance(value, FullName):
            return value
        if isinstance(value, str):
            return cls.parse(value)
        if hasattr(value, "child_last_name"):  # an application: the child named in it
            return cls(value.child_last_name, value.child_first_name, value.child_middle_name,
                       getattr(getattr(value, "student", None), "sex", None))
        return cls(getattr(value, "last_name", ""), getattr(value, "first_name", ""),
                   getattr(value, "middle_name", "") or "", getattr(value, "sex", None))

    @classmethod
    def parse(cls, text, order="document"):
        """Split a name written in one string. `order="document"`: «Иванова Мария Петровна»;
        `order="natural"`: «Мария Петровна Иванова» (how people write it in a form or an old
        account). A single word is taken as the first name; words past the third stay with the
        patronymic («Оглы»)."""
        words = _clean(text).split()
        if not words:
            return cls()
        if len(words) == 1:
            return cls(first=words[0])
        if order == "natural":
            if len(words) == 2:
                return cls(last=words[1], first=words[0])
            return cls(last=words[-1], first=words[0], middle=" ".join(words[1:-1]))
        return cls(last=words[0], first=words[1], middle=" ".join(words[2:]))

    # ------------------------------------------------------------------ showing it
    def __bool__(self):
        return bool(self.last or self.first or self.middle)

    def __str__(self):
        return self.document

    @property
    def document(self):
        """«Иванова Мария Петровна»: the order of a passport and of every list."""
        return " ".join(p for p in (self.last, self.first, self.middle) if p)

    @property
    def short(self):
        """«Иванова М. П.»: where space is tight."""
        initials = " ".join(f"{p[0]}." for p in (self.first, self.middle) if p)
        return " ".join(p for p in (self.last, initials) if p)

    @property
    def polite(self):
        """«Мария Петровна» (first name and patronymic), how one addresses an adult."""
        return " ".join(p for p in (self.first, self.middle) if p)

    @property
    def gender(self):
        """pytrovich's Gender: the stored sex, else detected from the patronymic, then the first
        name and surname (ANDROGYNOUS when nothing tells)."""
        if self.sex == MALE:
            return Gender.MALE
        if self.sex == FEMALE:
            return Gender.FEMALE
        return detect_gender(self.first, self.last, self.middle)

    @property
    def sex_code(self):
        """"m", "f" or None: what wording agreeing with this person uses."""
        return {Gender.MALE: MALE, Gender.FEMALE: FEMALE}.get(self.gender)

    def declined(self, case):
        """The whole name in a grammatical case ("genitive" or a pytrovich Case), in document
        order: declined("genitive") of «Иванова Мария Петровна» is «Ивановой Марии Петровны»."""
        return " ".join(p for p in self._declined_parts(case) if p)

    def first_declined(self, case):
        """The first name alone in a case: «для Максима», «для Марии» (agreeing with the sex)."""
        return self._declined_parts(case)[1]

    def _declined_parts(self, case):
        case = CASES[case] if isinstance(case, str) else case
        if case == Case.NOMINATIVE:
            return (self.last, self.first, self.middle)
        gender = self.gender
        return tuple(_decline(part, gender, case, value) for part, value in (
            (NamePart.LASTNAME, self.last), (NamePart.FIRSTNAME, self.first),
            (NamePart.MIDDLENAME, self.middle)))


@lru_cache(maxsize=4096)
def detect_gender(first="", last="", middle=""):
    """pytrovich's detector over the parts that are there (the patronymic decides when known).
    A pure function of the strings, remembered per process: a week page asks it per mark."""
    parts = {key: value for key, value in (("firstname", first), ("lastname", last),
                                           ("middlename", middle)) if value}
    if not parts:
        return Gender.ANDROGYNOUS
    try:
        return _detector().detect(**parts)
    except (KeyError, ValueError, IndexError):  # a word the rules do not know at all
        return Gender.ANDROGYNOUS


def _decline(part, gender, case, value):
    if not value:
        return ""
    try:
        return _maker().make(part, gender, case, value)
    except (KeyError, ValueError, IndexError):  # keep a name the rules cannot decline as it is
        return value


def sex_of(person):
    """"m", "f" or None for a Student, User, FullName or name string."""
    return FullName.of(person).sex_code


# ---------------------------------------------------------------------- agreeing words
def attendance_label(mark, person=None):
    """The attendance mark's wording agreeing with the pupil: «Отсутствовала», «Болел»,
    «Опоздала», «Отсутствовал по уважительной причине». Unknown sex: the neutral noun
    («Отсутствие»), as the mark's own label."""
    from .models import AttendanceMark

    member = AttendanceMark.get(mark)
    if member is None:
        return mark or ""
    sex = sex_of(person) if person is not None else None
    if sex == FEMALE:
        return {
            AttendanceMark.ABSENT: pgettext("attendance, girl", "Was absent"),
            AttendanceMark.ILL: pgettext("attendance, girl", "Was ill"),
            AttendanceMark.LATE: pgettext("attendance, girl", "Was late"),
            AttendanceMark.EXCUSED: pgettext("attendance, girl", "Was absent for a good reason"),
        }[member]
    if sex == MALE:
        return {
            AttendanceMark.ABSENT: pgettext("attendance, boy", "Was absent"),
            AttendanceMark.ILL: pgettext("attendance, boy", "Was ill"),
            AttendanceMark.LATE: pgettext("attendance, boy", "Was late"),
            AttendanceMark.EXCUSED: pgettext("attendance, boy", "Was absent for a good reason"),
        }[member]
    return str(member.label)


def dear(person):
    """A letter's greeting naming the addressee: «Уважаемая Мария Петровна!» (with a patronymic),
    «Здравствуйте, Мария!» (without), «Здравствуйте!» (no name at all)."""
    name = FullName.of(person)
    if name.first and name.middle:
        if name.sex_code == FEMALE:
            return pgettext("greeting, woman", "Dear %(name)s!", name=name.polite)
        if name.sex_code == MALE:
            return pgettext("greeting, man", "Dear %(name)s!", name=name.polite)
    if name.first:
        return gettext("Hello, %(name)s!", name=name.polite)
    return gettext("Hello!")


# ---------------------------------------------------------------------- templates
def _filter(case):
    def decline(value):
        return FullName.of(value).declined(case)

    decline.__name__ = case
    return decline


def document(value):
    return FullName.of(value).document


def short(value):
    return FullName.of(value).short


def init_app(app):
    """The names' template filters, registered once for the whole app."""
    for case in ("genitive", "dative", "accusative", "instrumental", "prepositional"):
        app.add_template_filter(_filter(case), case)
    app.add_template_filter(document, "document")
    app.add_template_filter(short, "short")
    app.add_template_filter(dear, "dear")
    app.add_template_filter(attendance_label, "attendance")
    app.add_template_filter(sex_of, "sex")
