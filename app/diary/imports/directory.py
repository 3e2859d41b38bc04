"""The school's directory: classes (with the class teacher), subjects, teachers (staff accounts of
the school) and who teaches what (teaching assignments)."""
import secrets

from flask import current_app
from sqlalchemy import select

from ... import roles
from ...extensions import db
from ...models import SchoolClass, StaffAssignment, Subject, TeachingAssignment, User
from .base import Handler
from .report import ImportFailed


class ClassesHandler(Handler):
    def load(self, parsed):
        self.teachers = self._teachers()

    def check(self, parsed):
        return self._duplicates(parsed, lambda v: v["class"]) + self._unknown_teachers(parsed, "class_teacher")

    def apply(self, parsed, report):
        existing = {r.name: r for r in db.session.execute(
            select(SchoolClass).where(SchoolClass.school_id == self.school.id)).scalars()}
        for _, v in parsed:
            teacher_id = self.teachers.get(v["class_teacher"]) if v["class_teacher"] else None
            row = existing.get(v["class"])
            if row is None:
                db.session.add(SchoolClass(school_id=self.school.id, name=v["class"], class_teacher_id=teacher_id))
                report.created += 1
            elif row.class_teacher_id != teacher_id:
                row.class_teacher_id = teacher_id
                report.updated += 1
            else:
                report.unchanged += 1


class SubjectsHandler(Handler):
    def check(self, parsed):
        return self._duplicates(parsed, lambda v: v["subject"])

    def apply(self, parsed, report):
        existing = self._subjects()
        for _, v in parsed:
            if v["subject"] in existing:
                report.unchanged += 1
            else:
                db.session.add(Subject(school_id=self.school.id, name=v["subject"]))
                existing[v["subject"]] = None
                report.created += 1


class TeachersHandler(Handler):
    def load(self, parsed):
        names = [v["username"] for _, v in parsed]
        self.users = {u.username: u for u in db.session.execute(
            select(User).where(User.username.in_(names))).scalars()}
        self.assignments = {a.user_id: a for a in db.session.execute(
            select(StaffAssignment).where(StaffAssignment.user_id.in_([u.id for u in self.users.values()]))
        ).scalars()}

    def check(self, parsed):
        problems = self._duplicates(parsed, lambda v: v["username"])
        for line, v in parsed:
            user = self.users.get(v["username"])
            if user is None:
                continue
            assignment = self.assignments.get(user.id)
            if assignment is None or assignment.school_id != self.school.id:
                problems.append(self.problem(line, "username", "этот логин уже занят сотрудником другой организации"))
        return problems

    def apply(self, parsed, report):
        sm = current_app.appbuilder.sm
        role = sm.find_role(roles.TEACHER)
        for _, v in parsed:
            user = self.users.get(v["username"])
            email = v["email"] or f"{v['username']}@staff.diary.localhost"
            first, middle = v["first_name"], v["middle_name"] or None  # the patronymic apart (app/names.py)
            if user is None:
                # No password: the school admin sets one (FAB's "reset password") before first login.
                user = sm.add_user(v["username"], first, v["last_name"], email, role,
                                   secrets.token_urlsafe(24))
                if not user:
                    raise ImportFailed([self.problem(None, "email", f"адрес {email} уже занят")])
                user.active, user.middle_name = True, middle
                db.session.add(StaffAssignment(user_id=user.id, school_id=self.school.id))
                report.created += 1
            elif (user.first_name, user.middle_name, user.last_name, user.email) != (first, middle, v["last_name"], email):
                user.first_name, user.middle_name, user.last_name, user.email = first, middle, v["last_name"], email
                report.updated += 1
            else:
                report.unchanged += 1


class AssignmentsHandler(Handler):
    def load(self, parsed):
        self.teachers = self._teachers()

    def check(self, parsed):
        return (self._duplicates(parsed, lambda v: (v["teacher"], v["class"], v["subject"]))
                + self._unknown_teachers(parsed, "teacher"))

    def apply(self, parsed, report):
        classes, subjects = self._classes_and_subjects(parsed, report)
        existing = set(db.session.execute(
            select(TeachingAssignment.teacher_id, TeachingAssignment.class_id, TeachingAssignment.subject_id)
            .where(TeachingAssignment.class_id.in_(list(classes.values())))).all())
        for _, v in parsed:
            key = (self.teachers[v["teacher"]], classes[v["class"]], subjects[v["subject"]])
            if key in existing:
                report.unchanged += 1
            else:
                db.session.add(TeachingAssignment(teacher_id=key[0], class_id=key[1], subject_id=key[2]))
                existing.add(key)
                report.created += 1
