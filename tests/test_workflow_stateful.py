"""A Hypothesis stateful test of the application state machine: random transitions by random
actors (parents, clerks of this and another school, the supervisor, the admin, the system) on
a few applications, plus the outbox worker, checked after every step against a pure-Python
model of the design card's state machine."""
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from app.access import SYSTEM
from app.extensions import db
from app.models import AccessGrant, Application, AuditEvent, OutboxMessage, Student
from app.workflow import (
    Conflict,
    IllegalTransition,
    NotAllowed,
    NotFound,
    ValidationFailed,
    fire,
)
from app.workflow.outbox import drain
from tests.helpers.app import reset_data
from tests.helpers.data import count
from tests.helpers.workflow import parent, roster_student, school, snapshot, staff

pytestmark = pytest.mark.slow  # a Hypothesis state machine

# ------------------------------------------------------------------ the model (design card)
SOURCES = {
    "verify_passport": {"submitted"},
    "approve": {"passport_verified"},
    "reject": {"submitted", "passport_verified"},
    "withdraw": {"submitted", "passport_verified"},
    "expire": {"submitted"},
    "mark_notified": {"approved"},
}
TARGET = {
    "verify_passport": "passport_verified",
    "approve": "approved",
    "reject": "rejected",
    "withdraw": "withdrawn",
    "expire": "expired",
    "mark_notified": "notified",
}
WHO = {
    "verify_passport": {"clerk", "admin"},
    "approve": {"clerk", "admin"},
    "reject": {"clerk", "admin"},
    "withdraw": {"parent"},
    "expire": {"system"},
    "mark_notified": {"system"},
}
MAILED = {"submit", "approve", "reject", "expire"}
ACTIVE = {"submitted", "passport_verified"}
GRANTED = {"approved", "notified"}

# name -> (kind, school number, parent subject)
ACTORS = {
    "ivanova": ("parent", None, "parent-ivanova"),
    "petrov": ("parent", None, "parent-petrov"),
    "clerk239": ("clerk", "239", None),
    "clerk321": ("clerk", "321", None),
    "supervisor": ("supervisor", None, None),  # district of both schools: sees, may not act
    "admin": ("admin", None, None),
    "system": ("system", None, None),
}
CHILDREN = [
    ("Петров", "Пётр", "Петрович", "2015-08-08"),  # the demo application's child
    ("Иванов", "Иван", "Иванович", "2014-07-09"),
    ("Сидорова", "Анна", "Сергеевна", "2013-03-21"),
]
DATA = {
    "verify_passport": [{"document_type": "passport_rf"}, {"document_type": "other"},
                        {"document_type": "паспорт"}, {}],
    "approve": [{}, {"student": "239"}, {"student": "321"}],
    "reject": [{"reason": "Не пришли на приём"}, {"reason": " "}, {}],
}


def child_key(child):
    return "|".join([p.lower().replace("ё", "е") for p in child[:3]] + [child[3]])


@dataclass
class Model:
    id: int
    owner: str  # parent subject
    school: str
    key: str
    state: str = "submitted"
    version: int = 1
    student: int | None = None


def expected_error(name, actor_name, app, data, version):
    """What the design card says firing `name` should do: an error class, or None for success."""
    kind, actor_school, actor_sub = ACTORS[actor_name]
    visible = (kind in ("system", "admin", "supervisor")
               or (kind == "clerk" and actor_school == app.school)
               or (kind == "parent" and actor_sub == app.owner))
    if not visible:
        return NotFound
    may = kind in WHO[name] and (
        kind in ("system", "admin")
        or (kind == "clerk" and actor_school == app.school)
        or (kind == "parent" and actor_sub == app.owner))
    if not may:
        return NotAllowed
    if version is not None and version != app.version:
        return Conflict
    if app.state not in SOURCES[name]:
        return IllegalTransition
    if name == "verify_passport" and data.get("document_type") not in ("passport_rf", "other"):
        return ValidationFailed
    if name == "reject" and not str(data.get("reason") or "").strip():
        return ValidationFailed
    if name == "approve" and data.get("student") not in (None, app.school):
        return ValidationFailed
    return None


class ApplicationMachine(RuleBasedStateMachine):
    app = None  # set by the test

    def __init__(self):
        super().__init__()
        reset_data(self.app)
        self.context = self.app.app_context()
        self.context.push()
        self.actors = {
            name: SYSTEM if kind == "system" else parent(sub) if kind == "parent" else staff(name)
            for name, (kind, _school, sub) in ACTORS.items()
        }
        self.subject_of = {self.actors[n].user_id: ACTORS[n][2] for n in ("ivanova", "petrov")}
        self.school_ids = {number: school(number).id for number in ("239", "321")}
        self.pupils = {"239": roster_student("Иванов", "239").id,
                       "321": roster_student("Петрова", "321").id}
        demo = db.session.execute(select(Application)).scalar_one()
        self.apps = [Model(demo.id, "parent-petrov", "239", demo.child_key)]
        self.base = snapshot()
        self.transitions = 0  # successful ones since the demo data
        self.mails = 0
        self.new_pupils = 0

    def teardown(self):
        db.session.remove()
        self.context.pop()

    # -------------------------------------------------------------- rules
    @initialize(states=st.lists(st.sampled_from(["submitted", "passport_verified", "approved"]),
                                max_size=3))
    def some_applications_further_along(self, states):
        """Start some runs deeper in the machine: applications already verified or approved."""
        combos = [("ivanova", CHILDREN[1], "239"), ("ivanova", CHILDREN[2], "321"),
                  ("petrov", CHILDREN[1], "321")]
        for (actor, child, school_number), state in zip(combos, states):
            self._submit(actor, child, school_number)
            index = len(self.apps) - 1
            for name in ("verify_passport", "approve"):
                if self.apps[index].state == state:
                    break
                self._fire(index, name, self._proper_actor(self.apps[index], name), 0, None)
            assert self.apps[index].state == state

    @precondition(lambda self: len(self.apps) < 5)
    @rule(actor=st.sampled_from(sorted(ACTORS)), child=st.sampled_from(CHILDREN),
          school_number=st.sampled_from(["239", "321"]))
    def submit(self, actor, child, school_number):
        self._submit(actor, child, school_number)

    @precondition(lambda self: self.apps)
    @rule(index=st.integers(0, 4), name=st.sampled_from(sorted(SOURCES)),
          actor=st.sampled_from(sorted(ACTORS)), choice=st.integers(0, 3),
          version_offset=st.sampled_from([None, None, None, 0, -1, 1]))
    def any_transition_by_anyone(self, index, name, actor, choice, version_offset):
        self._fire(index, name, actor, choice, version_offset)

    @precondition(lambda self: self.apps)
    @rule(index=st.integers(0, 4), pick=st.integers(0, 11), choice=st.integers(0, 2),
          use_admin=st.booleans(), current_version=st.booleans())
    def by_the_proper_actor(self, index, pick, choice, use_admin, current_version):
        """A transition by the actor the card names for it: half of the time one the current
        state allows (so runs get deep into the machine), else any (illegal in this state)."""
        app = self.apps[index % len(self.apps)]
        legal = [n for n in sorted(SOURCES) if app.state in SOURCES[n]]
        names = legal * (len(SOURCES) // max(len(legal), 1)) + sorted(SOURCES)
        name = names[pick % len(names)]
        actor = self._proper_actor(app, name, use_admin)
        self._fire(index, name, actor, choice, 0 if current_version else None)

    @staticmethod
    def _proper_actor(app, name, use_admin=False):
        if WHO[name] == {"parent"}:
            return "ivanova" if app.owner == "parent-ivanova" else "petrov"
        if "clerk" in WHO[name]:
            return "admin" if use_admin else f"clerk{app.school}"
        return "system"

    def _submit(self, actor, child, school_number):
        kind, _school, sub = ACTORS[actor]
        key = child_key(child)
        if kind != "parent":
            expected = NotAllowed
        elif any(a.owner == sub and a.school == school_number and a.key == key
                 and a.state in ACTIVE | GRANTED for a in self.apps):
            expected = ValidationFailed
        else:
            expected = None
        data = {"school_id": self.school_ids[school_number],
                "child": dict(zip(("last_name", "first_name", "middle_name", "birth_date"), child))}
        before = snapshot()
        if expected is not None:
            try:
                fire("submit", self.actors[actor], data=data)
            except expected as exc:
                assert exc.status in (400, 403)
            else:
                raise AssertionError(f"submit by {actor} should fail with {expected.__name__}")
            assert snapshot() == before
            return
        created = fire("submit", self.actors[actor], data=data)
        self.apps.append(Model(created.id, sub, school_number, key))
        self.transitions += 1
        self.mails += 1

    def _fire(self, index, name, actor, choice, version_offset):
        app = self.apps[index % len(self.apps)]
        options = DATA.get(name, [{}])
        model_data = options[choice % len(options)]
        data = dict(model_data)
        if "student" in data:
            data = {"student_id": self.pupils[data.pop("student")]}
        version = None if version_offset is None else app.version + version_offset
        expected = expected_error(name, actor, app, model_data, version)
        before = snapshot()
        if expected is not None:
            try:
                fire(name, self.actors[actor], app.id, data, expected_version=version)
            except expected as exc:
                assert exc.status == {NotFound: 404, NotAllowed: 403, Conflict: 409,
                                      IllegalTransition: 409, ValidationFailed: 400}[expected]
            else:
                raise AssertionError(f"{name} by {actor} on {app} should fail: {expected.__name__}")
            assert snapshot() == before, f"failed {name} by {actor} changed something"
            return
        fire(name, self.actors[actor], app.id, data, expected_version=version)
        app.state, app.version = TARGET[name], app.version + 1
        self.transitions += 1
        self.mails += name in MAILED
        if name == "approve":
            if "student_id" in data:
                app.student = data["student_id"]
            else:
                self.new_pupils += 1
                app.student = db.session.get(Application, app.id).student_id

    @rule()
    def outbox_worker(self):
        drain()
        for app in self.apps:
            if app.state == "approved":  # the approval e-mail was accepted by the server
                app.state, app.version = "notified", app.version + 1
                self.transitions += 1

    # -------------------------------------------------------------- invariants
    @invariant()
    def database_matches_the_model(self):
        db.session.expire_all()
        rows = {r.id: (r.state, r.version, r.student_id) for r in
                db.session.execute(select(Application)).scalars()}
        assert rows == {a.id: (a.state, a.version, a.student) for a in self.apps}

    @invariant()
    def one_audit_event_per_successful_transition(self):
        assert count(AuditEvent) == self.base["audit"] + self.transitions
        assert count(OutboxMessage) == self.base["outbox"] + self.mails
        assert count(Student) == self.base["roster"] + self.new_pupils

    @invariant()
    def grants_exist_exactly_for_granted_applications(self):
        grants = db.session.execute(
            select(AccessGrant).where(AccessGrant.revoked_at.is_(None))).scalars().all()
        pairs = [(self.subject_of[g.parent_id], g.student_id) for g in grants]
        assert len(pairs) == len(set(pairs))  # never two active grants for one parent and pupil
        per_application = [g.application_id for g in grants]
        assert len(per_application) == len(set(per_application))
        assert set(pairs) == {(a.owner, a.student) for a in self.apps if a.state in GRANTED}
        granted_ids = {a.id for a in self.apps if a.state in GRANTED}
        assert set(per_application) <= granted_ids


def test_application_state_machine(sqlite_app):
    ApplicationMachine.app = sqlite_app
    run_state_machine_as_test(
        ApplicationMachine,
        # No shrinking: every example resets the database, and shrinking a failure took
        # minutes; the failing run (at most 20 steps) is printed as it is.
        settings=settings(max_examples=30, stateful_step_count=20, deadline=None, database=None,
                          phases=[Phase.explicit, Phase.generate],
                          suppress_health_check=[HealthCheck.too_slow]),
    )
