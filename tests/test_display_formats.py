"""Dates and moments look the same on every screen (app/formats.py, one style per kind): a birth
date is 09.07.2014 for the clerk, the parent, the printout and the letter; a moment is shown in
St. Petersburg's time; nothing outside app/formats.py formats a date for display by hand."""
import ast
import csv
import io
import re
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import Application, User
from tests.helpers.app import drain_outbox
from tests.helpers.data import school_id
from tests.helpers.web import bearer, teacher

APP = Path(__file__).resolve().parent.parent / "app"
BIRTH, SHOWN = "2014-07-09", "09.07.2014"
NOT_SHOWN = ("09/07/2014", "2014-07-09", "07/09/2014", "9 июл. 2014")
PARENT = dict(email="datova@example.ru", given_name="Дарья", family_name="Датова")


def visible(response):
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def assert_birth_date(page, where):
    assert SHOWN in page, where
    for wrong in NOT_SHOWN:
        assert wrong not in page, (where, wrong)


def submit(app, client):
    """The parent applies for Датов Данила (born 9 July 2014) at lyceum 239."""
    answer = client.post("/my/applications/new", data={
        "last_name": "Датов", "first_name": "Данила", "middle_name": "", "birth_date": BIRTH,
        "district": "", "school_id": str(school_id(app, "239"))})
    assert answer.status_code == 302, answer.data[:300]
    code = re.search(r"/my/applications/([0-9A-Z]{3}-[0-9A-Z]{3})", answer.headers["Location"]).group(1)
    with app.app_context():
        application_id = db.session.execute(select(Application.id).where(Application.code == code)).scalar_one()
    return code, application_id


def approve(app, application_id):
    """The clerk checks the passport and approves (API); the pupil's id in the roster."""
    api = app.test_client()
    headers = bearer(api, "clerk239")
    base = f"/api/v1/applications/{application_id}/transitions"
    assert api.post(f"{base}/verify_passport", json={"document_type": "passport_rf"}, headers=headers).status_code == 200
    assert api.post(f"{base}/approve", json={}, headers=headers).status_code == 200
    with app.app_context():
        return db.session.get(Application, application_id).student_id


def test_one_birth_date_reads_the_same_on_every_screen(sqlite_app, login_parent, login_staff, smtp):
    app = sqlite_app
    parent = app.test_client()
    login_parent(parent, "parent-datova", **PARENT)
    code, application_id = submit(app, parent)
    assert_birth_date(visible(parent.get(f"/my/applications/{code}")), "the parent's application page")
    drain_outbox(app)
    letters = smtp.mailbox.to(PARENT["email"])
    assert letters, "no «submitted» letter"
    for part in ("plain", "html"):
        assert_birth_date(letters[0].get_body((part,)).get_content(), f"the submitted e-mail ({part})")

    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    assert_birth_date(visible(clerk.get("/applications/list/?_flt_0_child_last_name=Датов")), "the clerk's queue")
    assert_birth_date(visible(clerk.get(f"/applications/show/{application_id}")), "the application page")
    printed = visible(clerk.get(f"/applications/{application_id}/print"))
    assert_birth_date(printed, "the printable application")

    student_id = approve(app, application_id)
    assert student_id
    admin = login_staff(app.test_client(), "admin", "admin12345")  # the roster is the admin's screen
    assert_birth_date(visible(admin.get("/roster/list/?_flt_0_last_name=Датов")), "the roster list")
    assert_birth_date(visible(admin.get(f"/roster/show/{student_id}")), "the roster's pupil")
    assert_birth_date(visible(parent.get("/my/students")), "«Обучающиеся»")
    assert_birth_date(visible(parent.get(f"/my/students/{student_id}")), "the pupil's profile")


def test_the_paper_application_names_the_month(sqlite_app, login_parent, login_staff):
    app = sqlite_app
    parent = app.test_client()
    login_parent(parent, "parent-datova", **PARENT)
    _code, application_id = submit(app, parent)
    with app.app_context():
        db.session.get(Application, application_id).created_at = datetime(2026, 1, 15, 21, 30)  # UTC
        db.session.commit()
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    printed = visible(clerk.get(f"/applications/{application_id}/print"))
    words = re.sub(r"[\u00a0\u202f]", " ", printed)  # Babel keeps «2026 г.» together (no-break space)
    assert "подано 16 января 2026 г.</p>" in words  # the St. Petersburg date of 21:30 UTC, in words


def test_logins_and_account_changes_show_in_st_petersburg_time(sqlite_app, login_staff):
    """FAB printed the stored UTC: a clerk who logged in at 00:30 saw 21:30 of the day before."""
    app = sqlite_app
    admin = login_staff(app.test_client(), "admin", "admin12345")
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == "clerk239")).scalar_one()
        user.last_login = datetime(2026, 1, 15, 21, 30)  # UTC: 16 January, 00:30 in St. Petersburg
        user.created_on = datetime(2025, 12, 31, 21, 5)  # 1 January 2026, 00:05
        user.changed_on = datetime(2026, 3, 1, 9, 0)  # 12:00
        db.session.commit()
        clerk_id = user.id
    profile = visible(clerk.get("/users/userinfo/"))
    assert "16.01.2026 00:30" in profile and "21:30" not in profile
    shown = visible(admin.get(f"/users/show/{clerk_id}"))
    for moment in ("16.01.2026 00:30", "01.01.2026 00:05", "01.03.2026 12:00"):
        assert moment in shown, moment
    assert "21:30" not in shown and "2025" not in shown


def test_the_week_page_spans_its_days(app, pupil_world):
    client, volkov = pupil_world["parent-ivanova"], pupil_world["volkov"]
    week = visible(client.get(f"/my/students/{volkov}/diary?week=2026-11-25"))
    assert "23.11 – 28.11.2026" in week and "Понедельник, 23.11" in week  # a six-day school week
    new_year = visible(client.get(f"/my/students/{volkov}/diary?week=2026-12-30"))
    assert "28.12.2026 – 02.01.2027" in new_year  # across a New Year each end has its year


def test_the_journal_heads_its_columns_with_short_days(app, school):
    grid = visible(teacher(app).get(f"/journal/{school['algebra']}?from=2026-11-01&to=2026-11-30"))
    heads = re.findall(r'<th scope="col" title="[^"]*"[^>]*>\s*<a [^>]*>([^<]*)<br>', grid)
    assert "23.11" in heads and all(re.fullmatch(r"\d\d\.\d\d", h) for h in heads), heads
    assert re.search(r"<td>23\.11\.2026, \d+</td>", grid)  # the lessons' list: full dates


def test_report_exports_keep_dates_as_dates(sqlite_app, login_staff):
    """XLSX: a real date cell shown as ДД.ММ.ГГГГ ЧЧ:ММ (St. Petersburg); CSV: the same text."""
    from openpyxl import load_workbook

    app = sqlite_app
    with app.app_context():
        oldest = db.session.execute(select(Application).order_by(Application.created_at)).scalars().first()
        oldest.created_at = datetime(2026, 1, 15, 21, 30)
        db.session.commit()
    admin = login_staff(app.test_client(), "admin", "admin12345")
    sheet = load_workbook(io.BytesIO(admin.get("/reports/backlog?days=0&format=xlsx").data)).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    column = header.index("Самое старое с")
    cells = [row[column] for row in sheet.iter_rows(min_row=2)]
    assert cells and all(c.is_date for c in cells)
    assert datetime(2026, 1, 16, 0, 30) in [c.value for c in cells]
    assert {c.number_format for c in cells} == {"DD.MM.YYYY HH:MM"}
    text = admin.get("/reports/backlog?days=0&format=csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert "16.01.2026 00:30" in [row[column] for row in rows[1:]]


def test_every_staff_screen_formats_its_dates(sqlite_app):
    """Each Date, DateTime and Time column on a FAB list or show page (the project's views and
    FAB's own user views) goes through the service's formats: FAB would print 2014-07-09."""
    from datetime import date, time

    from sqlalchemy import types

    samples = {types.DateTime: (datetime(2026, 1, 15, 21, 30), r"\d\d\.\d\d\.\d{4} \d\d:\d\d(:\d\d)?"),
               types.Date: (date(2014, 7, 9), r"09\.07\.2014"), types.Time: (time(18, 30), r"18:30")}
    checked = []
    with sqlite_app.test_request_context("/"):
        for view in sqlite_app.appbuilder.baseviews:
            columns = getattr(getattr(view, "datamodel", None), "list_columns", None)
            if not isinstance(columns, dict):
                continue
            shown = set(getattr(view, "list_columns", None) or []) | set(getattr(view, "show_columns", None) or [])
            for fieldsets in (getattr(view, "show_fieldsets", None), getattr(view, "user_show_fieldsets", None)):
                shown |= {name for _title, fields in fieldsets or [] for name in fields["fields"]}
            for name in sorted(shown):
                kind = next((k for k in samples if isinstance(getattr(columns.get(name), "type", None), k)), None)
                if kind is None:
                    continue
                value, pattern = samples[kind]
                formatter = (view.formatters_columns or {}).get(name)
                text = str(formatter(value)) if formatter else str(value)
                assert re.fullmatch(pattern, text), (type(view).__name__, name, text)
                checked.append(f"{type(view).__name__}.{name}")
    assert {"StudentView.birth_date", "UserDBModelView.last_login", "ApplicationView.created_at"} <= set(checked)


def test_a_pupil_and_reception_hours_read_the_same_without_an_app():
    """str() of a row (select boxes, scripts, logs) uses the same formats, even outside the app."""
    from datetime import date, time

    from app.models import ReceptionSlot, Student

    pupil = Student(last_name="Датов", first_name="Данила", birth_date=date(2014, 7, 9), class_name="2 «А»")
    assert str(pupil) == "Датов Данила (09.07.2014, 2 «А»)"
    slot = ReceptionSlot(weekday=4, time_from=time(15), time_to=time(18, 30), room="каб. 63")
    assert str(slot).endswith(" 15:00–18:30, каб. 63")  # (the weekday's name needs the app's catalogue)


# --------------------------------------------------------------------------- the guard
# Machine formats, not display: (module, the format given) -> what reads it. A template that must
# give a machine value lists only its file.
MACHINE_FORMATS = {
    ("auth/esia_client.py", "TIMESTAMP_FORMAT"): "ESIA's request timestamp (yyyy.MM.dd HH:mm:ss Z)",
    ("api/schemas.py", '"%H:%M"'): "the API's lesson times and reception hours (HourMinute)",
    ("diary/imports/readers.py", '"%Y-%m-%d"'): "import cells read back to text for the parsers",
    ("diary/imports/readers.py", '"%H:%M"'): "import cells read back to text for the parsers",
    ("notify/mail.py", "%Y%m%d-%H%M%S"): "file names of letters written to MAIL_DIR",
    ("notify/sms.py", "%Y%m%d-%H%M%S"): "file names of SMS written to SMS_DIR",
    ("workflow/outbox_alerts.py", "%Y%m%d%H"): "the alert's idempotency key (one per hour)",
    ("portal/templates/portal/settings.html", None): "<input type=time> values (HH:MM)",
}
FORMATS_MODULE = "formats.py"


def _python_formats(path):
    """strftime calls and f-string date specs ({d:%d.%m.%Y}) in one module: (line, format given)."""
    source = path.read_text(encoding="utf-8")
    found = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "strftime":
            found.append((node.lineno, ast.get_source_segment(source, node.args[0]) if node.args else ""))
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            spec = "".join(v.value for v in node.format_spec.values if isinstance(v, ast.Constant))
            if "%" in spec:
                found.append((node.lineno, spec))
    return found


TEMPLATE_FORMATS = re.compile(r"\.strftime\(|\|\s*local\b|\|\s*datetimeformat|\|\s*dateformat")


def test_nothing_outside_the_formats_module_formats_dates_by_hand():
    offenders, used = [], set()
    for path in sorted(APP.rglob("*.py")):
        name = path.relative_to(APP).as_posix()
        if name == FORMATS_MODULE:
            continue
        for line, given in _python_formats(path):
            if (name, given) in MACHINE_FORMATS:
                used.add((name, given))
            else:
                offenders.append(f"app/{name}:{line}: {given}")
    for path in sorted(p for p in APP.rglob("*") if p.suffix in (".html", ".txt") and "templates" in p.parts):
        name = path.relative_to(APP).as_posix()
        if (name, None) in MACHINE_FORMATS:
            used.add((name, None))
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if TEMPLATE_FORMATS.search(line):
                offenders.append(f"app/{name}:{number}: {TEMPLATE_FORMATS.search(line).group(0)}")
    assert not offenders, ("format dates with app/formats.py (|date, |datetime, |time, |day, |long_date, "
                           "week_span) — or list a machine format in MACHINE_FORMATS:\n" + "\n".join(offenders))
    assert used == set(MACHINE_FORMATS), f"stale exceptions: {set(MACHINE_FORMATS) - used}"


def test_remembered_moments_are_what_flask_babel_gives(app):
    """formats.datetime keeps naive moments per process (_naive_moment): the same text as
    flask_babel.format_datetime, across midnight, the seconds and a wall-clock time."""
    import flask_babel

    from app import formats

    with app.test_request_context():
        for value in (datetime(2026, 3, 1, 20, 59, 5), datetime(2026, 3, 1, 21, 0), datetime(2014, 7, 9, 14, 30)):
            for _ in range(2):  # computed, then remembered
                assert formats.datetime(value) == flask_babel.format_datetime(value, formats.DATETIME)
                assert formats.datetime(value, seconds=True) == flask_babel.format_datetime(
                    value, formats.DATETIME_SECONDS)
                assert formats.datetime(value, utc=False) == flask_babel.format_datetime(
                    value, formats.DATETIME, rebase=False)
                assert formats.time(value) == flask_babel.format_datetime(value, formats.TIME)
