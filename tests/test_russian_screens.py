"""No code words on Russian screens and no message said twice: the access log's «Что» and the audit
log's «Кто» in Russian («Оценки», «Система», «Импорт из прежней системы»), not `grades` or
`system`."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app.extensions import db
from app.models import Application, School
from app.workflow.expiry import expire_overdue
from tests.helpers.web import visible_text


def cells(html):
    """The texts of a page's table cells."""
    import re

    return [visible_text(cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]


def test_the_access_log_names_the_parts_that_were_opened(app, pupil_world):
    volkov = pupil_world["volkov"]
    assert pupil_world["papa-sergey"].get(f"/my/students/{volkov}/grades").status_code == 200
    assert pupil_world["papa-sergey"].get(f"/my/students/{volkov}/stats").status_code == 200
    assert pupil_world["tutor-oleg"].get(f"/my/students/{volkov}/diary").status_code == 200
    page = pupil_world["parent-ivanova"].get(f"/my/students/{volkov}").get_data(as_text=True)
    log = page[page.find("<h2>Журнал доступа"):] if "<h2>Журнал доступа" in page else page
    shown = cells(log)
    assert "Оценки" in shown and "Статистика и рейтинг" in shown and "Дневник" in shown, shown
    for code in ("grades", "stats", "diary", "profile"):
        assert code not in shown, (code, shown)


def test_the_audit_log_names_who_acted_in_russian(sqlite_app, login_parent, login_staff):
    parent = sqlite_app.test_client()
    login_parent(parent)
    with sqlite_app.app_context():
        school = db.session.execute(select(School).where(School.number == "239")).scalar_one()
        school_id, district_id = school.id, school.district_id
    assert parent.post("/my/applications/new", data={
        "last_name": "Забытов", "first_name": "Иван", "middle_name": "Иванович", "birth_date": "09.07.2014",
        "district_id": district_id, "school_id": school_id}).status_code == 302
    with sqlite_app.app_context():  # nobody came to the school: the scheduler expires it
        assert expire_overdue(now=datetime.now(timezone.utc) + timedelta(days=400))
        application_id = db.session.execute(select(Application.id).where(
            Application.child_last_name == "Забытов")).scalar_one()
    admin = login_staff(sqlite_app.test_client(), "admin", "admin12345")
    audit = visible_text(admin.get("/audit/list/").get_data(as_text=True))
    assert "Система" in audit
    assert "system" not in audit.split()
    show = visible_text(admin.get(f"/applications/show/{application_id}").get_data(as_text=True))
    assert "(Система)" in show and "(system)" not in show

    # the details in words: a failed attempt to link an old account with an unknown e-mail
    assert parent.post("/my/account/link", data={"email": "nobody@old.example.ru", "password": "x"}).status_code == 400
    with sqlite_app.app_context():
        from app.models import AuditEvent

        event_id = db.session.execute(select(AuditEvent.id).where(AuditEvent.action == "link_failed")).scalar_one()
    event = visible_text(admin.get(f"/audit/show/{event_id}").get_data(as_text=True))
    assert "Причина: нет прежней учётной записи с этим адресом" in event, event[-600:]
    assert "unknown_email" not in event and "reason" not in event


def test_import_errors_name_the_kinds_of_data_and_grades_in_russian(sqlite_app, login_staff):
    from tests.helpers.web import upload

    clerk = login_staff(sqlite_app.test_client(), "clerk239", "clerk12345")
    unknown = upload(clerk, "export.csv", "class\n5 «А»\n".encode())
    text = visible_text(unknown.get_data(as_text=True))
    assert unknown.status_code == 400
    assert "классы, предметы, учителя" in text and "оценки" in text, text[-800:]
    for code in ("classes", "subjects", "assignments", "attendance"):
        assert code not in text.split(), code
    grades = upload(clerk, "grades.csv", "student_id;subject;date;value;kind\nS-1;Алгебра;2026-09-01;5;bogus\n".encode())
    text = visible_text(grades.get_data(as_text=True))
    assert grades.status_code == 400
    assert "вид оценки: текущая, контрольная, самостоятельная, домашняя, практическая, диктант, четвертная, полугодовая, годовая или экзамен" in text, text[-800:]
    for code in ("current", "test", "quarter", "half_year", "year", "exam"):
        assert code not in text.replace(",", " ").split(), code


def test_the_login_statistics_are_drawn_with_our_chartjs_in_russian(sqlite_app, login_staff):
    import re

    admin = login_staff(sqlite_app.test_client(), "admin", "admin12345")
    login_staff(sqlite_app.test_client(), "clerk239", "clerk12345")
    answer = admin.get("/userstatschartview/chart/")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    scripts = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", page)
    assert not [src for src in scripts if src.startswith(("http:", "https:", "//"))], scripts
    assert any("chart.umd.js" in src for src in scripts), scripts
    text = visible_text(page)
    assert "Статистика входов" in text and "clerk239" in text
    assert "Login Count" not in page and "Failed Login Count" not in page
    assert "Login" not in text.split()
    clerk = login_staff(sqlite_app.test_client(), "clerk239", "clerk12345")
    assert clerk.get("/userstatschartview/chart/").status_code in (302, 403)  # administrators only


def test_roles_have_russian_names_and_permissions_are_marked_technical(sqlite_app, login_staff):
    import re

    admin = login_staff(sqlite_app.test_client(), "admin", "admin12345")
    answer = admin.get("/roles/list/")
    assert answer.status_code == 200
    shown = cells(answer.get_data(as_text=True))
    for english, russian in (("Clerk", "Ответственный"), ("Teacher", "Учитель"), ("Supervisor", "Специалист района")):
        assert english not in shown, shown
        assert any(cell.startswith(russian) for cell in shown), (russian, shown)
    text = visible_text(answer.get_data(as_text=True))
    assert "технически" in text  # FAB's permission names stay, marked as such
    with sqlite_app.app_context():
        from flask_appbuilder.security.sqla.models import Role

        clerk_role = db.session.execute(select(Role.id).where(Role.name == "Clerk")).scalar_one()
    show = visible_text(admin.get(f"/roles/show/{clerk_role}").get_data(as_text=True))
    assert "Ответственный" in show and not re.search(r"\bClerk\b", show)
    for path in ("/permissions/list/", "/viewmenus/list/", "/permissionviews/list/"):
        assert "технические имена" in visible_text(admin.get(path).get_data(as_text=True)), path


def body_text(response):
    """The visible text of a page's body (the <title> in the head is not on the screen)."""
    return visible_text(response.get_data(as_text=True).split("</head>", 1)[-1])


def test_each_message_is_said_once(sqlite_app, login_parent):
    parent = sqlite_app.test_client()
    login_parent(parent)
    with sqlite_app.app_context():
        school = db.session.execute(select(School).where(School.number == "239")).scalar_one()
        form = {"last_name": "Однажды", "first_name": "Иван", "middle_name": "Иванович", "birth_date": "09.07.2014",
                "district_id": school.district_id, "school_id": school.id}
    sent = parent.post("/my/applications/new", data=form)
    assert sent.status_code == 302
    page = body_text(parent.get(sent.headers["Location"]))
    assert page.count("Ваше заявление отправлено") == 1, page  # the heading, no flash saying it again
    assert page.lower().count("при себе иметь паспорт") == 1, page  # once, beside the reception hours

    again = parent.post("/my/applications/new", data=form)
    assert again.status_code == 400
    refusal = body_text(again)
    assert refusal.count("У вас уже есть заявление") == 1, refusal


def test_the_administrators_outbox_alert_names_the_channel_in_russian(sqlite_app):
    from app.models import OutboxMessage, OutboxStatus, utcnow
    from app.workflow.outbox_alerts import given_up
    from tests.helpers.data import outbox_alerts

    with sqlite_app.app_context():
        now = utcnow()
        failed = OutboxMessage(channel="sms", recipient="+79110000000", subject="", body_text="Оценка",
                               body_html="", idempotency_key="test:sms-given-up", status=OutboxStatus.FAILED,
                               attempts=3, failing_since=now - timedelta(days=3), last_error="HTTP 503")
        db.session.add(failed)
        db.session.flush()
        given_up(failed, now)
        db.session.commit()
        (alert,) = outbox_alerts()
        for body in (alert.body_text, visible_text(alert.body_html)):
            assert f"№ {failed.id} (СМС)" in body, body
        email = OutboxMessage(channel="email", recipient="x@example.ru", subject="Тема", body_text="",
                              body_html="", idempotency_key="test:email-given-up", status=OutboxStatus.FAILED,
                              attempts=3, failing_since=now, last_error="550")
        db.session.add(email)
        db.session.flush()
        given_up(email, now)
        db.session.commit()
        body = outbox_alerts()[0].body_text
        assert "(Эл. почта)" in body and "(email)" not in body, body
