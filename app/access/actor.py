"""Who is acting: the Actor of a request, a command or the scheduler, built once from the
account's roles and staff assignment. Every other rule in app.access asks the Actor."""
from dataclasses import dataclass, field

from flask import g
from flask_login import current_user
from sqlalchemy import select

from .. import roles
from ..extensions import db
from ..models import AuditActor, StaffAssignment, User

STAFF_ROLE_NAMES = frozenset(roles.STAFF_ROLES.values())


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str
    roles: frozenset = field(default_factory=frozenset)
    school_id: int | None = None
    district_id: int | None = None
    system: bool = False

    @property
    def is_admin(self):
        return roles.ADMIN in self.roles

    @property
    def is_clerk(self):
        return roles.CLERK in self.roles and self.school_id is not None

    @property
    def is_supervisor(self):
        return roles.SUPERVISOR in self.roles and self.district_id is not None

    @property
    def is_teacher(self):
        return roles.TEACHER in self.roles

    @property
    def is_parent(self):
        return roles.PARENT in self.roles

    @property
    def is_staff(self):
        return bool(self.roles & STAFF_ROLE_NAMES)

    def kinds(self):
        """The workflow's names for what this actor may act as (a transition names the kinds
        that may fire it; app.access.applications.acting_kind picks one)."""
        kinds = set()
        if self.system:
            kinds.add("system")
        if self.is_admin:
            kinds.add("admin")
        if self.is_clerk:
            kinds.add("clerk")
        if self.is_parent:
            kinds.add("parent")
        return kinds


SYSTEM = Actor(user_id=None, label=AuditActor.SYSTEM.value, system=True)


def is_staff_user(user):
    """Does this account hold a staff role (may log in with a password, gets staff sessions)?"""
    return any(role.name in STAFF_ROLE_NAMES for role in user.roles)


def actor_for(user):
    """Build the Actor of a FAB user (role names + staff assignment)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Actor(user_id=None, label=AuditActor.ANONYMOUS.value)
    role_names = frozenset(r.name for r in user.roles)
    school_id = district_id = None
    if role_names & {roles.CLERK, roles.TEACHER, roles.SUPERVISOR}:
        assignment = db.session.execute(
            select(StaffAssignment.school_id, StaffAssignment.district_id).where(StaffAssignment.user_id == user.id)
        ).one_or_none()
        if assignment is not None:
            school_id, district_id = assignment
    label = user.name.document or user.username  # «Иванова Мария Петровна»
    return Actor(
        user_id=user.id,
        label=label,
        roles=role_names,
        school_id=school_id,
        district_id=district_id,
    )


def current_actor():
    """The Actor of this request (cached on flask.g)."""
    actor = getattr(g, "_diary_actor", None)
    if actor is None:
        user = getattr(g, "user", None)
        if user is None or not getattr(user, "is_authenticated", False):
            user = current_user if current_user and current_user.is_authenticated else None
        actor = actor_for(user)
        g._diary_actor = actor
    return actor


def current_account():
    """The account (User row) of this request's actor, in this session; None for nobody."""
    user_id = current_actor().user_id
    return db.session.get(User, user_id) if user_id is not None else None
