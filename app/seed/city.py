"""`flask seed city [--seed N] [--scale F]`: a reproducible data set the size of St. Petersburg
(at --scale 1): 18 districts, 700 schools, 610,000 pupils in classes, 36,000 teachers,
1,000,000 parents, 1,200,000 applications over all states and the last 12 months, access grants,
and four school weeks of lessons up to this week's Friday for every school (grades and attendance
on the lessons before today).

Rows are generated as streams with fixed ids and bulk-loaded: COPY on PostgreSQL, executemany on
SQLite; sequences are moved past the loaded ids afterwards. The same seed gives the same data."""
import random
from datetime import date, time, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from .. import clock, roles
from ..bulk import bulk_load, is_postgresql
from ..extensions import db
from ..models import (
    AccessGrant, Application, Attendance, ClassMonthStat, District, Grade, Identity, Lesson, School, SchoolClass,
    StaffAssignment, Student, Subject, TeachingAssignment, User, utcnow,
)

DISTRICTS = ["Адмиралтейский", "Василеостровский", "Выборгский", "Калининский", "Кировский",
             "Колпинский", "Красногвардейский", "Красносельский", "Кронштадтский", "Курортный",
             "Московский", "Невский", "Петроградский", "Петродворцовый", "Приморский", "Пушкинский",
             "Фрунзенский", "Центральный"]
SUBJECTS = ["Математика", "Русский язык", "Литература", "История", "Английский язык", "Биология",
            "География", "Физика", "Химия", "Информатика"]
LAST = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
        "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров"]
FIRST = ["Александр", "Мария", "Дмитрий", "Анна", "Максим", "София", "Иван", "Алиса", "Артём",
         "Виктория", "Михаил", "Полина", "Егор", "Варвара", "Кирилл", "Ева"]
STATES = ["submitted"] * 6 + ["passport_verified"] * 3 + ["approved"] * 8 + ["notified"] * 70 + \
    ["rejected"] * 5 + ["withdrawn"] * 3 + ["expired"] * 5
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


class Loader:
    """Bulk writes (app.bulk: COPY on PostgreSQL, multi-row INSERT elsewhere) with progress."""

    CHUNK = 200_000  # rows per COPY statement

    def __init__(self, progress):
        self.pg = is_postgresql()
        self.progress = progress
        if self.pg:
            # The rows are consistent by construction: skip the per-row foreign-key triggers for
            # this transaction, as pg_restore --disable-triggers does (needs a superuser; without
            # one the load is slower, not wrong).
            try:
                with db.session.begin_nested():
                    db.session.execute(text("SET LOCAL session_replication_role = replica"))
            except DBAPIError:
                pass  # not a superuser

    def load(self, table, columns, rows, label):
        count = bulk_load(table, columns, rows, on_chunk=lambda n: self.progress(label, n), chunk=self.CHUNK)
        self.progress(label, count, done=True)
        return count


def _next_id(model):
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _code(n):
    chars = []
    for _ in range(6):
        n, r = divmod(n, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[r])
    raw = "".join(reversed(chars))
    return f"{raw[:3]}-{raw[3:]}"


def seed_city(seed=1, scale=1.0, progress=lambda *a, **k: None, today=None):
    rng = random.Random(seed)
    today = today or clock.today()
    loader = Loader(progress)
    n_schools = max(len(DISTRICTS), round(700 * scale))
    pupils_per_school = max(20, round(610_000 * scale / n_schools)) if scale < 1 else 871
    classes_per_school = max(1, round(pupils_per_school / 29))
    teachers_per_school = max(3, round(36_000 * scale / n_schools))
    parents_per_pupil = 1_000_000 / 610_000
    applications_per_pupil = 1_200_000 / 610_000
    role_teacher = db.session.execute(text("SELECT id FROM ab_role WHERE name = :n"), {"n": roles.TEACHER}).scalar()
    role_parent = db.session.execute(text("SELECT id FROM ab_role WHERE name = :n"), {"n": roles.PARENT}).scalar()
    if role_teacher is None or role_parent is None:
        raise RuntimeError("Роли не созданы: сначала выполните `flask init`.")

    ids = {m: _next_id(m) for m in (District, School, SchoolClass, Subject, Student, User, Application, AccessGrant,
                                    Lesson, Grade, Attendance, TeachingAssignment, StaffAssignment, Identity)}
    user_role_id = (db.session.execute(text("SELECT max(id) FROM ab_user_role")).scalar() or 0) + 1
    now = utcnow()
    tag = f"s{seed}"

    district_ids = list(range(ids[District], ids[District] + len(DISTRICTS)))
    loader.load("district", ["id", "name"], ((d, f"{name} район ({tag})") for d, name in zip(district_ids, DISTRICTS)),
                "районы")
    school_ids = list(range(ids[School], ids[School] + n_schools))
    school_district = {s: district_ids[i % len(district_ids)] for i, s in enumerate(school_ids)}
    loader.load("school", ["id", "number", "name", "district_id", "address", "rankings_enabled"],
                ((s, f"{tag}-{i + 1}", f"ГБОУ школа № {i + 1} ({tag})", school_district[s], "Санкт-Петербург", True)
                 for i, s in enumerate(school_ids)), "школы")

    # subjects and classes per school
    subject_ids, class_ids = {}, {}
    sid, cid = ids[Subject], ids[SchoolClass]
    subject_rows, class_rows = [], []
    for s in school_ids:
        for name in SUBJECTS:
            subject_ids[(s, name)] = sid
            subject_rows.append((sid, s, name))
            sid += 1
        for c in range(classes_per_school):
            name = f"{1 + c % 11} «{'АБВГДЕЖЗИК'[c // 11 % 10]}»" if classes_per_school > 1 else "5 «А»"
            class_ids[(s, c)] = (cid, name)
            class_rows.append((cid, s, name))
            cid += 1
    loader.load("subject", ["id", "school_id", "name"], subject_rows, "предметы")
    loader.load("school_class", ["id", "school_id", "name"], class_rows, "классы")

    # teachers (users + staff assignments + teaching assignments)
    uid = ids[User]
    teacher_rows, staff_rows, role_rows, teaching_rows = [], [], [], []
    teachers_of_school = {}
    said, taid = ids[StaffAssignment], ids[TeachingAssignment]
    for s in school_ids:
        mine = []
        for t in range(teachers_per_school):
            teacher_rows.append((uid, rng.choice(FIRST), rng.choice(LAST), f"{tag}-t{uid}", None, True,
                                 f"{tag}-t{uid}@school.spb.ru", now, now))
            staff_rows.append((said, uid, s, None))
            role_rows.append((user_role_id, uid, role_teacher))
            said += 1
            user_role_id += 1
            mine.append(uid)
            uid += 1
        teachers_of_school[s] = mine
        for c in range(classes_per_school):
            for k, name in enumerate(SUBJECTS):
                teaching_rows.append((taid, mine[(c + k) % len(mine)], class_ids[(s, c)][0], subject_ids[(s, name)]))
                taid += 1
    user_columns = ["id", "first_name", "last_name", "username", "password", "active", "email", "created_on", "changed_on"]
    loader.load("ab_user", user_columns, teacher_rows, "учителя")
    loader.load("staff_assignment", ["id", "user_id", "school_id", "district_id"], staff_rows, "назначения")
    loader.load("teaching_assignment", ["id", "teacher_id", "class_id", "subject_id"], teaching_rows, "нагрузка")

    # pupils
    pupil_rows, pupils_of_class = [], {}
    pid = ids[Student]
    for s in school_ids:
        for p in range(pupils_per_school):
            c = p % classes_per_school
            cls_id, cls_name = class_ids[(s, c)]
            grade_level = int(cls_name.split()[0])
            birth = date(today.year - 6 - grade_level, 1 + p % 12, 1 + p % 28)
            pupil_rows.append((pid, s, rng.choice(LAST), rng.choice(FIRST), "", birth, cls_name, f"{tag}-{pid}"))
            pupils_of_class.setdefault(cls_id, []).append(pid)
            pid += 1
    loader.load("student", ["id", "school_id", "last_name", "first_name", "middle_name", "birth_date", "class_name",
                            "external_id"], pupil_rows, "обучающиеся")
    # the class of each pupil by ids (app.diary.membership; class_name above is the display cache)
    loader.load("class_membership", ["student_id", "class_id"],
                ((p, c) for c, pupils in pupils_of_class.items() for p in pupils), "составы классов")
    pupil_school = {row[0]: row[1] for row in pupil_rows}
    pupil_ids = [row[0] for row in pupil_rows]
    del pupil_rows

    # parents (users + identities), applications, grants
    n_parents = max(1, round(len(pupil_ids) * parents_per_pupil))
    parent_ids = list(range(uid, uid + n_parents))
    iid = ids[Identity]

    def parents():
        for k, u in enumerate(parent_ids):
            yield (u, rng.choice(FIRST), rng.choice(LAST), f"esia:{tag}-p{u}", None, True, f"{tag}-p{u}@mail.ru", now, now)

    loader.load("ab_user", user_columns, parents(), "родители")
    loader.load("ab_user_role", ["id", "user_id", "role_id"],
                ((user_role_id + k, u, role_parent) for k, u in enumerate(parent_ids)), "роли родителей")
    loader.load("ab_user_role", ["id", "user_id", "role_id"],
                ((r[0], r[1], r[2]) for r in role_rows), "роли учителей")
    user_role_id += len(parent_ids)
    loader.load("identity", ["id", "provider", "subject", "user_id", "email", "phone", "created_at", "last_login_at",
                             "welcome_hidden"],
                ((iid + k, "esia", f"{tag}-p{u}", u, f"{tag}-p{u}@mail.ru", "", now,
                  now if k % 5 else None, False) for k, u in enumerate(parent_ids)), "учётные записи ЕСИА")

    n_applications = round(len(pupil_ids) * applications_per_pupil)
    aid, gid = ids[Application], ids[AccessGrant]
    grants = []

    def applications():
        nonlocal gid
        seen = set()
        for k in range(n_applications):
            pupil = pupil_ids[k % len(pupil_ids)]
            parent = parent_ids[(k * 7919) % len(parent_ids)]
            state = rng.choice(STATES)
            key = (parent, pupil)
            if key in seen and state in ("submitted", "passport_verified"):
                state = "withdrawn"  # one active application per parent, child and school
            seen.add(key)
            created = now - timedelta(days=rng.randrange(365), minutes=rng.randrange(1440))
            decided = created + timedelta(days=rng.randrange(1, 30)) if state in ("approved", "notified", "rejected") else None
            student_id = pupil if state in ("approved", "notified") else None
            if student_id is not None and key not in grants_made:
                grants_made.add(key)
                grants.append((gid, parent, pupil, "representative", "all", aid + k, decided or created))
                gid += 1
            yield (aid + k, _code(aid + k), parent, pupil_school[pupil], "Фамилия", "Имя", "",
                   date(today.year - 12, 1, 1), f"{pupil}|{k}", state, 1,
                   "Не найден в списке обучающихся" if state == "rejected" else "",
                   "passport_rf" if state not in ("submitted",) else None, student_id, created, created, decided)

    grants_made = set()
    loader.load("application", ["id", "code", "parent_id", "school_id", "child_last_name", "child_first_name",
                                "child_middle_name", "child_birth_date", "child_key", "state", "version", "reason",
                                "document_type", "student_id", "created_at", "updated_at", "decided_at"],
                applications(), "заявления")
    loader.load("access_grant", ["id", "user_id", "student_id", "relation", "scope", "application_id", "granted_at"],
                grants, "доступы")

    # Four school weeks of lessons up to this week's Friday: the current week and «Сегодня» show
    # a real timetable, as on an evening in term. Grades and marks on lessons before today only.
    friday = clock.week_start(today) + timedelta(days=4)
    days = [friday - timedelta(days=offset) for offset in range(27, -1, -1)
            if (friday - timedelta(days=offset)).weekday() < 5]
    lid, grid, atid = ids[Lesson], ids[Grade], ids[Attendance]
    lesson_meta = []

    def lessons():
        nonlocal lid
        for (s, c), (cls_id, _name) in class_ids.items():
            teachers = teachers_of_school[s]
            for d in days:
                for number in range(1, 7):
                    name = SUBJECTS[(number + d.toordinal() + c) % len(SUBJECTS)]
                    lesson_meta.append((lid, cls_id, subject_ids[(s, name)], d))
                    yield (lid, cls_id, subject_ids[(s, name)], teachers[(c + number) % len(teachers)], d, number,
                           time(8 + number), time(8 + number, 45), str(number + 10), f"Тема урока {number}",
                           "§ 1–2" if number % 2 else "")
                    lid += 1

    loader.load("lesson", ["id", "class_id", "subject_id", "teacher_id", "date", "number", "starts_at", "ends_at",
                           "room", "topic", "homework"], lessons(), "уроки")

    # Grades and marks pupil by pupil (not lesson by lesson): the indexes that start with the
    # pupil then grow at one end instead of everywhere at once, which keeps a 18-million-row load
    # within the cache.
    lessons_of_class = {}
    for lesson_id, cls_id, subject_id, d in lesson_meta:
        lessons_of_class.setdefault(cls_id, []).append((lesson_id, subject_id, d))

    def some_lessons(share):
        """(pupil, lesson id, subject id, date) for about `share` of each pupil's lessons."""
        for cls_id, pupils in pupils_of_class.items():
            lessons_here = lessons_of_class.get(cls_id, ())
            for pupil in pupils:
                for lesson_id, subject_id, d in lessons_here:
                    if d < today and rng.random() < share:
                        yield pupil, lesson_id, subject_id, d

    def grades():
        nonlocal grid
        for pupil, lesson_id, subject_id, d in some_lessons(0.25):
            yield (grid, pupil, subject_id, lesson_id, d, rng.choice("2334445555"), "current", 1, "", now, now)
            grid += 1

    loader.load("grade", ["id", "student_id", "subject_id", "lesson_id", "date", "value", "kind", "weight", "remark",
                          "created_at", "updated_at"], grades(), "оценки")

    def marks():
        nonlocal atid
        for pupil, lesson_id, _subject_id, _d in some_lessons(0.03):
            yield (atid, pupil, lesson_id, rng.choice(["Н", "Н", "Б", "ОП"]), now)
            atid += 1

    loader.load("attendance", ["id", "student_id", "lesson_id", "mark", "created_at"], marks(), "посещаемость")
    _move_sequences()
    db.session.commit()
    if loader.pg:
        # Statistics for the planner and the visibility map for index-only scans, as autovacuum
        # would leave them a while later.
        progress("VACUUM ANALYZE", 0)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    from ..reports.rollup import refresh

    refresh(full=True)
    progress("сводные показатели отчётов", db.session.scalar(select(func.count()).select_from(ClassMonthStat)), done=True)
    return {"districts": len(DISTRICTS), "schools": n_schools, "pupils": len(pupil_ids),
            "teachers": len(teacher_rows), "parents": n_parents, "applications": n_applications,
            "grants": len(grants), "lessons": len(lesson_meta), "grades": grid - ids[Grade],
            "attendance": atid - ids[Attendance]}


def _move_sequences():
    if db.engine.dialect.name != "postgresql":
        return
    for table in ("district", "school", "subject", "school_class", "ab_user", "ab_user_role", "staff_assignment",
                  "teaching_assignment", "student", "identity", "application", "access_grant", "lesson", "grade",
                  "attendance"):
        sequence = db.session.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}).scalar() \
            or f"{table}_id_seq"
        db.session.execute(text(f"SELECT setval('{sequence}', (SELECT coalesce(max(id), 1) FROM \"{table}\"))"))
