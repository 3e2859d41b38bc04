"""Screen labels: one English msgid that means two things in Russian carries a gettext context
(the school subject is «Предмет», a message's subject is «Тема»; a date range is «С … по …»,
a state change «Прежний статус → Новый статус»), and every stored code's label lives beside its
code in one LabeledEnum (app/models/labels.py), never in a parallel LABELS dict."""
import json
import re
from datetime import date
from pathlib import Path

from flask_babel import force_locale
from sqlalchemy import select

from app.extensions import db
from app.models import (
    ApplicationState,
    AuditEvent,
    Grade,
    GradeKind,
    LabeledEnum,
    OutboxMessage,
    Subject,
)
from tests.helpers.web import teacher

APP = Path(__file__).resolve().parent.parent / "app"


def heads(html):
    """The texts of the table's column heads, in order."""
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"(?s)<th\b[^>]*>(.*?)</th>", html)]


def page(client, path):
    answer = client.get(path)
    assert answer.status_code == 200, path
    return answer.get_data(as_text=True)


def test_the_school_subject_column_reads_predmet_on_the_family_pages(app, pupil_world):
    volkov = pupil_world["volkov"]
    with app.app_context():  # a quarter grade, so that «Итоговые оценки» has a table
        algebra = db.session.execute(select(Subject.id).where(Subject.name == "Алгебра")).scalars().first()
        db.session.add(Grade(student_id=volkov, subject_id=algebra, date=date(2026, 10, 30), value="5",
                             kind=GradeKind.QUARTER))
        db.session.commit()
    parent = pupil_world["parent-ivanova"]
    term = "?from=2026-09-01&to=2026-12-31"
    for section in ("results", "attendance", "stats"):
        html = page(parent, f"/my/students/{volkov}/{section}{term}")
        assert heads(html)[0] == "Предмет", (section, heads(html))
        assert "Тема" not in heads(html), section
    results = page(parent, f"/my/students/{volkov}/results")
    assert "Алгебра" in results and "<strong>5</strong>" in results


def test_the_teachers_journal_list_reads_predmet_and_a_lessons_topic_reads_tema(app, school):
    client = teacher(app)
    index = page(client, "/journal/")
    assert heads(index)[:2] == ["Класс", "Предмет"]
    assert "<h2>Электронный журнал</h2>" in index  # as its menu item says (the logs' menu is «Журналы»)
    grid = heads(page(client, f"/journal/{school['algebra']}?from=2026-11-01&to=2026-11-30"))
    assert "Тема" in grid and "Домашнее задание" in grid and "Предмет" not in grid


def test_a_messages_subject_reads_tema(app, pupil_world, login_staff):
    parent = pupil_world["parent-ivanova"]
    form = page(parent, f"/my/students/{pupil_world['volkov']}/messages")
    assert re.search(r'<label for="subject">Тема</label>', form)
    with app.app_context():
        db.session.add(OutboxMessage(recipient="ivanova@example.ru", subject="Новая оценка", body_text="5",
                                     idempotency_key="labels-test"))
        db.session.commit()
    admin = login_staff(app.test_client(), "admin", "admin12345")
    outbox = heads(page(admin, "/outbox/list/"))
    assert "Тема" in outbox and "Предмет" not in outbox


def test_date_ranges_read_s_po_and_their_button_pokazat(app, pupil_world):
    html = page(pupil_world["parent-ivanova"], f"/my/students/{pupil_world['volkov']}/grades")
    form = re.search(r'(?s)<form class="period".*?</form>', html).group(0)
    labels = [re.sub(r"<[^>]+>", "", label).strip() for label in re.findall(r"(?s)<label>(.*?)</label>", form)]
    assert labels == ["С", "По"]
    assert ">Показать</button>" in form
    assert "· Текущая" in html  # the kind of a grade qualifies «оценка»


def test_the_audit_log_names_the_states_before_and_after(app, login_staff):
    with app.app_context():
        db.session.add(AuditEvent(actor_label="Тест", action="approve", object_type="application", object_id=1,
                                  from_state=ApplicationState.PASSPORT_VERIFIED, to_state=ApplicationState.APPROVED))
        db.session.commit()
        stored = db.session.execute(select(AuditEvent.to_state).where(AuditEvent.action == "approve")).scalar_one()
        assert type(stored) is str and stored == "approved"  # the database keeps the plain code
    admin = login_staff(app.test_client(), "admin", "admin12345")
    html = page(admin, "/audit/list/")
    assert {"Прежний статус", "Новый статус"} <= set(heads(html)) and not {"С", "До"} & set(heads(html))
    assert "Паспорт проверен" in html and "Одобрено" in html and "Заявление" in html
    assert ">passport_verified<" not in html and ">application<" not in html


def test_the_user_account_reads_in_one_gender(app, login_staff):
    admin = login_staff(app.test_client(), "admin", "admin12345")
    with app.app_context():
        admin_id = app.appbuilder.sm.find_user(username="admin").id
    html = page(admin, f"/users/show/{admin_id}")
    assert "Создана" in html and "Кем создана" in html and "Изменена" in html
    assert "Создано" not in html


def test_notification_settings_name_the_channels_in_russian(app, pupil_world):
    html = page(pupil_world["parent-ivanova"], "/my/settings")
    boxes = re.findall(r'aria-label="([^"]*)"', html)
    assert "Новые оценки: Эл. почта" in boxes and "Новые оценки: СМС" in boxes and "Новые оценки: Сводка" in boxes
    assert not [label for label in boxes if re.search(r": (email|sms|digest)$", label)]


def test_every_label_is_russian(sqlite_app):
    enums = LabeledEnum.__subclasses__()
    names = {enum.__name__ for enum in enums}
    assert {"ApplicationState", "DocumentType", "Relation", "Scope", "InvitationState", "OutboxStatus",
            "PeriodKind", "GradeKind", "AttendanceMark", "AuditObject", "AuditAction", "NotificationKind",
            "NotificationChannel", "RoleName"} <= names
    with sqlite_app.test_request_context(), force_locale("ru"):
        for enum in enums:
            labels = enum.labels()
            assert list(labels) == [member.value for member in enum]
            for member in enum:
                english = member.label._args[-1]  # the msgid: lazy_(p)gettext's last argument
                russian = str(member.label)
                assert russian and russian != english, (enum.__name__, member.value, russian)
                assert re.search("[а-яё]", russian, re.I), (enum.__name__, russian)
                assert labels[member.value] == russian


def test_members_are_their_stored_codes():
    assert ApplicationState.SUBMITTED == "submitted" and isinstance(ApplicationState.SUBMITTED, str)
    assert json.dumps({"state": ApplicationState.APPROVED}) == '{"state": "approved"}'
    assert ApplicationState.label_for("no-such-state") == "no-such-state" and ApplicationState.label_for(None) == ""
    assert ApplicationState.get(["a list from JSON"]) is None
    assert ApplicationState.ACTIVE == ("submitted", "passport_verified") and len(ApplicationState.ALL) == 7
    assert [code for code, _label in GradeKind.choices()] == [
        "current", "test", "independent", "homework", "practical", "dictation", "quarter", "half_year", "year", "exam"]


def test_no_parallel_labels_dicts_remain():
    found = []
    for path in sorted(APP.rglob("*")):
        if path.suffix not in {".py", ".html", ".txt"}:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\b\w*LABELS\s*=\s*\{|\.LABELS\b|\b(DOCUMENT_TYPES|AUDIT_OBJECTS|AUDIT_ACTIONS)\b", line):
                found.append(f"{path.relative_to(APP.parent)}:{number}: {line.strip()}")
    assert not found, "labels belong to a LabeledEnum (app/models/labels.py):\n" + "\n".join(found)


def test_a_missing_patronymic_is_a_dash_in_the_users_list(app, login_staff):
    """FAB prints an empty (NULL) column as the English «None»: the users list shows «—»."""
    admin = login_staff(app.test_client(), "admin", "admin12345")
    for path in ("/users/list/", "/users/list/?psize_UserDBModelView=100"):
        html = page(admin, path)
        assert ">None<" not in re.sub(r">\s+", ">", re.sub(r"\s+<", "<", html)), path
