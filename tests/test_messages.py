"""Parent ↔ teacher messages: who may write to whom, both sides' pages, e-mail to the other side."""
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Conversation, Message, User
from tests.helpers.app import drain_outbox
from tests.helpers.data import grant
from tests.helpers.web import assert_russian, teacher


@pytest.fixture
def family(app, school, login_parent):
    clients = {}
    for sub, claims in {
        "parent-ivanova": {},
        "tutor-oleg": dict(email="tutor@example.ru", given_name="Олег", family_name="Репетиторов"),
        "grandma-nina": dict(email="nina@example.ru", given_name="Нина", family_name="Бабушкина"),
        "parent-petrov": {},
    }.items():
        clients[sub] = app.test_client()
        login_parent(clients[sub], sub, **claims)
    grant(app, "parent-ivanova", school["volkov"])
    grant(app, "tutor-oleg", school["volkov"], relation="viewer", scope="schedule_homework")
    grant(app, "grandma-nina", school["volkov"], relation="viewer", scope="all")
    with app.app_context():
        clients["ids"] = {u.username.split(":")[-1]: u.id for u in db.session.execute(select(User)).scalars()}
    return clients


def test_parent_writes_teacher_answers_both_get_mail(app, school, family, smtp):
    drain_outbox(app)
    smtp.mailbox.clear()
    parent = family["parent-ivanova"]
    page = parent.get(f"/my/students/{school['volkov']}/messages").get_data(as_text=True)
    assert "Орлова Т. В. — алгебра" in page and "Белов А. Н." in page
    assert "Пока нет переписки" in page
    orlova = family["ids"]["t.orlova"]
    sent = parent.post(f"/my/students/{school['volkov']}/messages",
                       data={"teacher_id": orlova, "subject": "Домашнее задание", "text": "Максим болел, что задано?"})
    assert sent.status_code == 302
    drain_outbox(app)
    (to_teacher,) = smtp.mailbox.to("t.orlova@school239.spb.ru")
    assert "Новое сообщение" in to_teacher["Subject"] and "Максим болел" in to_teacher.get_body(("plain",)).get_content()

    clerk_free = teacher(app)
    inbox = clerk_free.get("/teacher-messages/").get_data(as_text=True)
    assert "Волков Максим Игоревич" in inbox and "новое" in inbox
    conversation_id = int(re.search(r"/teacher-messages/(\d+)", inbox).group(1))
    assert clerk_free.post(f"/teacher-messages/{conversation_id}", data={"text": "№ 112 и 114"}).status_code == 302
    drain_outbox(app)
    (to_parent,) = smtp.mailbox.to("ivanova@example.ru")
    assert "№ 112 и 114" in to_parent.get_body(("plain",)).get_content()
    thread = parent.get(f"/my/messages/{conversation_id}").get_data(as_text=True)
    assert "Максим болел" in thread and "№ 112 и 114" in thread


def test_who_may_not_write_or_read(app, school, family, login_staff):
    orlova = family["ids"]["t.orlova"]
    url = f"/my/students/{school['volkov']}/messages"
    # a tutor with "only schedule and homework" and a stranger: no messages at all
    for name in ("tutor-oleg", "parent-petrov"):
        assert family[name].get(url).status_code == 404
        assert family[name].post(url, data={"teacher_id": orlova, "text": "?"}).status_code == 404
    # an interested person with the whole diary may write
    assert family["grandma-nina"].get(url).status_code == 200
    parent = family["parent-ivanova"]
    assert parent.post(url, data={"teacher_id": orlova, "text": "Вопрос"}).status_code == 302
    with app.app_context():
        conversation_id = db.session.execute(select(Conversation.id)).scalar_one()
        clerk_id = db.session.execute(select(User.id).where(User.username == "clerk239")).scalar_one()
    for name in ("grandma-nina", "tutor-oleg", "parent-petrov"):  # not their conversation
        assert family[name].get(f"/my/messages/{conversation_id}").status_code == 404
    belov = teacher(app, "a.belov")
    assert belov.get(f"/teacher-messages/{conversation_id}").status_code == 404
    assert belov.post(f"/teacher-messages/{conversation_id}", data={"text": "чужое"}).status_code == 404
    # only the pupil's teachers can be chosen; an empty text is refused; nothing saved
    bad = parent.post(url, data={"teacher_id": clerk_id, "text": "Вопрос"})
    assert bad.status_code == 400 and "Выберите одного из учителей" in bad.get_data(as_text=True)
    empty = parent.post(url, data={"teacher_id": orlova, "text": "  "})
    assert empty.status_code == 400 and "Напишите сообщение" in empty.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(Message.text)).scalars().all() == ["Вопрос"]
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    assert clerk.get("/teacher-messages/").status_code in (302, 403)


def test_message_pages_are_russian(app, school, family):
    url = f"/my/students/{school['volkov']}/messages"
    parent = family["parent-ivanova"]
    assert_russian(parent, url)
    parent.post(url, data={"teacher_id": family["ids"]["t.orlova"], "text": "Вопрос"})
    with app.app_context():
        conversation_id = db.session.execute(select(Conversation.id)).scalar_one()
    assert_russian(parent, f"/my/messages/{conversation_id}")
    orlova = teacher(app)
    assert_russian(orlova, "/teacher-messages/")
    assert_russian(orlova, f"/teacher-messages/{conversation_id}")


def test_the_to_list_names_each_teacher_with_what_they_teach(app, school, family):
    """«Кому»: «Белов А. Н. — литература, русский язык», «Орлова Т. В. — алгебра» (surname, initials,
    the subjects of the pupil's class), not bare names."""
    page = family["parent-ivanova"].get(f"/my/students/{school['volkov']}/messages").get_data(as_text=True)
    select_html = re.search(r'(?s)<select id="teacher_id"[^>]*>(.*?)</select>', page).group(1)
    options = [label.strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", select_html)]
    assert options == ["Белов А. Н. — литература, русский язык", "Орлова Т. В. — алгебра"], options
    assert '<label for="teacher_id">Кому *</label>' in page
    assert "Сообщения" in page.split('class="tabs"')[1]  # among the diary's tabs
