"""A teacher starts a conversation with a family of the own classes («Написать семье»), not only
replies: the «Кому» list holds only those who may read the pupil's messages, the family gets the
mail through the outbox and answers in the same conversation; a teacher of another class is
refused, and so is any recipient outside the list."""
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Conversation, Message, SchoolClass, TeachingAssignment, User
from tests.helpers.app import drain_outbox
from tests.helpers.data import EXAMPLE_SCHOOL, count, grant
from tests.helpers.web import teacher


@pytest.fixture
def family(app, school, login_parent):
    clients = {}
    for sub, claims in {
        "parent-ivanova": {},
        "tutor-oleg": dict(email="tutor@example.ru", given_name="Олег", family_name="Репетиторов"),
        "grandma-nina": dict(email="nina@example.ru", given_name="Нина", family_name="Бабушкина"),
    }.items():
        clients[sub] = app.test_client()
        login_parent(clients[sub], sub, **claims)
    grant(app, "parent-ivanova", school["volkov"])
    grant(app, "tutor-oleg", school["volkov"], relation="viewer", scope="schedule_homework")
    grant(app, "grandma-nina", school["volkov"], relation="viewer", scope="all")
    with app.app_context():
        clients["ids"] = {u.username.split(":")[-1]: u.id for u in db.session.execute(select(User)).scalars()}
    return clients


def test_a_teacher_writes_first_and_the_family_answers(app, school, family, smtp):
    drain_outbox(app)
    smtp.mailbox.clear()
    orlova = teacher(app)
    inbox = orlova.get("/teacher-messages/").get_data(as_text=True)
    assert "Написать семье" in inbox and "/teacher-messages/new" in inbox
    page = orlova.get("/teacher-messages/new").get_data(as_text=True)
    ivanova, nina, oleg = family["ids"]["parent-ivanova"], family["ids"]["grandma-nina"], family["ids"]["tutor-oleg"]
    assert f'value="{school["volkov"]}:{ivanova}"' in page and f'value="{school["volkov"]}:{nina}"' in page
    assert f':{oleg}"' not in page  # «only schedule and homework»: no messages
    assert "Кому" in page and "Волков Максим Игоревич" in page
    sent = orlova.post("/teacher-messages/new", data={"recipient": f"{school['volkov']}:{ivanova}",
                                                      "subject": "Контрольная", "text": "Максим пропустил контрольную."})
    assert sent.status_code == 302
    conversation_id = int(re.search(r"/teacher-messages/(\d+)", sent.headers["Location"]).group(1))
    with app.app_context():
        conversation = db.session.get(Conversation, conversation_id)
        assert (conversation.parent_id, conversation.student_id) == (ivanova, school["volkov"])
    drain_outbox(app)
    (mail,) = smtp.mailbox.to("ivanova@example.ru")
    assert "Новое сообщение" in mail["Subject"] and "пропустил контрольную" in mail.get_body(("plain",)).get_content()
    parent = family["parent-ivanova"]
    listing = parent.get(f"/my/students/{school['volkov']}/messages").get_data(as_text=True)
    assert "Контрольная" in listing
    assert parent.post(f"/my/messages/{conversation_id}", data={"text": "Напишет в пятницу."}).status_code == 302
    assert "Напишет в пятницу." in orlova.get(f"/teacher-messages/{conversation_id}").get_data(as_text=True)


def test_a_teacher_of_another_class_is_refused(app, school, family):
    ivanova = family["ids"]["parent-ivanova"]
    with app.app_context():  # Белов now teaches Russian in 6 «А» instead of 7 «Б»
        six_a = db.session.execute(select(SchoolClass.id).where(SchoolClass.school_id == EXAMPLE_SCHOOL,
                                                                SchoolClass.name == "6 «А»")).scalar_one()
        for assignment in db.session.execute(select(TeachingAssignment).join(User, User.id == TeachingAssignment.teacher_id)
                                             .where(User.username == "a.belov")).scalars():
            assignment.class_id = six_a
        db.session.commit()
    stranger = teacher(app, "a.belov")
    page = stranger.get("/teacher-messages/new")
    assert page.status_code == 200 and "Волков" not in page.get_data(as_text=True)
    refused = stranger.post("/teacher-messages/new", data={"recipient": f"{school['volkov']}:{ivanova}", "text": "?"})
    assert refused.status_code == 404
    with app.app_context():
        assert count(Conversation) == 0 and count(Message) == 0


@pytest.mark.parametrize("recipient", ["", "x", "1:2:3", f"{10**20}:1", "\x00:\x00", "-1:-1"])
def test_hostile_recipients_get_a_russian_refusal_and_nothing_is_stored(app, school, family, recipient):
    answer = teacher(app).post("/teacher-messages/new", data={"recipient": recipient, "text": "Здравствуйте"})
    assert answer.status_code in (400, 404)
    assert re.search("[а-я]{4}", answer.get_data(as_text=True))
    with app.app_context():
        assert count(Conversation) == 0


def test_only_a_family_member_with_messages_can_be_chosen(app, school, family):
    orlova = teacher(app)
    oleg, nina = family["ids"]["tutor-oleg"], family["ids"]["grandma-nina"]
    for user_id in (oleg, family["ids"]["t.orlova"]):
        answer = orlova.post("/teacher-messages/new", data={"recipient": f"{school['volkov']}:{user_id}",
                                                            "text": "Здравствуйте"})
        assert answer.status_code == 400
        assert "Выберите члена семьи из списка" in answer.get_data(as_text=True)
    empty = orlova.post("/teacher-messages/new", data={"recipient": f"{school['volkov']}:{nina}", "text": " \x00 "})
    assert empty.status_code == 400
    with app.app_context():
        assert count(Conversation) == 0
