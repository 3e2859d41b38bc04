"""Imports of the school system's exports: every example file, re-import, updates, errors by
file/line/column in Russian with nothing saved, XLSX and JSON, the CLI."""
import pytest
from sqlalchemy import select

from app.diary.imports import ImportFailed, import_file
from app.extensions import db
from app.models import (
    Attendance, ClassMembership, Grade, Lesson, SchoolClass, Student, Subject, TeachingAssignment,
)

from tests.helpers.data import EXAMPLE_FILES as ORDER
from tests.helpers.data import EXAMPLE_SCHOOL as SCHOOL
from tests.helpers.data import EXAMPLES, count, import_examples


def test_examples_import_and_reimport_is_idempotent(app):
    with app.app_context():
        reports = import_examples()
        # 6 «А» exists already: the demo roster's Иванов Иван is in it (app.demo)
        assert [r.created for r in reports] == [1, 4, 2, 3, 3, 3, 4, 2, 1]
        totals = {m: count(m) for m in (SchoolClass, Subject, TeachingAssignment, Student,
                                        ClassMembership, Lesson, Grade, Attendance)}
        again = import_examples()
        assert all(r.created == 0 and r.updated == 0 for r in again), [r.summary() for r in again]
        assert totals == {m: count(m) for m in totals}
        pupil = db.session.execute(select(Student).where(Student.external_id == "S-1002")).scalar_one()
        assert (pupil.last_name, pupil.class_name, str(pupil.birth_date)) == ("Волков", "7 «Б»", "2012-09-15")
        grade = db.session.execute(select(Grade).where(Grade.student_id == pupil.id,
                                                       Grade.remark != "")).scalar_one()
        assert grade.value == "3" and grade.lesson_id is not None


def test_changed_values_are_updated_not_duplicated(app, tmp_path):
    with app.app_context():
        import_examples()
        changed = (EXAMPLES / "grades.csv").read_text(encoding="utf-8").replace(
            "S-1002;Алгебра;2026-11-23;3;", "S-1002;Алгебра;2026-11-23;4;")
        path = tmp_path / "grades.csv"
        path.write_text(changed, encoding="utf-8")
        before = count(Grade)
        report = import_file(path, SCHOOL)
        assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
        assert count(Grade) == before


def test_bad_file_reports_every_problem_in_russian_and_saves_nothing(app, tmp_path):
    with app.app_context():
        import_examples()
        before = count(Grade)
        path = tmp_path / "grades-7b.csv"
        path.write_text(
            "student_id;subject;date;value;kind;number\n"
            "S-1001;Алгебра;2026-11-23;6;current;1\n"  # line 2: no such grade
            "S-9999;Алгебра;2026-11-23;5;current;1\n"  # line 3: unknown pupil
            "S-1001;Химия;2026-11-23;5;current;1\n"  # line 4: unknown subject
            "S-1001;Алгебра;31.02.2026;5;current;1\n"  # line 5: no such date
            "S-1002;Алгебра;2026-11-23;5;current;7\n"  # line 6: no such lesson
            "S-1003;Литература;2026-11-24;5;;1\n",  # line 7: fine, but the file fails as a whole
            encoding="utf-8")
        with pytest.raises(ImportFailed) as failure:
            import_file(path, SCHOOL)
        text = str(failure.value)
        assert "grades-7b.csv, строка 2, столбец «value»: оценка 1–5" in text
        assert "строка 3, столбец «student_id»: обучающийся с таким идентификатором не найден" in text
        assert "строка 4, столбец «subject»: предмет не найден" in text
        assert "строка 5, столбец «date»" in text
        assert "строка 6, столбец «number»: нет такого урока" in text
        assert "строка 7" not in text
        assert count(Grade) == before


def test_missing_column_and_unknown_kind_are_explained(app, tmp_path):
    with app.app_context():
        path = tmp_path / "students.csv"
        path.write_text("student_id;last_name\nS-1;Иванов\n", encoding="utf-8")
        with pytest.raises(ImportFailed) as failure:
            import_file(path, SCHOOL)
        assert "столбец «birth_date»: нет обязательного столбца" in str(failure.value)
        other = tmp_path / "export.csv"
        other.write_text("a;b\n1;2\n", encoding="utf-8")
        with pytest.raises(ImportFailed) as failure:
            import_file(other, SCHOOL)
        assert "не удалось определить вид данных" in str(failure.value)


def test_xlsx_students(sqlite_app, tmp_path):
    from datetime import date

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["student_id", "last_name", "first_name", "middle_name", "birth_date", "class"])
    sheet.append(["X-1", "Новикова", "Ева", None, date(2014, 1, 2), "6 «А»"])
    sheet.append([1002, "Морозов", "Лев", "Ильич", "2013-03-04", "7 «Б»"])
    path = tmp_path / "Обучающиеся.xlsx"
    book.save(path)
    with sqlite_app.app_context():
        report = import_file(path, SCHOOL)
        assert report.created == 2
        ids = set(db.session.execute(select(Student.external_id).where(
            Student.external_id.isnot(None))).scalars())
        assert ids == {"X-1", "1002"}


def test_cli_imports_with_progress_and_fails_with_exit_code(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    files = [str(EXAMPLES / name) for name in ORDER[:5]]
    result = runner.invoke(args=["diary", "import", *files, "--school", str(SCHOOL)])
    assert result.exit_code == 0, result.output
    assert "обучающиеся — строк 3; добавлено 3" in result.output
    bad = tmp_path / "attendance.csv"
    bad.write_text("student_id;date;number;mark\nS-1001;2026-11-23;1;X\n", encoding="utf-8")
    result = runner.invoke(args=["diary", "import", str(bad), "--school", str(SCHOOL)])
    assert result.exit_code == 1
    assert "строка 2, столбец «mark»: отметка Н, Б, ОП или УП" in result.output


def test_empty_export_changes_nothing(sqlite_app, tmp_path):
    path = tmp_path / "grades.csv"
    path.write_text("student_id;subject;date;value\n", encoding="utf-8")
    with sqlite_app.app_context():
        report = import_file(path, SCHOOL)
        assert (report.rows, report.created) == (0, 0)


def test_a_large_file_imports_in_chunks_and_reimports_unchanged(app, tmp_path):
    """12,000 grades (more than two bulk chunks) on both databases; the figure for a whole term
    is in bench/import_bench.py, not here."""
    with app.app_context():
        import_examples()
        from datetime import date, timedelta

        rows = [f"{pupil};{subject};{date(2024, 1, 1) + timedelta(days=day)};{2 + (day + n) % 4};{kind}"
                for day in range(520) for n, pupil in enumerate(("S-1001", "S-1002", "S-1003"))
                for subject in ("Алгебра", "Русский язык", "Литература", "История")
                for kind in ("current", "test")]
        lines = ["student_id;subject;date;value;kind"]
        path = tmp_path / "grades-big.csv"
        path.write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8")
        first = import_file(path, SCHOOL)
        assert first.created == len(rows) > 10_000
        again = import_file(path, SCHOOL)
        assert (again.created, again.updated, again.unchanged) == (0, 0, len(rows))
