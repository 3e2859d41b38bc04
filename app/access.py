"""Who is acting, and what they may see: the one place for scope rules.

Every list, page, API call and transition asks these functions; FAB's base_filters use
`application_scope` too, and the transition function re-checks `can_see_application`."""
from dataclasses import dataclass, field
from datetime import date

from flask import g
from flask_login import current_user
from sqlalchemy import and_, false, or_, select

from . import roles
from .extensions import db
from .models import AccessGrant, Application, Relation, School, Scope, StaffAssignment


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
    def is_parent(self):
        return roles.PARENT in self.roles

    @property
    def is_staff(self):
        return bool(self.roles & {roles.ADMIN, roles.CLERK, roles.TEACHER, roles.SUPERVISOR})

    def kinds(self):
        """The workflow's names for what this actor may act as."""
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


SYSTEM = Actor(user_id=None, label="system", system=True)


def actor_for(user):
    """Build the Actor of a FAB user (role names + staff assignment)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Actor(user_id=None, label="anonymous")
    role_names = frozenset(r.name for r in user.roles)
    school_id = district_id = None
    if role_names & {roles.CLERK, roles.TEACHER, roles.SUPERVISOR}:
        assignment = db.session.execute(
            select(StaffAssignment.school_id, StaffAssignment.district_id).where(StaffAssignment.user_id == user.id)
        ).one_or_none()
        if assignment is not None:
            school_id, district_id = assignment
    label = f"{user.first_name} {user.last_name}".strip() or user.username
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


def application_scope(actor):
    """SQL condition on Application: the rows this actor may see."""
    if actor.system or actor.is_admin:
        return Application.id.isnot(None)
    conditions = []
    if actor.is_clerk:
        conditions.append(Application.school_id == actor.school_id)
    if actor.is_supervisor:
        conditions.append(
            Application.school_id.in_(
                select(School.id).where(School.district_id == actor.district_id)
            )
        )
    if actor.is_parent and actor.user_id is not None:
        conditions.append(Application.parent_id == actor.user_id)
    if not conditions:
        return false()
    return or_(*conditions)


def can_see_application(actor, application):
    if actor.system or actor.is_admin:
        return True
    if actor.is_clerk and application.school_id == actor.school_id:
        return True
    if actor.is_supervisor and application.school.district_id == actor.district_id:
        return True
    if actor.is_parent and application.parent_id == actor.user_id:
        return True
    return False


def can_manage_school(actor, school_id):
    """Clerk of this school or admin: may keep reception hours and the roster."""
    return actor.is_admin or (actor.is_clerk and actor.school_id == school_id)


def grant_is_active(today=None):
    """SQL condition on AccessGrant: not revoked and not past its last day (valid_until is
    inclusive). Every page and API that shows a pupil's data must go through it."""
    today = today or date.today()
    return and_(
        AccessGrant.revoked_at.is_(None),
        or_(AccessGrant.valid_until.is_(None), AccessGrant.valid_until >= today),
    )


# What each viewer scope opens (representatives and the pupil see every section).
SECTIONS = ("profile", "schedule", "homework", "grades", "attendance", "events", "messages")
SCOPE_SECTIONS = {
    Scope.ALL: frozenset(SECTIONS),
    Scope.SCHEDULE_HOMEWORK: frozenset({"profile", "schedule", "homework", "events"}),
    Scope.GRADES: frozenset({"profile", "grades"}),
}


def grant_allows(grant, section):
    """May the holder of this (active) grant see this section of the pupil's diary?"""
    if grant is None:
        return False
    if grant.relation in (Relation.REPRESENTATIVE, Relation.STUDENT):
        return True
    return section in SCOPE_SECTIONS.get(grant.scope, frozenset())
