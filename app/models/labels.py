"""Stored codes with their screen labels: one enum per kind of code, each label beside its code.

A member is written `NAME = "code", _l("English label")` (the Russian is in the catalogue). A member
*is* its code — a `str` — so the database, SQL comparisons (`Application.state == S.SUBMITTED`), JSON
and the API keep the plain strings. Rows read back from the database hold plain strings: look their
label up with `X.label_for(code)`, or `X.labels()` for a page that shows many of them."""
from enum import StrEnum
from functools import lru_cache

import flask_babel
from flask import has_app_context


class LabeledEnum(StrEnum):
    def __new__(cls, code, label):
        member = str.__new__(cls, code)
        member._value_ = code
        member._label = label
        return member

    @property
    def label(self):
        """The lazy translated label (rendered in the request's language)."""
        return self._label

    @classmethod
    def get(cls, code):
        """The member with this code, or None for a code this enum does not know."""
        try:
            return cls._value2member_map_.get(code)
        except TypeError:  # unhashable (a list or an object from JSON): not a code
            return None

    @classmethod
    def label_for(cls, code):
        """The label of a stored code; an unknown code is shown as it is, a missing one as ""."""
        member = cls.get(code)
        return member.label if member is not None else (code or "")

    @classmethod
    def labels(cls):
        """{code: label} translated once for this request (a page of many rows would otherwise
        translate the same label again for each) — once per process and language, in fact: the
        translation of a label depends only on the catalogue of the request's locale."""
        if not has_app_context():  # a script: no catalogue to remember by
            return {member.value: str(member.label) for member in cls}
        return dict(_translated_labels(cls, flask_babel.get_translations()))

    @classmethod
    def choices(cls):
        """(code, lazy label) pairs for a form's select field, in the order of the members."""
        return [(member.value, member.label) for member in cls]


@lru_cache(maxsize=256)
def _translated_labels(enum, translations):
    """{code: label} of the enum in `translations` (Flask-Babel keeps one catalogue object per
    locale for the process): what str() of each lazy label gives under that catalogue."""
    return {member.value: str(member.label) for member in enum}
