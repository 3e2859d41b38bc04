"""Which classes × subjects a teacher works on: their teaching assignments (the administrator:
all of them). The journal's grid and its writes, the teachers a family may write to and the
conversations a teacher may read and answer all come from here."""
from sqlalchemy import false, select, true

from ..extensions import db
from ..models import SchoolClass, TeachingAssignment


def teaching_scope(actor):
    """SQL condition on TeachingAssignment: the assignments this actor may open and write."""
    if actor.is_admin:
        return true()
    if actor.user_id is None:
        return false()
    return TeachingAssignment.teacher_id == actor.user_id


def teaching_assignments(actor):
    """The actor's assignments, by class name."""
    return db.session.execute(
        select(TeachingAssignment).join(SchoolClass).where(teaching_scope(actor)).order_by(SchoolClass.name)
    ).scalars().all()


def teaching_assignment(actor, assignment_id):
    """One assignment if the actor may work on it, else None (the caller answers 404)."""
    if assignment_id is None:
        return None
    return db.session.execute(
        select(TeachingAssignment).where(TeachingAssignment.id == assignment_id, teaching_scope(actor))
    ).scalar_one_or_none()


def teacher_ids_of_class(klass):
    """The users who teach this class (any subject) and its class teacher."""
    if klass is None:
        return set()
    ids = set(db.session.execute(
        select(TeachingAssignment.teacher_id).where(TeachingAssignment.class_id == klass.id)).scalars())
    if klass.class_teacher_id:
        ids.add(klass.class_teacher_id)
    return ids
