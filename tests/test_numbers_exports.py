"""Numbers as Russian writes them and exports a Russian Excel opens: a decimal comma in the report
tables, the family's averages, the new grade's e-mail and the CSV (where «3.94» would turn into a date), whole numbers
grouped with a no-break space; CSV in UTF-8 with a BOM and `;`; an export's file name says what
and when («Охват_ГБОУ_лицей_№_239_2026-12-02.csv», RFC 5987 `filename*`)."""
import csv
import io
import re
from urllib.parse import quote

from openpyxl import load_workbook
from sqlalchemy import select

from app import clock, formats
from app.extensions import db
from app.models import AccessGrant, School, Student, User
from app.reports.export import content_disposition, file_name


def refreshed(app):
    assert app.test_cli_runner().invoke(args=["reports", "refresh", "--full"]).exit_code == 0


def lyceum(app):
    with app.app_context():
        school = db.session.execute(select(School).where(School.number == "239")).scalar_one()
        return school.id, school.name, school.district.name


def test_the_helpers_write_numbers_the_russian_way(app):
    with app.test_request_context("/"):
        assert formats.decimal(4.9) == "4,90"
        assert formats.number(4.756) == "4,76" and formats.number(3) == "3"
        assert formats.number(1234567) == "1\u00a0234\u00a0567"
        assert formats.percent(0.456) == "46\u00a0%"
        assert formats.plain_decimal(1234.5) == "1234,5" and formats.plain_decimal(7) == 7
    assert file_name("Воронка", "Адмиралтейский район", day=clock.today().replace(2026, 12, 1), ext="xlsx") \
        == "Воронка_Адмиралтейский_район_2026-12-01.xlsx"
    assert file_name('a/b\\c:"d"\x00', "", day=clock.today().replace(2026, 12, 1)) == "a_b_c_d_2026-12-01.csv"


def test_coverage_table_and_csv_have_a_decimal_comma_a_bom_and_a_named_file(app, login_staff):
    school_id, school_name, _district = lyceum(app)
    with app.app_context():  # one of the class's pupils gets a representative: a share of 33,3 % or so
        parent = db.session.execute(select(User.id).where(User.username == "admin")).scalar_one()
        pupil = db.session.execute(select(Student.id).where(Student.last_name == "Иванов")).scalar_one()
        db.session.add(AccessGrant(user_id=parent, student_id=pupil))
        db.session.commit()
    refreshed(app)
    supervisor = login_staff(app.test_client(), "supervisor", "super12345")

    page = supervisor.get("/reports/coverage").get_data(as_text=True)  # the district by school
    shares = re.findall(r"<td>(\d+[.,]\d+)</td>", page)
    assert shares and all("," in share for share in shares), page[page.find("<table"):][:3000]

    exported = supervisor.get(f"/reports/coverage?school={school_id}&format=csv")
    assert exported.status_code == 200
    assert exported.data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads the Cyrillic
    assert exported.mimetype == "text/csv"
    text = exported.data.decode("utf-8-sig")
    assert text.splitlines()[0] == "Класс;Обучающиеся;С подключённым представителем;Доля, %"
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))[1:]
    assert rows and all(re.fullmatch(r"\d+,\d+", row[3]) for row in rows), rows  # never «33.3»
    today = clock.today().isoformat()
    name = f"Охват_{'_'.join(school_name.split())}_{today}.csv"
    disposition = exported.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    assert f'filename="coverage_{today}.csv"' in disposition  # an ASCII name for old clients

    book = supervisor.get(f"/reports/coverage?school={school_id}&format=xlsx")
    assert quote(f"Охват_{'_'.join(school_name.split())}_{today}.xlsx", safe="") in book.headers["Content-Disposition"]
    cells = [row[3].value for row in load_workbook(io.BytesIO(book.data)).active.iter_rows(min_row=2)]
    assert cells and all(isinstance(v, (int, float)) for v in cells)  # numbers stay number cells


def test_a_district_funnel_is_named_after_the_district(app, login_staff):
    _school_id, _name, district = lyceum(app)
    refreshed(app)
    supervisor = login_staff(app.test_client(), "supervisor", "super12345")
    answer = supervisor.get("/reports/funnel?format=xlsx")
    assert answer.status_code == 200
    expected = f"Воронка_{'_'.join(district.split())}_{clock.today().isoformat()}.xlsx"
    assert quote(expected, safe="") in answer.headers["Content-Disposition"]
    assert content_disposition("Итоги.csv", "results.csv") == \
        "attachment; filename=\"results.csv\"; filename*=UTF-8''%D0%98%D1%82%D0%BE%D0%B3%D0%B8.csv"


def test_the_new_grade_email_gives_the_subjects_average_with_a_decimal_comma(app, school, login_parent, smtp):
    from datetime import date, timedelta

    from app.models import Grade, Identity, Lesson, NotificationPreference
    from app.workflow.outbox import deliver_one
    from tests.helpers.data import citizen_id, grant
    from tests.helpers.web import teacher

    login_parent(app.test_client(), "parent-ivanova")
    grant(app, "parent-ivanova", school["volkov"])
    with app.app_context():
        lesson = db.session.get(Lesson, school["algebra_lesson"])
        for days, value in ((10, "4"), (8, "4")):  # earlier algebra grades: 4, 4 and now a 5 -> 4,33
            db.session.add(Grade(student_id=school["volkov"], subject_id=lesson.subject_id, lesson_id=None,
                                 date=lesson.date - timedelta(days=days), value=value, kind="current"))
        db.session.add(NotificationPreference(user_id=citizen_id("parent-ivanova"), student_id=school["volkov"],
                                              kind="grade", email=True))
        db.session.commit()
    smtp.mailbox.clear()
    answer = teacher(app).post(f"/journal/{school['algebra']}/cell", json={
        "student_id": school["volkov"], "lesson_id": school["algebra_lesson"], "value": "5"})
    assert answer.status_code == 200, answer.json
    with app.app_context():
        while deliver_one(clock.utcnow() + timedelta(seconds=1)):
            pass
    (mail,) = smtp.mailbox.to("ivanova@example.ru")
    body = mail.get_body(("plain",)).get_content()
    assert "Средний балл по предмету: 4,33." in body, body
    assert "4.33" not in body
