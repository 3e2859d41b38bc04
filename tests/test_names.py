"""People named as in their documents (surname, first name, patronymic) and declined by pytrovich,
with the wording that agrees with the pupil's sex: app/names.py and where it is used — the paper
application, the letters, the clerk's pages, the family's pages and SMS."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Identity, NotificationPreference, OutboxMessage, Student, User
from app.names import FullName
from tests.helpers.app import drain_outbox
from tests.helpers.data import citizen_id, find_application, grant, school_id
from tests.helpers.web import invite, teacher
from tests.helpers.workflow import rendered


@pytest.mark.parametrize("text, genitive, dative", [
    ("Иванова Мария Петровна", "Ивановой Марии Петровны", "Ивановой Марии Петровне"),
    ("Иванов Иван Иванович", "Иванова Ивана Ивановича", "Иванову Ивану Ивановичу"),
    ("Римская-Корсакова Анна Сергеевна", "Римской-Корсаковой Анны Сергеевны", "Римской-Корсаковой Анне Сергеевне"),
    ("Греку Ирина Алексеевна", "Греку Ирины Алексеевны", "Греку Ирине Алексеевне"),
    ("Петров Пётр", "Петрова Петра", "Петрову Петру"),  # no patronymic: the first name tells
])
def test_names_are_declined_by_the_library(text, genitive, dative):
    name = FullName.parse(text)
    assert name.document == text
    assert name.declined("genitive") == genitive
    assert name.declined("dative") == dative
    assert name.declined("nominative") == text


def test_the_stored_sex_decides_where_the_name_does_not():
    # «Саша Сидоренко»: neither the first name nor the surname tells; the roster's sex does
    assert FullName("Сидоренко", "Саша", sex="f").declined("genitive") == "Сидоренко Саши"
    assert FullName("Сидоренко", "Саша", sex="f").sex_code == "f"
    assert FullName("Иванов", "Иван", "Иванович").sex_code == "m"
    assert FullName("Smith", "John").sex_code is None
    assert FullName("Smith", "John").declined("genitive") == "Smith John"  # left as it is


def test_short_form_and_placeholders():
    assert FullName.parse("Иванова Мария Петровна").short == "Иванова М. П."
    assert FullName("—", "Мария").document == "Мария"  # FAB's placeholder for a missing part
    assert FullName.parse("Мария Петровна Иванова", order="natural") == FullName("Иванова", "Мария", "Петровна")
    assert FullName.parse("Мария Иванова", order="natural") == FullName("Иванова", "Мария")
    assert not FullName.parse("   ")


# --------------------------------------------------------------------------- the service
def print_page(app, login_staff, surname):
    client = login_staff(app.test_client(), "clerk239", "clerk12345")
    page = client.get(f"/applications/{find_application(app, surname)}/print")
    assert page.status_code == 200
    return " ".join(page.get_data(as_text=True).split())


def test_the_paper_application_declines_the_parent_and_the_pupil(app, login_staff):
    body = print_page(app, login_staff, "Петров")  # the demo's: Петров Пётр Сергеевич for his son
    assert "от Петрова Петра Сергеевича" in body
    assert "в отношении обучающегося Петрова Петра Петровича, дата рождения 08.08.2015" in body


def test_a_girls_application_and_the_letters_greeting(app, login_parent, login_staff, smtp):
    client = app.test_client()
    login_parent(client, "parent-ivanova")  # Иванова Мария Петровна
    answer = client.post("/my/applications/new", data={
        "school_id": school_id(app, "239"), "last_name": "Сидорова", "first_name": "Анна",
        "middle_name": "Сергеевна", "birth_date": "2013-03-21"})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    body = print_page(app, login_staff, "Сидорова")
    assert "от Ивановой Марии Петровны" in body
    assert "в отношении обучающейся Сидоровой Анны Сергеевны" in body
    drain_outbox(app)
    letter = smtp.mailbox.to("ivanova@example.ru")[-1]
    assert letter.get_body(("plain",)).get_content().startswith("Уважаемая Мария Петровна!")
    assert "Уважаемая Мария Петровна!" in letter.get_body(("html",)).get_content()


def test_a_girls_absence_agrees_on_the_family_page_and_in_the_sms(app, school, login_parent, smtp):
    parent = app.test_client()
    login_parent(parent, "parent-ivanova")
    grant(app, "parent-ivanova", school["sokolova"])  # Соколова Дарья Андреевна («пол»: ж)
    with app.app_context():
        ivanova = citizen_id("parent-ivanova")
        identity = db.session.execute(select(Identity).where(Identity.user_id == ivanova)).scalar_one()
        identity.phone = "+79211234567"
        db.session.add(NotificationPreference(user_id=ivanova, student_id=school["sokolova"], kind="absence",
                                              email=True, sms=True))
        db.session.commit()
    answer = teacher(app).post(f"/journal/{school['algebra']}/cell", json={
        "student_id": school["sokolova"], "lesson_id": school["algebra_lesson"], "value": "Н"})
    assert answer.status_code == 200, answer.json
    page = parent.get(f"/my/students/{school['sokolova']}/attendance").get_data(as_text=True)
    assert "Отсутствовала" in page and "Отсутствовал<" not in page
    with app.app_context():
        sms = db.session.execute(select(OutboxMessage).where(OutboxMessage.channel == "sms")).scalars().all()
        assert len(sms) == 1 and "Отсутствовала" in sms[0].body_text, [m.body_text for m in sms]
        mail = db.session.execute(select(OutboxMessage).where(OutboxMessage.channel == "email")).scalars().all()
        assert any("Отсутствовала" in m.body_text and m.body_text.startswith("Уважаемая Мария Петровна!")
                   for m in mail)


def test_the_boys_absence_and_the_roster_import_of_the_sex(app, school):
    from app.names import attendance_label

    with app.app_context():
        volkov, sokolova = db.session.get(Student, school["volkov"]), db.session.get(Student, school["sokolova"])
        assert (volkov.sex, sokolova.sex) == ("m", "f")  # the examples' «пол» column
        assert attendance_label("Б", volkov) == "Болел" and attendance_label("ОП", sokolova) == "Опоздала"
        unknown = Student(last_name="Сидоренко", first_name="Саша", middle_name="Андреевна")
        assert attendance_label("Н", unknown) == "Отсутствовала"  # from the patronymic
        assert attendance_label("Н", Student(last_name="Smith", first_name="Alex")) == "Отсутствие"


def test_the_clerk_sees_full_names_in_document_order(app, login_staff):
    client = login_staff(app.test_client(), "clerk239", "clerk12345")
    queue = " ".join(client.get("/applications/list/").get_data(as_text=True).split())
    assert "<th><a" in queue and ">ФИО" in queue and "<td>Петров Пётр Петрович</td>" in queue
    show = client.get(f"/applications/show/{find_application(app, 'Петров')}").get_data(as_text=True)
    assert "Петров Пётр Петрович" in show and "Петров Пётр Сергеевич" in show  # the pupil, the parent
    assert "Пётр Сергеевич Петров" not in show


def test_the_roster_keeps_the_pupils_sex(app, login_staff):
    client = login_staff(app.test_client(), "admin", "admin12345")
    form = {"last_name": "Сидоренко", "first_name": "Саша", "middle_name": "", "birth_date": "2014-05-01",
            "class_name": "5 «А»", "school": str(school_id(app, "239"))}
    hostile = client.post("/roster/add", data={**form, "sex": "x\x00"})
    assert hostile.status_code in (200, 400) and "Сидоренко" not in client.get("/roster/list/").get_data(as_text=True)
    assert client.post("/roster/add", data={**form, "sex": "f"}).status_code == 302
    with app.app_context():
        sasha = db.session.execute(select(Student).where(Student.last_name == "Сидоренко")).scalar_one()
        assert sasha.sex == "f" and sasha.name.declined("genitive") == "Сидоренко Саши"
    listing = client.get("/roster/list/").get_data(as_text=True)
    assert "женский" in listing and "мужской" in listing  # Сидоренко, and the demo's boys
    form["last_name"] = "Неизвестнов"
    assert client.post("/roster/add", data={**form, "sex": ""}).status_code == 302
    with app.app_context():
        assert db.session.execute(select(Student.sex).where(Student.last_name == "Неизвестнов")).scalar_one() is None


def test_invitations_decline_the_pupil_and_greet_the_invited_child(app, login_parent, smtp):
    parent = app.test_client()
    login_parent(parent, "parent-ivanova")
    with app.app_context():
        ivan = db.session.execute(select(Student.id).where(Student.last_name == "Иванов")).scalar_one()
        anna = db.session.execute(select(Student.id).where(Student.last_name == "Сидорова")).scalar_one()
    grant(app, "parent-ivanova", ivan)
    grant(app, "parent-ivanova", anna)
    assert invite(parent, ivan, email="nina@example.ru").status_code == 302
    assert invite(parent, anna, email="nina2@example.ru").status_code == 302
    assert invite(parent, ivan, email="ivan@example.ru", kind="student", scope="all").status_code == 302
    drain_outbox(app)

    def letter(address):
        (mail,) = smtp.mailbox.to(address)
        return " ".join(mail.get_body(("plain",)).get_content().split())

    assert ("Иванова Мария Петровна приглашает вас в электронный дневник обучающегося Иванова Ивана Ивановича"
            in letter("nina@example.ru"))
    assert "в электронный дневник обучающейся Сидоровой Анны Сергеевны" in letter("nina2@example.ru")
    child = letter("ivan@example.ru")
    assert child.startswith("Здравствуйте, Иван!") and "приглашает вас в ваш электронный дневник" in child


def test_the_login_keeps_the_three_parts_and_refuses_control_characters(app, login_parent):
    login_parent(app.test_client(), "parent-hostile", email="hostile@example.ru", family_name="Ку\x00знецова",
                 given_name="Анна\n", middle_name=["не", "строка"])
    login_parent(app.test_client(), "parent-name-only", email="only@example.ru", name="Орлова Вера Павловна")
    with app.app_context():
        hostile = db.session.get(User, citizen_id("parent-hostile"))
        assert (hostile.last_name, hostile.first_name, hostile.middle_name) == ("Кузнецова", "Анна", None)
        only = db.session.get(User, citizen_id("parent-name-only"))
        assert (only.last_name, only.first_name, only.middle_name) == ("Орлова", "Вера", "Павловна")
        assert only.get_full_name() == "Орлова Вера Павловна" and only.name.declined("dative") == "Орловой Вере Павловне"


def test_the_api_tells_the_pupils_sex(app, login_parent):
    parent = app.test_client()
    login_parent(parent, "parent-ivanova")
    with app.app_context():
        ivan = db.session.execute(select(Student.id).where(Student.last_name == "Иванов")).scalar_one()
    grant(app, "parent-ivanova", ivan)
    (pupil,) = parent.get("/api/v1/students/").json["result"]
    assert (pupil["full_name"], pupil["sex"]) == ("Иванов Иван Иванович", "m")


def test_the_roster_form_shows_the_stored_sex(app, login_staff):
    client = login_staff(app.test_client(), "admin", "admin12345")
    with app.app_context():
        anna = db.session.execute(select(Student.id).where(Student.last_name == "Сидорова")).scalar_one()
    form = client.get(f"/roster/edit/{anna}").get_data(as_text=True)
    assert '<option selected value="f">женский</option>' in form


@pytest.mark.parametrize("state, child, expected", [
    ("approved", {"last_name": "Сидорова", "first_name": "Анна", "middle_name": "Сергеевна", "birth_date": "2013-03-21"},
     "доступ к электронному дневнику обучающейся Сидоровой Анны Сергеевны предоставлен"),
    ("approved", None, "доступ к электронному дневнику обучающегося Иванова Ивана Ивановича предоставлен"),
    ("rejected", {"last_name": "Сидорова", "first_name": "Анна", "middle_name": "Сергеевна", "birth_date": "2013-03-21"},
     "на предоставление доступа к электронному дневнику обучающейся Сидоровой Анны Сергеевны."),
])
def test_the_decision_letters_decline_the_pupil(sqlite_app, state, child, expected):
    """«…к электронному дневнику обучающейся Сидоровой Анны Сергеевны», not «обучающегося
    Сидорова Анна Сергеевна»: the approval and rejection letters, in both parts."""
    from tests.helpers.workflow import drive

    with sqlite_app.app_context():
        application_id = drive(state, child=child)
        letters = [letter for letter in rendered(db.session.execute(select(OutboxMessage).where(
            OutboxMessage.channel == "email")).scalars().all()) if expected in letter.body_text]
        assert len(letters) == 1, [m.body_text for m in db.session.execute(select(OutboxMessage)).scalars()][-1]
        assert expected in " ".join(letters[0].body_html.split()), application_id


@pytest.mark.parametrize("days, expected", [(21, "в течение 21 дня никто"), (30, "в течение 30 дней никто"),
                                            (3, "в течение 3 дней никто")])
def test_the_expiry_letter_agrees_the_number_of_days(sqlite_app, monkeypatch, days, expected):
    """Babel's plural forms: «в течение 21 дня», not «21 дней», whatever EXPIRE_DAYS is."""
    from tests.helpers.workflow import drive

    monkeypatch.setitem(sqlite_app.config, "EXPIRE_DAYS", days)
    with sqlite_app.app_context():
        drive("expired")
        letter, = rendered(db.session.execute(select(OutboxMessage).where(OutboxMessage.channel == "email")
                                              .order_by(OutboxMessage.id.desc()).limit(1)).scalars())
        assert expected in letter.body_text and expected in " ".join(letter.body_html.split()), letter.body_text


def test_the_sent_application_names_a_girl_obuchayushchayasya(sqlite_app, login_parent):
    """A girl's application: «Обучающаяся: Сидорова Анна Сергеевна» on the page and in the letter."""
    client = sqlite_app.test_client()
    login_parent(client, "parent-ivanova")
    sent = client.post("/my/applications/new", data={
        "school_id": school_id(sqlite_app, "239"), "last_name": "Сидорова", "first_name": "Анна",
        "middle_name": "Сергеевна", "birth_date": "2013-03-21"})
    assert sent.status_code == 302
    page = " ".join(client.get(sent.headers["Location"]).get_data(as_text=True).split())
    assert "<dt>Обучающаяся</dt><dd>Сидорова Анна Сергеевна" in page
    with sqlite_app.app_context():
        letter, = rendered(db.session.execute(select(OutboxMessage).where(OutboxMessage.channel == "email")
                                              .order_by(OutboxMessage.id.desc()).limit(1)).scalars())
        assert "Обучающаяся: Сидорова Анна Сергеевна" in letter.body_text
