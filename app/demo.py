"""Demo data for `make run` and manual walks: districts, schools with reception hours, a roster,
staff accounts and the demo parents registered at the development identity provider.
Idempotent: running it again changes nothing that exists."""
from datetime import date, time

from flask import current_app
from sqlalchemy import select

from . import roles
from .access import Actor
from .auth.staff import create_staff
from .diary import membership
from .extensions import db
from .models import Application, District, Identity, ReceptionSlot, School, Student
from .workflow import fire

DISTRICTS = ["Адмиралтейский район", "Василеостровский район"]

SCHOOLS = [
    # district index, number, name, address, reception slots
    (0, "239", "ГБОУ лицей № 239", "Кирочная ул., д. 8",
     [(4, time(15), time(18), "кабинет № 63 (2 этаж)", "Греку Ирина Алексеевна")]),
    (0, "321", "ГБОУ школа № 321", "ул. Правды, д. 11",
     [(1, time(16), time(19), "кабинет № 12", "Смирнова Ольга Викторовна"),
      (3, time(9), time(12), "кабинет № 12", "Смирнова Ольга Викторовна")]),
    (1, "27", "ГБОУ гимназия № 27", "Средний пр. В.О., д. 20",
     [(2, time(14), time(17), "кабинет № 5", "Кузнецов Андрей Павлович")]),
]

ROSTER = [
    # school index, last, first, middle, sex, birth date, class
    (0, "Иванов", "Иван", "Иванович", "m", date(2014, 7, 9), "6 «А»"),
    (0, "Петров", "Пётр", "Петрович", "m", date(2015, 8, 8), "5 «Б»"),
    (0, "Сидорова", "Анна", "Сергеевна", "f", date(2013, 3, 21), "7 «А»"),
    (1, "Петрова", "Мария", "Петровна", "f", date(2012, 11, 2), "8 «В»"),
    (1, "Кузнецов", "Алексей", "Андреевич", "m", date(2016, 1, 15), "4 «А»"),
    (2, "Смирнов", "Дмитрий", "Олегович", "m", date(2011, 5, 30), "9 «А»"),
]

# Demo parents at the development identity provider (oidc-provider-mock), keyed on `sub`.
PARENTS = [
    {
        "sub": "parent-ivanova",
        "email": "ivanova@example.ru",
        "given_name": "Мария",
        "family_name": "Иванова",
        "middle_name": "Петровна",
        "name": "Иванова Мария Петровна",
        "phone_number": "+79211234567",
        "phone_number_verified": True,
    },
    {
        "sub": "parent-petrov",
        "email": "petrov@example.ru",
        "given_name": "Пётр",
        "family_name": "Петров",
        "middle_name": "Сергеевич",
        "name": "Петров Пётр Сергеевич",
        "phone_number": "+79217654321",
        "phone_number_verified": True,
    },
    {  # the mother of the twins Смирнов Алексей and Смирнова Мария, 6 «А»: «Сегодня» with two cards
        "sub": "parent-smirnova",
        "email": "smirnova@example.ru",
        "given_name": "Наталья",
        "family_name": "Смирнова",
        "middle_name": "Викторовна",
        "name": "Смирнова Наталья Викторовна",
        "phone_number": "+79219876543",
        "phone_number_verified": True,
    },
]

STAFF = [
    # username, role, password, school index, district index, first, last, middle
    ("admin", "admin", "admin12345", None, None, "Администратор", "", ""),
    ("clerk239", "clerk", "clerk12345", 0, None, "Ирина", "Греку", "Алексеевна"),
    ("clerk321", "clerk", "clerk12345", 1, None, "Ольга", "Смирнова", "Викторовна"),
    ("clerk27", "clerk", "clerk12345", 2, None, "Андрей", "Кузнецов", "Павлович"),
    ("supervisor", "supervisor", "super12345", None, 0, "Елена", "Васильева", "Николаевна"),
]


def _get_or_add(model, defaults=None, **keys):
    row = db.session.execute(select(model).filter_by(**keys)).scalar_one_or_none()
    if row is None:
        row = model(**keys, **(defaults or {}))
        db.session.add(row)
        db.session.flush()
    return row


def load_demo():
    districts = [_get_or_add(District, name=name) for name in DISTRICTS]
    schools = []
    for d_index, number, name, address, slots in SCHOOLS:
        school = _get_or_add(
            School, defaults={"name": name, "address": address},
            district_id=districts[d_index].id, number=number,
        )
        if not school.reception_slots:
            for weekday, t_from, t_to, room, responsible in slots:
                db.session.add(ReceptionSlot(school_id=school.id, weekday=weekday, time_from=t_from,
                                             time_to=t_to, room=room, responsible=responsible))
        schools.append(school)
    for s_index, last, first, middle, sex, birth, class_name in ROSTER:
        pupil = _get_or_add(Student, defaults={"middle_name": middle, "sex": sex},
                            school_id=schools[s_index].id, last_name=last, first_name=first, birth_date=birth)
        membership.enroll(pupil, class_name)  # the class (created if new) and the pupil's membership
    db.session.commit()

    for username, role_key, password, s_index, d_index, first, last, middle in STAFF:
        if current_app.appbuilder.sm.find_user(username=username) is None:
            create_staff(username, role_key, password,
                         schools[s_index].id if s_index is not None else None,
                         districts[d_index].id if d_index is not None else None, first, last,
                         middle_name=middle)

    from .auth.esia import user_for_claims

    parents = {}
    for claims in PARENTS:
        existing = db.session.execute(
            select(Identity).where(Identity.subject == claims["sub"])
        ).scalar_one_or_none()
        parents[claims["sub"]] = existing.user if existing else user_for_claims(current_app.config["OIDC_PROVIDER"], claims)

    # One waiting application, so the clerk's queue is not empty.
    petrov = parents["parent-petrov"]
    has_any = db.session.execute(
        select(Application.id).where(Application.parent_id == petrov.id)
    ).first()
    if not has_any:
        actor = Actor(user_id=petrov.id, label=petrov.name.document,
                      roles=frozenset({roles.PARENT}))
        fire("submit", actor, data={
            "school_id": schools[0].id,
            "child": {"last_name": "Петров", "first_name": "Пётр", "middle_name": "Петрович",
                      "birth_date": "2015-08-08"},
        })
    lines = ["Демо-данные загружены."]
    lines.append("Школы: " + ", ".join(f"{s.name} (id={s.id})" for s in schools))
    lines.append("Сотрудники: " + ", ".join(f"{u} / {p}" for u, _r, p, *_ in STAFF))
    lines.append("Родители (вход через Госуслуги, поле sub): " + ", ".join(p["sub"] for p in PARENTS))
    return "\n".join(lines)
