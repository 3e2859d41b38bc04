"""Every transition of the application state machine as ONE record: who may fire it, from where
to where, what it asks for (fields, validated by `prepare`), what it is called (audit log and
timelines), its button, its success message, where it is offered (staff screen, API, parent portal),
the e-mails it queues and its side effects. Adding a transition is one more record here: the staff
page builds its forms from the records, the portal its buttons, the API its list of actions and its
OpenAPI description, the outbox its mails (app.workflow.machine.fire performs any of them)."""
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

from flask_babel import gettext, lazy_gettext as _l

from ..access import give_representative_access
from ..models import ApplicationState as S, DocumentType
from . import rules

# Where a transition is offered to people (system transitions are offered nowhere: the scheduler
# fires `expire`, the outbox worker a mail's follow-up).
STAFF = "staff"  # the clerk's application page: a form with the fields and the button
API = "api"  # POST /api/v1/applications/<id>/transitions/<name> (creating ones: POST /applications/)
PORTAL = "portal"  # the parent's application page (creating ones: «Подать заявление»)
CHANNELS = (STAFF, API, PORTAL)
AT_SCHOOL = frozenset({STAFF, API})  # the school's transitions: the clerk's page and the API
AT_HOME = frozenset({PORTAL, API})  # the parent's: the portal and the API

# Who fires them (actor kinds, app.access)
SCHOOL_STAFF = frozenset({"clerk", "admin"})
PARENT = frozenset({"parent"})
SYSTEM = frozenset({"system"})


class Option(NamedTuple):
    value: str
    label: str
    checked: bool = False


@dataclass(frozen=True)
class Field:
    """One input of a transition as the forms show it; `prepare` validates what comes in."""

    name: str
    label: object = ""
    kind: str = "text"  # text, textarea, radio
    options: Callable | None = None  # radio: application -> [Option]
    required: bool = False
    min_length: int | None = None
    max_length: int | None = None
    placeholder: str = ""


@dataclass(frozen=True)
class Mail:
    """An e-mail the transition writes to the outbox (templates mail/<template>.txt and .html)."""

    template: str
    subject: object
    to: str = "parent"  # app.workflow.notifications.RECIPIENTS
    on_sent: str | None = None  # the transition the worker fires once the mail server took it


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple  # states it may start from; (None,) for creation
    target: str
    actors: frozenset  # actor kinds: parent, clerk, admin, system
    prepare: Callable | None = None  # validates input -> column changes
    title: object = ""  # what the audit log and timelines call it (lazy, translated)
    effects: tuple = field(default_factory=tuple)  # (application, actor) -> None, same transaction
    channels: frozenset = frozenset()  # STAFF, API, PORTAL
    label: object = ""  # the button
    heading: object = ""  # the staff form's heading
    hint: object = ""  # a line under the heading
    style: str = "primary"  # the button: primary, success, danger
    confirm: object = ""  # asked before the form is sent, if anything
    flash: object = ""  # said after it succeeded
    fields: tuple = ()  # Field, in the order the forms show them; their values go to the audit log
    mails: tuple = ()  # Mail
    decides: bool = False  # a decision on the application: sets decided_at
    slug: str = ""  # the last part of the staff and portal form URLs (the name by default)
    permission: str = ""  # the FAB permission on ApplicationView the staff form needs

    @property
    def creates(self):
        return self.sources == (None,)

    @property
    def path(self):
        return self.slug or self.name

    @property
    def staff_permission(self):
        return self.permission or f"can_{self.path}"

    def form_data(self, form):
        """What a submitted form carries for this transition (prepare validates it)."""
        return {f.name: form.get(f.name, "") for f in self.fields}


def _grant_access(application, actor):
    """The approval's effect: the parent becomes the pupil's official representative (app.access)."""
    give_representative_access(application.parent_id, application.student_id, application.id)


def _document_types(_application):
    return [Option(key, str(label), i == 0) for i, (key, label) in enumerate(DocumentType.choices())]


def _roster_pupils(application):
    """The roster pupils who match the child; the first is chosen if the birth date matches too."""
    candidates = rules.roster_candidates(application)
    matched = bool(candidates) and candidates[0].birth_date == application.child_birth_date
    options = [Option(str(s.id), str(s), matched and i == 0) for i, s in enumerate(candidates)]
    new = gettext("Not in the roster: add the pupil as typed in the application")
    return options + [Option("", new, not matched)]


TRANSITIONS = {
    t.name: t
    for t in (
        Transition(
            "submit",
            (None,),
            S.SUBMITTED,
            PARENT,
            rules.prepare_submit,
            title=_l("Application submitted"),
            channels=AT_HOME,
            label=_l("Send the application"),
            flash=_l("Your application has been sent"),
            mails=(Mail("submitted", _l("Your application has been sent")),),
        ),
        Transition(
            "verify_passport",
            (S.SUBMITTED,),
            S.PASSPORT_VERIFIED,
            SCHOOL_STAFF,
            rules.prepare_verify_passport,
            title=_l("Passport checked"),
            channels=AT_SCHOOL,
            heading=_l("Passport check"),
            hint=_l("Check the document in person. Do not write down its number."),
            label=_l("Passport checked"),
            flash=_l("The passport check has been recorded."),
            fields=(Field("document_type", kind="radio", options=_document_types, required=True),),
            slug="verify",
        ),
        Transition(
            "approve",
            (S.PASSPORT_VERIFIED,),
            S.APPROVED,
            SCHOOL_STAFF,
            rules.prepare_approve,
            title=_l("Approved"),
            effects=(_grant_access,),
            channels=AT_SCHOOL,
            heading=_l("Approve"),
            label=_l("Approve"),
            style="success",
            flash=_l("The application has been approved: the parent will get an e-mail."),
            fields=(
                Field("student_id", _l("Pupil in the school roster"), "radio", _roster_pupils),
                Field("class_name", _l("Class (for a new pupil)"), max_length=20, placeholder="5 «А»"),
            ),
            mails=(
                Mail("approved", _l("Access to the e-diary has been granted"), on_sent="mark_notified"),
            ),
            decides=True,
        ),
        Transition(
            "reject",
            S.ACTIVE,
            S.REJECTED,
            SCHOOL_STAFF,
            rules.prepare_reject,
            title=_l("Rejected"),
            channels=AT_SCHOOL,
            heading=_l("Reject"),
            label=_l("Reject"),
            style="danger",
            flash=_l("The application has been rejected: the parent will get an e-mail with the reason."),
            fields=(
                Field("reason", _l("Reason (the parent will see it)"), "textarea", required=True,
                      min_length=3, max_length=2000),
            ),
            mails=(Mail("rejected", _l("Your application has been rejected")),),
            decides=True,
        ),
        Transition(
            "withdraw",
            S.ACTIVE,
            S.WITHDRAWN,
            PARENT,
            title=_l("Withdrawn by the parent"),
            channels=AT_HOME,
            label=_l("Withdraw the application"),
            style="danger",
            confirm=_l("Withdraw the application?"),
            flash=_l("The application has been withdrawn."),
        ),
        Transition(
            "expire",
            (S.SUBMITTED,),
            S.EXPIRED,
            SYSTEM,
            title=_l("Expired"),
            mails=(Mail("expired", _l("Your application has expired")),),
        ),
        Transition(
            "mark_notified",
            (S.APPROVED,),
            S.NOTIFIED,
            SYSTEM,
            title=_l("E-mail about the approval delivered"),
        ),
    )
}


def offered_in(channel):
    """The transitions offered in a channel, in the order of the records."""
    return [t for t in TRANSITIONS.values() if channel in t.channels]


def by_path(channel, path):
    """The transition a form URL of the channel names, or None."""
    for t in offered_in(channel):
        if t.path == path and not t.creates:
            return t
    return None


def api_transitions():
    """What POST /api/v1/applications/<id>/transitions/<name> performs (creating: POST /applications/)."""
    return [t for t in offered_in(API) if not t.creates]


def api_transition(name):
    """The transition the API's URL names, or None (unknown, or not offered to the API)."""
    return next((t for t in api_transitions() if t.name == name), None)
