"""A realistic current term for `flask demo` (and so `make run`): class 6 «А» of лицей № 239 with
its timetable, topics, homework, grades with remarks, absences, quarter results, events, parent
meetings and a message thread; the demo parent Иванова already holds approved access to her
daughter Иванова Софья, so a newcomer sees a full diary right after logging in.

Deterministic (fixed random seed) and idempotent: a second run changes nothing. Tests do not load
it (it would slow every test); they import docs/import-examples instead."""
import random
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from .. import clock, roles
from ..extensions import db
from ..access import Actor, actor_for
from ..workflow import fire
from . import membership, school_year
from ..models import (
    AcademicYear,
    Attendance,
    Conversation,
    Grade,
    GradeKind,
    Identity,
    Lesson,
    Message,
    ParentMeeting,
    Period,
    PeriodKind,
    School,
    SchoolClass,
    SchoolEvent,
    StaffAssignment,
    Student,
    Subject,
    TeachingAssignment,
    User,
)

CLASS = "6 «А»"
TEACHERS = [  # username, last, first (with отчество), subjects
    ("teacher239", "Смирнова", "Елена Павловна", ["Математика", "Русский язык"]),
    ("t.kuzmin", "Кузьмин", "Олег Игоревич", ["История", "География"]),
    ("t.lebedeva", "Лебедева", "Анна Сергеевна", ["Литература", "Английский язык"]),
    ("t.sokolov", "Соколов", "Дмитрий Андреевич", ["Биология", "Физическая культура"]),
]
TIMETABLE = {  # weekday -> subjects by period
    0: ["Математика", "Русский язык", "Литература", "История", "Физическая культура"],
    1: ["Английский язык", "Математика", "Русский язык", "Биология", "География"],
    2: ["Математика", "Литература", "Русский язык", "Английский язык", "История", "Физическая культура"],
    3: ["Русский язык", "Математика", "Биология", "География", "Литература"],
    4: ["Математика", "Английский язык", "Русский язык", "История", "Литература"],
}
BELLS = [(time(9, 0), time(9, 45)), (time(9, 55), time(10, 40)), (time(11, 0), time(11, 45)),
         (time(12, 5), time(12, 50)), (time(13, 0), time(13, 45)), (time(13, 55), time(14, 40))]
TOPICS = {
    "Математика": ["Делимость чисел", "Признаки делимости", "НОД и НОК", "Сравнение дробей",
                   "Сложение дробей", "Вычитание дробей", "Умножение дробей", "Деление дробей"],
    "Русский язык": ["Лексика", "Фразеологизмы", "Словообразование", "Правописание приставок",
                     "Имя существительное", "Имя прилагательное"],
    "Литература": ["Мифы Древней Греции", "А. С. Пушкин. «Дубровский»", "М. Ю. Лермонтов. «Тучи»",
                   "И. С. Тургенев. «Бежин луг»"],
    "История": ["Древний Египет", "Древняя Греция", "Древний Рим", "Падение Рима"],
    "География": ["Литосфера", "Гидросфера", "Атмосфера", "Погода и климат"],
    "Английский язык": ["My school", "My family", "Free time", "Present Simple"],
    "Биология": ["Строение клетки", "Ткани растений", "Корень", "Побег и лист"],
    "Физическая культура": ["Лёгкая атлетика", "Баскетбол", "Гимнастика", "Волейбол"],
}
HOMEWORK = ["§ {n}, вопросы 1–3", "Упр. {n}", "№ {n}, {m}", "Выучить правило на с. {n}",
            "Прочитать с. {n}–{m}", "Подготовить пересказ § {n}"]
REMARKS = ["Не выполнено домашнее задание", "Отличный ответ у доски", "Забыл(а) тетрадь",
           "Активная работа на уроке"]
FIRST = ["Алексей", "Мария", "Дмитрий", "Анна", "Максим", "Полина", "Егор", "Варвара", "Кирилл",
         "Ксения", "Артём", "Виктория", "Никита", "Елизавета", "Тимофей", "Алиса", "Матвей"]
LAST = ["Смирнов", "Смирнова", "Попов", "Васильева", "Соколов", "Михайлова", "Новиков", "Фёдорова",
        "Морозов", "Волкова", "Алексеев", "Лебедева", "Семёнов", "Егорова", "Павлов", "Козлова", "Степанов"]


def _user(username, last, first, password, role_name, school_id):
    sm = current_app.appbuilder.sm
    user = sm.find_user(username=username)
    if user is None:
        user = sm.add_user(username, first, last, f"{username}@school239.spb.ru", sm.find_role(role_name), password)
        db.session.add(StaffAssignment(user_id=user.id, school_id=school_id))
        db.session.flush()
    return user


def _year(school, today):
    """The school's year holding today, or a new one — the general dates (app.diary.school_year)
    and the quarters of a St. Petersburg school calendar, with the autumn, winter and spring
    holidays between them."""
    year = school_year.current_year(school.id, today)
    if year is not None and today <= year.ends_on:
        return year
    start, end = school_year.assumed_year(today)
    year = AcademicYear(school_id=school.id, name=f"{start.year}/{end.year}", starts_on=start, ends_on=end)
    db.session.add(year)
    db.session.flush()
    quarters = [(start, date(start.year, 10, 24)), (date(start.year, 11, 3), date(start.year, 12, 27)),
                (date(end.year, 1, 12), date(end.year, 3, 20)), (date(end.year, 3, 30), date(end.year, 5, 25))]
    for number, (first, last) in enumerate(quarters, start=1):
        db.session.add(Period(year_id=year.id, kind=PeriodKind.QUARTER, number=number, starts_on=first, ends_on=last))
    db.session.flush()
    return year


def load_diary_demo(today=None):
    today = today or clock.today()
    school = db.session.execute(select(School).where(School.number == "239")).scalar_one()
    klass = db.session.execute(select(SchoolClass).where(
        SchoolClass.school_id == school.id, SchoolClass.name == CLASS)).scalar_one_or_none()
    if klass is not None and db.session.execute(select(Lesson.id).where(Lesson.class_id == klass.id)).first():
        return "Дневник: демо-данные уже загружены."
    rng = random.Random(239)
    year = _year(school, today)
    year_start = year.starts_on
    quarter_rows = [p for p in school_year.periods(year) if p.kind == PeriodKind.QUARTER]
    quarters = [(p.starts_on, p.ends_on) for p in quarter_rows]

    teachers, subjects = {}, {}
    for username, last, first, names in TEACHERS:
        user = _user(username, last, first, "teacher12345", roles.TEACHER, school.id)
        for name in names:
            teachers[name] = user
            subject = db.session.execute(select(Subject).where(
                Subject.school_id == school.id, Subject.name == name)).scalar_one_or_none()
            subjects[name] = subject or Subject(school_id=school.id, name=name)
            db.session.add(subjects[name])
    db.session.flush()
    if klass is None:
        klass = SchoolClass(school_id=school.id, name=CLASS, year_id=year.id)
        db.session.add(klass)
    klass.year_id = year.id
    klass.class_teacher_id = teachers["Математика"].id
    db.session.flush()
    for name, subject in subjects.items():
        db.session.add(TeachingAssignment(teacher_id=teachers[name].id, class_id=klass.id, subject_id=subject.id))

    # the class: Иванов Иван is already in the roster; his twin sister and 16 classmates join
    pupils = list(membership.pupils(klass.id, today))
    joining = len(pupils)
    sofia = Student(school_id=school.id, last_name="Иванова", first_name="Софья", middle_name="Ивановна", sex="f",
                    birth_date=date(2014, 7, 9), class_name=CLASS)
    alisa = Student(school_id=school.id, last_name="Петрова", first_name="Алиса", middle_name="Петровна", sex="f",
                    birth_date=date(2014, 3, 17), class_name=CLASS)
    pupils.extend([sofia, alisa])
    # the first two classmates are the twins Смирнов Алексей and Смирнова Мария (parent-smirnova)
    twins = [Student(school_id=school.id, last_name=LAST[i], first_name=FIRST[i], middle_name=middle,
                     sex=sex, birth_date=date(2014, 4, 12), class_name=CLASS)
             for i, middle, sex in ((0, "Олегович", "m"), (1, "Олеговна", "f"))]
    pupils.extend(twins)
    for i in range(2, 16):
        last = LAST[i]
        pupils.append(Student(school_id=school.id, last_name=last, first_name=FIRST[i],
                              middle_name="", birth_date=date(2014, 1 + i % 12, 1 + i), class_name=CLASS))
    db.session.add_all(pupils)
    db.session.flush()
    for pupil in pupils[joining:]:
        membership.enroll(pupil, CLASS)

    # the timetable from the first day of the year to two weeks ahead, topics and homework
    lessons, topic_index = [], {name: 0 for name in subjects}
    day = year_start
    while day <= today + timedelta(days=14):
        in_quarter = (any(start <= day <= end for start, end in quarters) if quarters
                      else year.starts_on <= day <= year.ends_on)
        if day.weekday() in TIMETABLE and in_quarter:
            for number, name in enumerate(TIMETABLE[day.weekday()], start=1):
                topics = TOPICS[name]
                topic = topics[(topic_index[name] // 3) % len(topics)]
                topic_index[name] += 1
                homework = rng.choice(HOMEWORK).format(n=rng.randint(5, 60), m=rng.randint(61, 120))
                lesson = Lesson(class_id=klass.id, subject_id=subjects[name].id, teacher_id=teachers[name].id,
                                date=day, number=number, starts_at=BELLS[number - 1][0],
                                ends_at=BELLS[number - 1][1], room=str(10 + number), topic=topic,
                                homework=homework if name != "Физическая культура" else "")
                lessons.append(lesson)
        day += timedelta(days=1)
    db.session.add_all(lessons)
    db.session.flush()

    grades, marks = [], []
    for lesson in lessons:
        if lesson.date > today:
            continue
        test = rng.random() < 0.08
        for pupil in pupils:
            if rng.random() < 0.03:
                marks.append(Attendance(student_id=pupil.id, lesson_id=lesson.id, mark=rng.choice("ННБ"),
                                        teacher_id=lesson.teacher_id))
                continue
            if test or rng.random() < 0.22:
                value = rng.choices("5432", weights=[4, 5, 3, 1] if pupil is not sofia else [6, 4, 1, 0])[0]
                grades.append(Grade(student_id=pupil.id, subject_id=lesson.subject_id, lesson_id=lesson.id,
                                    date=lesson.date, value=value, kind=GradeKind.TEST if test else GradeKind.CURRENT,
                                    weight=2 if test else 1, teacher_id=lesson.teacher_id,
                                    remark=rng.choice(REMARKS) if rng.random() < 0.04 else ""))
    first_quarter_end = quarters[0][1] if quarters else today
    if today > first_quarter_end:
        for pupil in pupils:
            for name, subject in subjects.items():
                values = [int(g.value) for g in grades if g.student_id == pupil.id
                          and g.subject_id == subject.id and g.date <= first_quarter_end]
                if values:
                    grades.append(Grade(student_id=pupil.id, subject_id=subject.id, date=first_quarter_end,
                                        value=str(round(sum(values) / len(values))), kind=GradeKind.QUARTER,
                                        period_id=quarter_rows[0].id))
    db.session.add_all(grades + marks)

    db.session.add_all([
        SchoolEvent(school_id=school.id, title="День открытых дверей лицея",
                    starts_at=datetime.combine(today + timedelta(days=10), time(11)), place="Актовый зал"),
        SchoolEvent(school_id=school.id, class_id=klass.id, title="Экскурсия в Эрмитаж",
                    starts_at=datetime.combine(today + timedelta(days=4), time(10)), place="Сбор у лицея"),
        SchoolEvent(school_id=school.id, title="Осенний концерт",
                    starts_at=datetime.combine(today - timedelta(days=20), time(17)), place="Актовый зал"),
        ParentMeeting(school_id=school.id, class_id=klass.id,
                      starts_at=datetime.combine(today + timedelta(days=7), time(19)),
                      place="Кабинет 12", topic="Итоги первого полугодия"),
        ParentMeeting(school_id=school.id, starts_at=datetime.combine(today - timedelta(days=40), time(18, 30)),
                      place="Актовый зал", topic="Общешкольное собрание: начало учебного года"),
    ])

    # the demo parents already hold approved access: Иванова to Софья, Петров to Алиса, Смирнова to
    # the twins — the ordinary way (applied, passport checked, approved; audited; the e-mails wait
    # in the outbox)
    clerk = actor_for(current_app.appbuilder.sm.find_user(username="clerk239"))

    def approved_access(subject, child):
        user = db.session.execute(select(User).join(Identity, Identity.user_id == User.id).where(
            Identity.subject == subject)).scalar_one_or_none()
        if user is None:
            return None
        parent = Actor(user_id=user.id, label=user.name.document, roles=frozenset({roles.PARENT}))
        application = fire("submit", parent, data={"school_id": school.id, "child": {
            "last_name": child.last_name, "first_name": child.first_name, "middle_name": child.middle_name,
            "birth_date": child.birth_date.isoformat()}})
        fire("verify_passport", clerk, application.id, {"document_type": "passport_rf"})
        fire("approve", clerk, application.id, {"student_id": child.id})
        return user

    approved_access("parent-petrov", alisa)
    for twin in twins:
        approved_access("parent-smirnova", twin)
    ivanova = approved_access("parent-ivanova", sofia)
    if ivanova is not None:
        conversation = Conversation(student_id=sofia.id, parent_id=ivanova.id, teacher_id=teachers["Математика"].id,
                                    subject="Олимпиада по математике")
        db.session.add(conversation)
        db.session.flush()
        db.session.add_all([
            Message(conversation_id=conversation.id, author_id=ivanova.id,
                    text="Елена Павловна, добрый день! Может ли Софья участвовать в районной олимпиаде?"),
            Message(conversation_id=conversation.id, author_id=teachers["Математика"].id,
                    text="Добрый день! Да, запись до пятницы, я передам заявку."),
        ])
    db.session.commit()
    return (f"Дневник: {CLASS}, {len(pupils)} обучающихся, {len(lessons)} уроков, {len(grades)} оценок; "
            "учитель teacher239 / teacher12345; открыты дневники: parent-ivanova — Иванова Софья, "
            "parent-petrov — Петрова Алиса, parent-smirnova — Смирнов Алексей и Смирнова Мария.")
