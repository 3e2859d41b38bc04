"""What every kind's handler shares: the school's names → ids, duplicates within a file, the split
of rows into inserts / updates / unchanged, and bulk writes (COPY on PostgreSQL)."""
from sqlalchemy import select, update

from ...bulk import bulk_load
from ...extensions import db
from ...models import SchoolClass, StaffAssignment, Subject, User
from .report import Problem

CHUNK = 5000


def chunks(items, size=CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def bulk_insert(model, rows):
    """New rows (dicts with the same keys): COPY on PostgreSQL — a term of grades is ~100,000
    rows — multi-row INSERT elsewhere (app.bulk)."""
    if not rows:
        return
    columns = list(rows[0])
    bulk_load(model.__tablename__, columns, ([r[c] for c in columns] for r in rows))


def bulk_update(model, rows):
    for chunk in chunks(rows):
        db.session.execute(update(model), chunk)


class Handler:
    """One kind of file: `load` what the checks need, `check` the parsed rows (-> problems),
    `apply` them (inside the import's transaction)."""

    def __init__(self, school, filename):
        self.school = school
        self.filename = filename

    def problem(self, line, column, message):
        return Problem(self.filename, line, column, message)

    def load(self, parsed):
        pass

    def check(self, parsed):
        return []

    def _classes(self):
        return dict(db.session.execute(
            select(SchoolClass.name, SchoolClass.id).where(SchoolClass.school_id == self.school.id)
        ).all())

    def _subjects(self):
        return dict(db.session.execute(
            select(Subject.name, Subject.id).where(Subject.school_id == self.school.id)
        ).all())

    def _teachers(self):
        return dict(db.session.execute(
            select(User.username, User.id)
            .join(StaffAssignment, StaffAssignment.user_id == User.id)
            .where(StaffAssignment.school_id == self.school.id)
        ).all())

    def _ensure(self, model, mapping, names, report, label):
        """Create missing classes/subjects by name (schools export them implicitly)."""
        new = sorted({n for n in names if n not in mapping})
        for name in new:
            row = model(school_id=self.school.id, name=name)
            db.session.add(row)
            db.session.flush()
            mapping[name] = row.id
        report.extra[label] = report.extra.get(label, 0) + len(new)

    def _unknown_teachers(self, parsed, column):
        """Problems of the rows whose `column` names no teacher of the school (`load` reads them)."""
        return [self.problem(line, column, "учитель с таким логином не найден в школе")
                for line, v in parsed if v[column] and v[column] not in self.teachers]

    def _classes_and_subjects(self, parsed, report):
        """{name: id} of the school's classes and subjects; those the file names are created."""
        classes, subjects = self._classes(), self._subjects()
        self._ensure(SchoolClass, classes, [v["class"] for _, v in parsed], report, "новых классов")
        self._ensure(Subject, subjects, [v["subject"] for _, v in parsed], report, "новых предметов")
        return classes, subjects

    def _duplicates(self, parsed, key):
        seen, problems = {}, []
        for line, values in parsed:
            k = key(values)
            if k in seen:
                problems.append(self.problem(line, None, f"повторяет строку {seen[k]} (тот же ключ)"))
            else:
                seen[k] = line
        return problems

    @staticmethod
    def _split(existing, rows, key, fields):
        """rows -> (inserts, updates, unchanged count) against existing {key: (id, {field: v})}."""
        inserts, updates, unchanged = [], [], 0
        for row in rows:
            found = existing.get(key(row))
            if found is None:
                inserts.append(row)
                continue
            row_id, current = found
            changed = {f: row[f] for f in fields if current.get(f) != row[f]}
            if changed:
                updates.append({"id": row_id, **changed})
            else:
                unchanged += 1
        return inserts, updates, unchanged
