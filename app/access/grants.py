"""Who sees which pupil: access grants. A grant is active while it is not revoked and its last
day (`valid_until`, inclusive, interested persons only) has not passed in the service's day.
Every family page, the API, messages, invitations, notifications and the calendar feed ask
`active_grant` (one pupil) or `active_grants` (a list, as SQL); `grant_allows` says which
sections of the diary the grant opens."""
from sqlalchemy import and_, false, or_, select

from .. import clock
from ..extensions import db
from ..models import AccessGrant, Relation, Scope, Student


def grant_is_active(today=None):
    """SQL condition on AccessGrant: not revoked and not past its last day (valid_until is
    inclusive). Every page and API that shows a pupil's data must go through it."""
    today = clock.today() if today is None else today  # a date, a column or a bound parameter
    return and_(
        grant_unrevoked(),
        or_(AccessGrant.valid_until.is_(None), AccessGrant.valid_until >= today),
    )


def grant_unrevoked():
    """SQL condition: the grant holds its person's one place for the pupil (the unique index
    uq_access_grant_active) — not revoked, though possibly past its last day."""
    return AccessGrant.revoked_at.is_(None)


ANY = object()  # active_grants(): of any person / to any pupil


def active_grants(user_id=ANY, student_id=ANY, relation=None, today=None):
    """SELECT of the active grants of a person and/or to a pupil (optionally of one relation or
    a tuple of relations). A None person or pupil (anonymous) has none."""
    query = select(AccessGrant).where(grant_is_active(today))
    if user_id is None or student_id is None:
        return query.where(false())
    if user_id is not ANY:
        query = query.where(AccessGrant.user_id == user_id)
    if student_id is not ANY:
        query = query.where(AccessGrant.student_id == student_id)
    if relation is not None:
        relations = (relation,) if isinstance(relation, str) else tuple(relation)
        query = query.where(AccessGrant.relation.in_(relations))
    return query


def active_grant(user_id, student_id, relation=None, section=None):
    """This person's active grant to this pupil, or None: of `relation` (e.g. only an official
    representative may invite) and opening `section` of the diary when these are given."""
    if user_id is None or student_id is None:
        return None
    grant = db.session.execute(active_grants(user_id, student_id, relation)).scalar_one_or_none()
    if grant is None or (section is not None and not grant_allows(grant, section)):
        return None
    return grant


def granted_pupils(user_id):
    """SELECT of the pupils this person sees through an active grant («Обучающиеся»)."""
    return (select(Student).join(AccessGrant, AccessGrant.student_id == Student.id)
            .where(AccessGrant.user_id == user_id if user_id is not None else false(), grant_is_active()))


def grants_with_pupils(user_id):
    """[(grant, pupil)] of this person's active grants, by the pupil's name («Обучающиеся», «Сегодня»)."""
    return db.session.execute(
        active_grants(user_id).add_columns(Student).join(Student, Student.id == AccessGrant.student_id)
        .order_by(Student.last_name, Student.first_name, Student.id)
    ).all()


def representative_grant(user_id, student_id):
    """The person's active grant as the pupil's official representative, or None."""
    return active_grant(user_id, student_id, relation=Relation.REPRESENTATIVE)


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


def give_representative_access(parent_id, student_id, application_id):
    """The approval's effect: the parent becomes the pupil's official representative. A grant the
    parent already holds as an interested person (a narrower scope, an end date) gives way to it;
    an existing representative grant stays."""
    existing = db.session.execute(select(AccessGrant).where(
        AccessGrant.user_id == parent_id, AccessGrant.student_id == student_id, grant_unrevoked())
    ).scalar_one_or_none()
    if existing is not None and existing.relation == Relation.REPRESENTATIVE:
        return existing
    if existing is not None:
        existing.revoked_at = clock.utcnow()
        db.session.flush()  # frees the person's one place for the pupil before the new grant
    grant = AccessGrant(user_id=parent_id, student_id=student_id, application_id=application_id)
    db.session.add(grant)
    return grant
