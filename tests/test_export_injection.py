"""Exports against CSV/formula injection (OWASP): a class named like a formula, imported by a
clerk through the real import page, reaches the supervisor's coverage export as text — in CSV with
a leading apostrophe, in XLSX as a string cell (read back with openpyxl), never as a formula; the
report's numbers stay numbers, a negative one included."""
import csv
import io

from openpyxl import load_workbook

from app.reports.export import to_csv, to_xlsx
from tests.helpers.data import school_id
from tests.helpers.web import upload

EVIL = '=HYPERLINK("//x.io")'
HOSTILE = [EVIL, "+7(812)", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def test_a_formula_class_name_is_text_in_the_supervisors_coverage_export(app, login_staff):
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    students = ("student_id;last_name;first_name;middle_name;birth_date;class\n"
                f'S-9001;Соколова;Дарья;;2013-02-14;"{EVIL.replace(chr(34), chr(34) * 2)}"\n'
                "S-9002;Волков;Максим;;2012-09-15;@SUM(A1)\n").encode()
    answer = upload(clerk, "students.csv", students)
    assert answer.status_code == 200, answer.get_data(as_text=True)[-2000:]
    lyceum = school_id(app, "239")
    supervisor = login_staff(app.test_client(), "supervisor", "super12345")
    exported = supervisor.get(f"/reports/coverage?school={lyceum}&format=csv")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    by_unit = {row[0]: row for row in rows[1:]}
    assert "'" + EVIL in by_unit and "'@SUM(A1)" in by_unit
    assert EVIL not in by_unit and not any(unit.startswith(("=", "@")) for unit in by_unit)
    assert by_unit["'" + EVIL][1:3] == ["1", "0"]  # pupils, connected: plain numbers

    exported = supervisor.get(f"/reports/coverage?school={lyceum}&format=xlsx")
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.data)).active
    cells = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    for name in (EVIL, "@SUM(A1)"):
        unit, pupils = cells[name][0], cells[name][1]
        assert unit.data_type == "s" and unit.value == name  # a string, not a formula
        assert pupils.data_type == "n" and pupils.value == 1
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_every_dangerous_start_is_neutralised_and_numbers_stay_numbers():
    columns = [("unit", "Класс"), ("value", "Значение")]
    rows = [{"unit": text, "value": -5} for text in HOSTILE] + [{"unit": "5 «А»", "value": 2.5}]

    parsed = list(csv.reader(io.StringIO(to_csv(columns, rows).decode("utf-8-sig"), newline=""), delimiter=";"))
    assert [row[0] for row in parsed[1:]] == ["'" + text for text in HOSTILE] + ["5 «А»"]
    assert {row[1] for row in parsed[1:-1]} == {"-5"} and parsed[-1][1] == "2,5"  # numbers: not quoted, a decimal comma

    sheet = load_workbook(io.BytesIO(to_xlsx("Охват", columns, rows))).active
    values = list(sheet.iter_rows(min_row=2))
    stored = [text.replace("\r", "\n") for text in HOSTILE]  # XML reads a CR back as LF
    assert [(r[0].value, r[0].data_type) for r in values] == [(text, "s") for text in stored] + [("5 «А»", "s")]
    assert all(r[0].quotePrefix for r in values[:-1]) and not values[-1][0].quotePrefix
    assert [(r[1].value, r[1].data_type) for r in values] == [(-5, "n")] * len(HOSTILE) + [(2.5, "n")]
