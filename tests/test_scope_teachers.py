"""Teachers' scope (app.access.teaching): a teacher works only on the own classes × subjects, and
only the teachers of a pupil's class are the family's correspondents — whoever asks, by any door
(the journal's grid and its three writes, the family's message form and the API, the teacher's
conversation pages). The people: Орлова (algebra in 7 «Б»), Белов (Russian in 7 «Б»), Кузьмина
(algebra in 6 «А», a teacher of another class), the clerk, the supervisor, the admin, Волков's
parent and anonymous."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Conversation, Grade, Lesson, Message, Remark, TeachingAssignment, User
from tests.helpers.data import grant, set_password
from tests.helpers.web import TEACHER_PASSWORD, staff_login

OTHER_CLASS_TEACHER = ("username;last_name;first_name;middle_name;email\n"
                       "k.kuzmina;Кузьмина;Ксения;Павловна;\n").encode()
OTHER_CLASS_ASSIGNMENT = "teacher;class;subject\nk.kuzmina;6 «А»;Алгебра\n".encode()


@pytest.fixture
def staff(app, school, login_parent):
    """Clients of every kind of person, and the ids the requests name."""
    from app.diary.imports import import_file

    with app.app_context():
        import_file("teachers.csv", 1, data=OTHER_CLASS_TEACHER)
        import_file("assignments.csv", 1, data=OTHER_CLASS_ASSIGNMENT)
        set_password("k.kuzmina", TEACHER_PASSWORD)
        own_class = db.session.execute(
            select(TeachingAssignment.id).join(User, User.id == TeachingAssignment.teacher_id)
            .where(User.username == "k.kuzmina")).scalar_one()
        ids = {u.username: u.id for u in db.session.execute(select(User)).scalars()}
    clients = {"anonymous": app.test_client(), "parent": app.test_client()}
    for name in ("t.orlova", "a.belov", "k.kuzmina"):
        clients[name] = staff_login(app.test_client(), name, TEACHER_PASSWORD)
    for name, password in (("clerk239", "clerk12345"), ("supervisor", "super12345"), ("admin", "admin12345")):
        clients[name] = staff_login(app.test_client(), name, password)
    login_parent(clients["parent"], "parent-ivanova")
    grant(app, "parent-ivanova", school["volkov"])
    return dict(clients=clients, ids=ids, kuzmina_class=own_class, **school)


def grades(app):
    with app.app_context():
        return sorted(db.session.execute(select(Grade.student_id, Grade.lesson_id, Grade.value)).all())


def test_journal_only_for_own_class_and_subject(app, staff):
    """Every door of the journal answers the grid or a write only for the own assignment (the
    admin: any); Кузьмина, who teaches another class, is refused on 7 «Б»'s, and her own journal
    takes neither 7 «Б»'s lessons nor its pupils."""
    algebra, lesson, volkov = staff["algebra"], staff["algebra_lesson"], staff["volkov"]
    cell = {"student_id": volkov, "lesson_id": lesson, "value": "2"}
    remark = {"student_id": volkov, "lesson_id": lesson, "text": "Чужой класс"}
    topic = {"lesson_id": lesson, "topic": "Чужая тема", "homework": "Чужое задание"}
    before = grades(app)
    problems = []
    for who, client in staff["clients"].items():
        allowed = who in ("t.orlova", "admin")
        page = client.get(f"/journal/{algebra}")
        if (page.status_code == 200 and "Волков Максим" in page.get_data(as_text=True)) != allowed:
            problems.append(f"{who} GET grid: {page.status_code}")
        if allowed:
            continue
        for path, body in (("cell", cell), ("remark", remark), ("lesson", topic)):
            answer = client.post(f"/journal/{algebra}/{path}", json=body)
            if answer.status_code not in (302, 401, 403, 404):
                problems.append(f"{who} POST {path}: {answer.status_code}")
    kuzmina = staff["clients"]["k.kuzmina"]
    assert kuzmina.get(f"/journal/{staff['kuzmina_class']}").status_code == 200
    for path, body in (("cell", cell), ("remark", remark), ("lesson", topic)):
        answer = kuzmina.post(f"/journal/{staff['kuzmina_class']}/{path}", json=body)
        if answer.status_code != 404:  # 7 «Б»'s lesson, 7 «Б»'s pupil: not in her journal
            problems.append(f"k.kuzmina POST own {path} with 7 «Б»'s lesson: {answer.status_code}")
    assert not problems, "\n".join(problems)
    assert grades(app) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Remark)) == 0
        assert db.session.get(Lesson, lesson).topic != "Чужая тема"
    index = kuzmina.get("/journal/").get_data(as_text=True)
    assert "6 «А»" in index and "7 «Б»" not in index


def test_only_the_pupils_teachers_are_correspondents(app, staff):
    """The family may write to the teachers of the pupil's class only (page and API); a
    conversation is read and answered by the teacher it is addressed to, while they teach the class."""
    parent, volkov, ids = staff["clients"]["parent"], staff["volkov"], staff["ids"]
    page = parent.get(f"/my/students/{volkov}/messages").get_data(as_text=True)
    assert "Орлова Т. В." in page and "Кузьмина" not in page
    refused = parent.post(f"/api/v1/students/{volkov}/messages",
                          json={"teacher_id": ids["k.kuzmina"], "subject": "?", "text": "Здравствуйте"})
    assert refused.status_code == 400 and "Выберите одного из учителей" in refused.json["message"]
    form = parent.post(f"/my/students/{volkov}/messages",
                       data={"teacher_id": ids["k.kuzmina"], "text": "Здравствуйте"})
    assert form.status_code == 400
    sent = parent.post(f"/api/v1/students/{volkov}/messages",
                       json={"teacher_id": ids["t.orlova"], "subject": "Контрольная", "text": "Когда контрольная?"})
    assert sent.status_code == 201, sent.json
    conversation = sent.json["conversation_id"]

    problems = []
    for who, client in staff["clients"].items():
        if who == "parent":
            continue
        page = client.get(f"/teacher-messages/{conversation}")
        shown = page.status_code == 200 and "Когда контрольная?" in page.get_data(as_text=True)
        if shown != (who == "t.orlova"):
            problems.append(f"{who} GET conversation: {page.status_code}")
        if who != "t.orlova":
            answer = client.post(f"/teacher-messages/{conversation}", data={"text": "Не мой ученик"})
            if answer.status_code not in (302, 401, 403, 404):  # and nothing saved: below
                problems.append(f"{who} POST reply: {answer.status_code}")
        inbox = client.get("/teacher-messages/")
        if inbox.status_code == 200 and "Контрольная" in inbox.get_data(as_text=True) and who != "t.orlova":
            problems.append(f"LEAK {who} inbox")
    assert not problems, "\n".join(problems)
    with app.app_context():
        assert db.session.execute(select(Message.text)).scalars().all() == ["Когда контрольная?"]
        # Орлова no longer teaches the class: the conversation is no longer hers to read
        db.session.execute(TeachingAssignment.__table__.delete().where(
            TeachingAssignment.teacher_id == ids["t.orlova"]))
        db.session.commit()
        assert db.session.get(Conversation, conversation) is not None
    assert staff["clients"]["t.orlova"].get(f"/teacher-messages/{conversation}").status_code == 404
