"""«Сегодня», where a family lands after the Gosuslugi login, on SQLite and PostgreSQL: no access
yet → «Мои заявления»; one child → that child's day; several → a card per child. The day shows
today's lessons with room and homework, the homework for the next school day, the grades and
absences that came since the last visit (stored per person and pupil), unread messages, what is
coming up and the open applications — each only as far as the person's access reaches."""
import re
from datetime import date, timedelta

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Application, Attendance, Conversation, FamilyVisit, Grade, Lesson, User
from tests.helpers.data import citizen_id, grant, lesson_on, pupil_id
from tests.helpers.sql import statements
from tests.helpers.web import assert_russian, text_of
from tests.helpers.workflow import parent, staff, submit


def today_of(app):
    with app.app_context():
        return clock.today()


def test_the_landing_depends_on_the_children(app, pupil_world, login_parent):
    volkov = pupil_world["volkov"]
    nobody = pupil_world["parent-petrov"].get("/my/today")
    assert nobody.status_code == 302 and nobody.headers["Location"].endswith("/my/applications")
    one = pupil_world["parent-ivanova"].get("/my/today")
    assert one.status_code == 302 and one.headers["Location"].endswith(f"/my/students/{volkov}/today")
    # after the login itself: straight to the child's day, not «Мои заявления»
    fresh = app.test_client()
    done = login_parent(fresh, "parent-ivanova", email="parent-ivanova@example.ru", given_name="Имя",
                        family_name="Фамилия")
    assert done.headers["Location"].endswith("/my/today")
    assert fresh.get("/my/today").headers["Location"].endswith(f"/my/students/{volkov}/today")
    # a second child: one card per child, each leading to that child's day
    sokolova = pupil_id(app, "S-1001")
    grant(app, "parent-ivanova", sokolova)
    several = pupil_world["parent-ivanova"].get("/my/today")
    assert several.status_code == 200
    html = several.get_data(as_text=True)
    assert f"/my/students/{volkov}/today" in html and f"/my/students/{sokolova}/today" in html
    assert "Волков" in html and "Соколова" in html
    assert_russian(pupil_world["parent-ivanova"], "/my/today")


def test_today_lessons_with_room_and_homework_and_the_next_day(app, pupil_world):
    client, volkov = pupil_world["parent-ivanova"], pupil_world["volkov"]
    day = today_of(app)
    lesson_on(app, day, 7, "305", "Параграф 12, вопросы 1–3")
    lesson_on(app, day + timedelta(days=1), 7, "306", "Выучить таблицу умножения")
    page = client.get(f"/my/students/{volkov}/today")
    assert page.status_code == 200
    text = text_of(page)
    assert "Уроки сегодня" in text and "каб. 305" in text and "Параграф 12, вопросы 1–3" in text
    assert "Домашнее задание на завтра" in text and "Выучить таблицу умножения" in text
    assert "Сегодня" in page.get_data(as_text=True).split('class="tabs"')[1]  # a tab of the diary
    # the week page names the room too
    week = text_of(client.get(f"/my/students/{volkov}/diary?week={day.isoformat()}"))
    assert "каб. 305" in week
    assert_russian(client, f"/my/students/{volkov}/today")


def test_new_grades_and_absences_since_the_last_visit(app, pupil_world, login_parent):
    client, volkov = pupil_world["parent-ivanova"], pupil_world["volkov"]
    first = text_of(client.get(f"/my/students/{volkov}/today"))
    assert "Новые оценки" in first and "Не выполнено домашнее задание" in first  # the imported grade, this week's
    assert "Не выполнено домашнее задание" in text_of(client.get(f"/my/students/{volkov}/today"))  # a reload keeps it
    with app.app_context():
        visit = db.session.execute(select(FamilyVisit).where(
            FamilyVisit.user_id == citizen_id(app, "parent-ivanova"), FamilyVisit.student_id == volkov)).scalar_one()
        assert visit.seen_at is not None

    # the next session: nothing new …
    again = app.test_client()
    login_parent(again, "parent-ivanova", email="parent-ivanova@example.ru", given_name="Имя", family_name="Фамилия")
    quiet = text_of(again.get(f"/my/students/{volkov}/today"))
    assert "С вашего прошлого визита новых оценок нет" in quiet
    assert "С вашего прошлого визита новых пропусков нет" in quiet
    # … until a teacher gives a grade and marks an absence
    lesson = lesson_on(app, today_of(app), 8, "21", "")
    with app.app_context():
        subject_id = db.session.get(Lesson, lesson).subject_id
        db.session.add(Grade(student_id=volkov, subject_id=subject_id, lesson_id=lesson, date=today_of(app),
                             value="5", kind="test", weight=2, remark="Отличная работа"))
        db.session.add(Attendance(student_id=volkov, lesson_id=lesson, mark="ОП"))
        db.session.commit()
    later = app.test_client()
    login_parent(later, "parent-ivanova", email="parent-ivanova@example.ru", given_name="Имя", family_name="Фамилия")
    news = text_of(later.get(f"/my/students/{volkov}/today"))
    assert "Отличная работа" in news and "вес 2" in news
    assert "Опоздание" in news or "Опоздал" in news
    assert "Не выполнено домашнее задание" not in news  # seen at the earlier visit


def test_unread_messages_and_open_applications(app, pupil_world):
    client, volkov = pupil_world["parent-ivanova"], pupil_world["volkov"]
    with app.app_context():
        teacher = db.session.execute(select(User.id).where(User.username == "t.orlova")).scalar_one()
        db.session.add(Conversation(student_id=volkov, parent_id=citizen_id("parent-ivanova"), teacher_id=teacher,
                                    subject="Контрольная"))
        db.session.commit()
        code = db.session.get(Application,
                              submit(parent("parent-ivanova"))).code
    text = text_of(client.get(f"/my/students/{volkov}/today"))
    assert "Непрочитанных переписок: 1" in text
    assert "Заявления в работе" in text and code in text and "Иванов Иван Иванович" in text
    assert "Новогодний концерт" in text and "Итоги полугодия" in text  # what is coming up


def test_each_part_only_as_far_as_the_access_reaches(app, pupil_world):
    volkov = pupil_world["volkov"]
    lesson_on(app, today_of(app), 7, "305", "Параграф 12")
    grades_only = text_of(pupil_world["papa-sergey"].get(f"/my/students/{volkov}/today"))
    assert "Новые оценки" in grades_only
    assert "Уроки сегодня" not in grades_only and "Параграф 12" not in grades_only
    assert "Пропуски" not in grades_only and "Ближайшие события" not in grades_only
    schedule = text_of(pupil_world["tutor-oleg"].get(f"/my/students/{volkov}/today"))
    assert "Параграф 12" in schedule and "Новые оценки" not in schedule and "Не выполнено" not in schedule
    assert pupil_world["parent-petrov"].get(f"/my/students/{volkov}/today").status_code == 404


def test_pupils_list_says_how_each_person_sees_the_pupil(app, pupil_world, login_parent):
    """«Обучающиеся» says the real relation: the representative, the pupil, an interested person
    with what is shared and until when — not «Обучающийся» for everybody."""
    volkov = pupil_world["volkov"]

    def access_cell(client):
        html = client.get("/my/students").get_data(as_text=True)
        return re.search(r"(?s)<tbody>.*?<td>.*?</td><td>.*?</td><td>(.*?)</td>", html).group(1).strip()

    assert access_cell(pupil_world["parent-ivanova"]) == "Родитель (законный представитель)"
    assert access_cell(pupil_world["papa-sergey"]) == "Заинтересованное лицо: только оценки"
    grandpa = app.test_client()
    login_parent(grandpa, "grandpa-ivan", email="grandpa@example.ru", given_name="Иван", family_name="Волков")
    grant(app, "grandpa-ivan", volkov, relation="viewer", scope="schedule_homework", valid_until=date(2027, 5, 31))
    assert access_cell(grandpa) == "Заинтересованное лицо: только расписание и домашние задания, до 31.05.2027"
    pupil = app.test_client()
    login_parent(pupil, "volkov-maxim", email="maxim@example.ru", given_name="Максим", family_name="Волков")
    grant(app, "volkov-maxim", volkov, relation="student")
    assert access_cell(pupil) == "Сам обучающийся"
    profile = text_of(pupil_world["papa-sergey"].get(f"/my/students/{volkov}"))
    assert "Ваш доступ Заинтересованное лицо: только оценки" in profile


def test_the_homework_notice_names_the_child_in_the_genitive():
    """«Домашнее задание для Максима», «для Марии», «для Саши» (a girl by her patronymic), «для
    Ильи»: pytrovich declines, the roster's sex decides when it is known."""
    from types import SimpleNamespace

    from app.names import FullName

    def first_name_genitive(student):
        return FullName.of(student).first_declined("genitive")

    def pupil(first, middle="", sex=None):
        return SimpleNamespace(first_name=first, middle_name=middle, sex=sex)

    assert first_name_genitive(pupil("Максим", "Игоревич")) == "Максима"
    assert first_name_genitive(pupil("Мария", "Петровна")) == "Марии"
    assert first_name_genitive(pupil("Саша", "Игоревна")) == "Саши"
    assert first_name_genitive(pupil("Женя", sex="f")) == "Жени"
    assert first_name_genitive(pupil("Илья")) == "Ильи"


# «Сегодня» is what a family opens most: a reload runs a bounded number of statements — the session,
# the account, the grant with the class revisions, one for the visit, the unread conversations and
# the open applications' stamp (the ETag's), the page of open applications with their total,
# today's and the next days' lessons with their grades (one pair for both), new grades, new marks,
# the events and meetings ahead. It was 19 with five open applications before they were folded,
# 14 before the ETag's figures were read in one statement.
TODAY_STATEMENTS = 11


def test_a_reload_of_today_runs_a_bounded_number_of_statements(app, pupil_world):
    client, volkov = pupil_world["parent-ivanova"], pupil_world["volkov"]
    day = today_of(app)
    lesson_on(app, day, 7, "305", "Параграф 12, вопросы 1–3")
    lesson_on(app, day + timedelta(days=1), 7, "306", "Выучить таблицу умножения")
    with app.app_context():
        teacher = db.session.execute(select(User.id).where(User.username == "t.orlova")).scalar_one()
        db.session.add(Conversation(student_id=volkov, parent_id=citizen_id("parent-ivanova"), teacher_id=teacher,
                                    subject="Контрольная"))
        db.session.commit()
        for letter in "абвгде":  # more than the page shows: the total is counted too
            submit(parent("parent-ivanova"), child={"last_name": "Тест" + letter, "first_name": "Иван",
                                                    "middle_name": "", "birth_date": "2015-03-03"})
    path = f"/my/students/{volkov}/today"
    assert client.get(path).status_code == 200  # the visit is recorded; a reload writes nothing
    with statements(app) as seen:
        page = client.get(path)
    assert page.status_code == 200
    assert len(seen) <= TODAY_STATEMENTS, "\n".join(seen)
    text = text_of(page)
    assert "Параграф 12, вопросы 1–3" in text and "каб. 305" in text
    assert "Домашнее задание на завтра" in text and "Выучить таблицу умножения" in text
    assert "Непрочитанных переписок: 1" in text and "Все заявления в работе: 6" in text
    assert "Новогодний концерт" in text and "Итоги полугодия" in text


def test_a_lesson_shows_its_room_escaped_on_the_week_and_today(app, pupil_world):
    client, volkov = pupil_world["parent-ivanova"], pupil_world["volkov"]
    day = today_of(app)
    lesson_on(app, day, 7, "<b>7</b> & Co", "Параграф 12")
    for path in (f"/my/students/{volkov}/today", f"/my/students/{volkov}/diary?week={day.isoformat()}"):
        html = client.get(path).get_data(as_text=True)
        assert '<span class="room">каб. &lt;b&gt;7&lt;/b&gt; &amp; Co</span>' in html, path
        assert "<b>7</b>" not in html


def test_a_reload_is_304_until_an_application_or_a_message_changes(app, pupil_world):
    """«Сегодня»'s ETag holds, besides the diary, the open applications and the unread messages
    (one query for both, app.portal.today._stamp_statement): a reload is a bodiless 304 until one
    of them changes, and then the page is sent afresh with what changed."""
    from app.workflow import fire

    client, volkov = pupil_world["parent-ivanova"], pupil_world["volkov"]
    path = f"/my/students/{volkov}/today"
    client.get(path)  # the first visit after the login: the welcome notice, the visit recorded

    def reload(tag):
        return client.get(path, headers={"If-None-Match": tag})

    tag = client.get(path).headers["ETag"]
    assert reload(tag).status_code == 304
    with app.app_context():
        application_id = submit(parent("parent-ivanova"))
        code = db.session.get(Application, application_id).code
    fresh = reload(tag)
    assert fresh.status_code == 200 and code in text_of(fresh) and fresh.headers["ETag"] != tag
    tag = fresh.headers["ETag"]
    assert reload(tag).status_code == 304
    with app.app_context():  # still in progress, in another state: as many open, a new state
        fire("verify_passport", staff("clerk239"), application_id, {"document_type": "passport_rf"})
    fresh = reload(tag)
    assert fresh.status_code == 200 and fresh.headers["ETag"] != tag
    tag = fresh.headers["ETag"]
    with app.app_context():
        fire("withdraw", parent("parent-ivanova"), application_id)  # no longer in progress
    fresh = reload(tag)
    assert fresh.status_code == 200 and code not in text_of(fresh)
    tag = fresh.headers["ETag"]
    with app.app_context():
        teacher = db.session.execute(select(User.id).where(User.username == "t.orlova")).scalar_one()
        db.session.add(Conversation(student_id=volkov, parent_id=citizen_id("parent-ivanova"), teacher_id=teacher,
                                    subject="Контрольная"))
        db.session.commit()
    fresh = reload(tag)
    assert fresh.status_code == 200 and "Непрочитанных переписок: 1" in text_of(fresh)
