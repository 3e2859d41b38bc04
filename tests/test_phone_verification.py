"""A mobile number for SMS: verified by the identity provider at login, or typed by the parent and
confirmed with a code that arrives by SMS through the outbox and the gateway on loopback; a wrong
code, an expired one (the service's clock moved on), a used one, and too many codes all refused in
Russian. SMS in the notification settings need a confirmed number."""
import re
from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Identity, OutboxMessage, PhoneCode
from app.notify.phones import normalize
from app.workflow.outbox import drain, retry
from tests.helpers.data import grant, import_examples, pupil_id
from tests.helpers.web import assert_russian, english_words

NUMBER = "+79031112233"


def parent(app, login_parent, sub, **claims):
    client = app.test_client()
    login_parent(client, sub, email=f"{sub}@example.ru", given_name="Анна", family_name="Смирнова", **claims)
    return client


def identity_phone(app, sub):
    with app.app_context():
        return db.session.execute(select(Identity.phone).where(Identity.subject == sub)).scalar_one()


def send_code(client, number="8 (903) 111-22-33"):
    return client.post("/my/settings/phone", data={"phone": number})


def sms_code(app, gateway):
    with app.app_context():
        drain()
    text = gateway.received[-1]["text"]
    return re.search(r"\b(\d{6})\b", text).group(1)


def test_numbers_are_russian_mobiles_in_e164():
    assert normalize("8 (903) 111-22-33") == normalize("+7 903 111 22 33") == normalize("9031112233") == NUMBER
    for bad in ("+7 812 123-45-67", "12345", "", None, "+1 202 555 0100", "+7 903\x00 111 22 33", "9" * 500, 79031112233):
        assert normalize(bad) is None


def test_code_arrives_by_sms_and_confirms_the_number_once(app, login_parent, gateway):
    client = parent(app, login_parent, "phone-anna")
    assert "Госуслуги не передали нам подтверждённый номер" in client.get("/my/settings/phone").get_data(as_text=True)
    answer = send_code(client)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/my/settings/phone/confirm")
    page = client.get("/my/settings/phone/confirm").get_data(as_text=True)
    assert "Мы отправили код в СМС на номер +7 903 111-22-33" in page and "Код действует 10 мин." in page
    assert_russian(client, "/my/settings/phone")
    assert_russian(client, "/my/settings/phone/confirm")
    code = sms_code(app, gateway)
    assert gateway.received[-1]["to"] == NUMBER and "Никому его не сообщайте" in gateway.received[-1]["text"]
    assert not english_words(gateway.received[-1]["text"])
    with app.app_context():  # neither the code nor a plain hash of it stays readable
        row = db.session.execute(select(PhoneCode)).scalar_one()
        assert code not in row.code_hash
        sms = db.session.execute(select(OutboxMessage).where(OutboxMessage.channel == "sms")).scalar_one()
        assert sms.status == "sent" and code not in sms.body_text
    wrong = "000000" if code != "000000" else "111111"
    refused = client.post("/my/settings/phone/confirm", data={"code": wrong})
    assert refused.status_code == 400 and "Код неверный. Осталось попыток: 4." in refused.get_data(as_text=True)
    assert client.post("/my/settings/phone/confirm", data={"code": "12\x0034"}).status_code == 400
    assert identity_phone(app, "phone-anna") == ""
    done = client.post("/my/settings/phone/confirm", data={"code": code})
    assert done.status_code == 302
    assert "Номер +7 903 111-22-33 подтверждён" in client.get("/my/settings").get_data(as_text=True)
    assert identity_phone(app, "phone-anna") == NUMBER
    again = client.post("/my/settings/phone/confirm", data={"code": code})  # single use
    assert again.status_code == 400 and "Код больше не действует" in again.get_data(as_text=True)


def test_an_expired_code_and_too_many_wrong_ones_are_refused(app, login_parent, gateway, monkeypatch):
    client = parent(app, login_parent, "phone-boris")
    send_code(client)
    code = sms_code(app, gateway)
    real = clock.utcnow
    monkeypatch.setattr(clock, "utcnow", lambda: real() + timedelta(minutes=11))
    late = client.post("/my/settings/phone/confirm", data={"code": code})
    assert late.status_code == 400 and "истёк срок" in late.get_data(as_text=True)
    monkeypatch.setattr(clock, "utcnow", real)
    assert identity_phone(app, "phone-boris") == ""
    send_code(client)
    code = sms_code(app, gateway)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        assert client.post("/my/settings/phone/confirm", data={"code": wrong}).status_code == 400
    last = client.post("/my/settings/phone/confirm", data={"code": wrong})
    assert "попыток больше не осталось" in last.get_data(as_text=True)
    locked = client.post("/my/settings/phone/confirm", data={"code": code})  # the right one, too late
    assert locked.status_code == 400 and identity_phone(app, "phone-boris") == ""


def test_sending_codes_is_rate_limited(app, login_parent, gateway, config):
    config(RATELIMIT_ENABLED=True)
    client = parent(app, login_parent, "phone-vera")
    for _ in range(3):
        assert send_code(client).status_code == 302
    refused = send_code(client)
    assert refused.status_code == 429
    assert "Коды отправлялись слишком часто. Новый код можно запросить через" in refused.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.execute(select(PhoneCode)).scalars().all()) == 3
        drain()
    assert len(gateway.received) == 3
    assert send_code(client, "+7 812 123-45-67").status_code == 400  # a landline: not even counted


def test_the_providers_verified_number_is_taken_and_an_unverified_one_is_not(app, login_parent):
    parent(app, login_parent, "phone-galina", phone_number="+7 (921) 555-44-33", phone_number_verified=True)
    assert identity_phone(app, "phone-galina") == "+79215554433"
    parent(app, login_parent, "phone-dmitry", phone_number="+7 921 555-44-34", phone_number_verified=False)
    assert identity_phone(app, "phone-dmitry") == ""


def test_sms_notifications_need_a_confirmed_number(app, login_parent, gateway):
    import_examples(app)
    volkov = pupil_id(app, "S-1002")
    client = parent(app, login_parent, "phone-egor")
    grant(app, "phone-egor", volkov)
    refused = client.post("/my/settings", data={f"{volkov}-grade-sms": "1"})
    assert refused.status_code == 400
    assert "СМС отправлять некуда: нет подтверждённого мобильного номера" in refused.get_data(as_text=True)
    send_code(client)
    client.post("/my/settings/phone/confirm", data={"code": sms_code(app, gateway)})
    assert client.post("/my/settings", data={f"{volkov}-grade-sms": "1"}).status_code == 302
    assert "Номер для СМС: <strong>+7 903 111-22-33</strong>" in client.get("/my/settings").get_data(as_text=True)


def test_demo_parents_have_confirmed_numbers(app):
    assert identity_phone(app, "parent-ivanova") == "+79211234567"
    assert identity_phone(app, "parent-petrov") == "+79217654321"


def test_a_code_sms_the_gateway_never_took_is_wiped_and_not_sent_again(app, login_parent, gateway, monkeypatch):
    client = parent(app, login_parent, "phone-zhanna")
    gateway.failing = True
    send_code(client)
    real = clock.utcnow
    with app.app_context():
        for days in (0, 1, 5):  # retries through the outage, then the outbox gives up
            monkeypatch.setattr(clock, "utcnow", lambda days=days: real() + timedelta(days=days, seconds=1))
            drain()
        sms = db.session.execute(select(OutboxMessage).where(OutboxMessage.channel == "sms")).scalar_one()
        assert sms.status == "failed" and not re.search(r"\d{6}", sms.body_text)
        assert retry(sms) is False


def test_hostile_numbers_and_codes_get_a_russian_400(app, login_parent):
    client = parent(app, login_parent, "phone-ilya")
    for bad in ("+7 903 111 22 3\x00", "\x00", "9" * 100_000, "<script>", ""):  # (NUL: stripped by the app)
        answer = client.post("/my/settings/phone", data={"phone": bad})
        assert answer.status_code == 400 and "Это не российский мобильный номер" in answer.get_data(as_text=True)
    assert client.post("/my/settings/phone/confirm", data={"code": "1" * 100_000}).status_code == 400
    with app.app_context():
        assert db.session.execute(select(OutboxMessage).where(OutboxMessage.channel == "sms")).first() is None
    stranger = app.test_client()
    assert stranger.post("/my/settings/phone", data={"phone": NUMBER}).status_code == 302  # to the landing page
