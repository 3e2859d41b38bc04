"""Benchmark: a school term of grades (~100,000 rows) imported from the school system's export.

Target (issue 4): ≤ 10 s on PostgreSQL for the first import of the file. Prints figures and ratios
against a baseline measured in the same run on the same database: a bare bulk INSERT of the same
rows (no reading, validation or matching) — so the ratio shows what validation and idempotency cost.

    .venv/bin/python bench/import_bench.py [--rows 100000] [--database-url URL]

Without --database-url (or BENCH_DATABASE_URL) it starts a throwaway PostgreSQL 15 cluster.
Figures also go to bench/results.json (the list `make bench` keeps) as entries named "import:…".
"""
import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CLASSES = [f"{grade} «{letter}»" for grade in range(5, 11) for letter in "АБВГД"]  # 30 classes
PUPILS_PER_CLASS = 25
SUBJECTS = ["Алгебра", "Геометрия", "Русский язык", "Литература", "История", "Физика", "Химия",
            "Биология", "География", "Английский язык", "Информатика", "Обществознание"]
LESSONS_PER_DAY = 6
TERM_START = date(2026, 9, 1)


def school_days(count):
    day, days = TERM_START, []
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def write_files(folder, rows_wanted, rng):
    students = folder / "students.csv"
    with students.open("w", encoding="utf-8") as f:
        f.write("student_id;last_name;first_name;middle_name;birth_date;class\n")
        for c, name in enumerate(CLASSES):
            for n in range(PUPILS_PER_CLASS):
                f.write(f"B-{c}-{n};Фамилия;Имя;Отчество;2012-01-01;{name}\n")
    days = school_days(45)
    lessons = folder / "lessons.csv"
    schedule = {}
    with lessons.open("w", encoding="utf-8") as f:
        f.write("class;date;number;subject\n")
        for c, name in enumerate(CLASSES):
            for day in days:
                for number in range(1, LESSONS_PER_DAY + 1):
                    subject = SUBJECTS[(c + day.toordinal() + number) % len(SUBJECTS)]
                    schedule[(c, day, number)] = subject
                    f.write(f"{name};{day.isoformat()};{number};{subject}\n")
    keys = list(schedule)
    grades = folder / "grades.csv"
    chosen = set()
    rows = []
    while len(rows) < rows_wanted:
        c, day, number = rng.choice(keys)
        n = rng.randrange(PUPILS_PER_CLASS)
        if (c, n, day, number) in chosen:
            continue
        chosen.add((c, n, day, number))
        rows.append((f"B-{c}-{n}", schedule[(c, day, number)], day.isoformat(), rng.choice("2345"), number))
    with grades.open("w", encoding="utf-8") as f:
        f.write("student_id;subject;date;value;kind;number\n")
        for r in rows:
            f.write(f"{r[0]};{r[1]};{r[2]};{r[3]};current;{r[4]}\n")
    changed = folder / "grades-changed.csv"
    with changed.open("w", encoding="utf-8") as f:
        f.write("student_id;subject;date;value;kind;number\n")
        for i, r in enumerate(rows):
            value = r[3] if i % 10 else ("5" if r[3] != "5" else "4")
            f.write(f"{r[0]};{r[1]};{r[2]};{value};current;{r[4]}\n")
    return students, lessons, grades, changed


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def run(url, rows_wanted):
    os.environ["DATABASE_URL"] = url
    from flask_migrate import upgrade
    from sqlalchemy import delete, func, insert, select

    from app import create_app
    from app.cli import setup_roles
    from app.demo import load_demo
    from app.diary.imports import import_file
    from app.extensions import db
    from app.models import Grade, Lesson, Student, Subject

    app = create_app(overrides={"SQLALCHEMY_DATABASE_URI": url, "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                                "SECRET_KEY": os.environ.get("SECRET_KEY") or os.urandom(32).hex()})
    rng = random.Random(20261125)
    figures = {"rows": rows_wanted, "database": url.split("@")[-1]}
    with app.app_context(), tempfile.TemporaryDirectory() as tmp:
        upgrade(directory=app.extensions["migrate"].directory)
        setup_roles()
        load_demo()
        school_id = 1
        students, lessons, grades, changed = write_files(Path(tmp), rows_wanted, rng)
        figures["students_s"], _ = timed(lambda: import_file(students, school_id))
        figures["lessons_s"], report = timed(lambda: import_file(lessons, school_id))
        figures["lessons"] = report.created
        figures["grades_first_s"], report = timed(lambda: import_file(grades, school_id))
        assert report.created == rows_wanted, report.summary()
        figures["grades_reimport_s"], report = timed(lambda: import_file(grades, school_id))
        assert report.unchanged == rows_wanted, report.summary()
        figures["grades_10pct_changed_s"], report = timed(lambda: import_file(changed, school_id))
        assert report.updated == rows_wanted // 10, report.summary()

        # Baseline: the same rows as a bare bulk INSERT (ids resolved beforehand, untimed).
        existing = db.session.execute(select(Grade.student_id, Grade.subject_id, Grade.lesson_id,
                                             Grade.date, Grade.value)).all()
        payload = [dict(student_id=g.student_id, subject_id=g.subject_id, lesson_id=g.lesson_id, date=g.date,
                        value=g.value, kind="current", weight=1, remark="") for g in existing]
        db.session.execute(delete(Grade))
        db.session.commit()

        def baseline():
            for start in range(0, len(payload), 5000):
                db.session.execute(insert(Grade), payload[start:start + 5000])
            db.session.commit()

        figures["baseline_bulk_insert_s"], _ = timed(baseline)
        assert db.session.scalar(select(func.count()).select_from(Grade)) == rows_wanted
        assert db.session.scalar(select(func.count()).select_from(Lesson)) == figures["lessons"]
        assert db.session.scalar(select(func.count()).select_from(Subject)) >= len(SUBJECTS)
        assert db.session.scalar(select(func.count()).select_from(Student)) >= len(CLASSES) * PUPILS_PER_CLASS
    base = figures["baseline_bulk_insert_s"]
    for key in ("grades_first_s", "grades_reimport_s", "grades_10pct_changed_s"):
        figures[key.replace("_s", "_ratio")] = round(figures[key] / base, 2)
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    if args.database_url:
        figures = run(args.database_url, args.rows)
    else:
        from scripts.pgcluster import temporary_postgres

        with temporary_postgres("diary_bench") as url:
            figures = run(url, args.rows)
    print(f"Импорт оценок: {figures['rows']} строк, PostgreSQL ({figures['database']})")
    print(f"  обучающиеся ({len(CLASSES) * PUPILS_PER_CLASS}):        {figures['students_s']:.2f} с")
    print(f"  уроки ({figures['lessons']}):               {figures['lessons_s']:.2f} с")
    print(f"  оценки, первая загрузка:       {figures['grades_first_s']:.2f} с  "
          f"(×{figures['grades_first_ratio']} к голому INSERT)")
    print(f"  оценки, повторная загрузка:    {figures['grades_reimport_s']:.2f} с  "
          f"(×{figures['grades_reimport_ratio']})")
    print(f"  оценки, изменено 10 %:         {figures['grades_10pct_changed_s']:.2f} с  "
          f"(×{figures['grades_10pct_changed_ratio']})")
    print(f"  базовая линия, голый INSERT:   {figures['baseline_bulk_insert_s']:.2f} с")
    verdict = "да" if figures["grades_first_s"] <= 10 else "НЕТ"
    print(f"Цель ≤ 10 с для первой загрузки выполнена: {verdict}")
    results = ROOT / "bench" / "results.json"
    try:
        stored = json.loads(results.read_text())
    except (OSError, ValueError):
        stored = []
    if not isinstance(stored, list):
        stored = []
    stored = [e for e in stored if not str(e.get("name", "")).startswith("import:")]
    for key in ("students", "lessons", "grades_first", "grades_reimport", "grades_10pct_changed",
                "baseline_bulk_insert"):
        entry = {"name": f"import:{key}", "rows": figures["rows"], "s": round(figures[f"{key}_s"], 3)}
        if f"{key}_ratio" in figures:
            entry["ratio_to_baseline"] = figures[f"{key}_ratio"]
        stored.append(entry)
    results.write_text(json.dumps(stored, ensure_ascii=False, indent=2))
    return 0 if figures["grades_first_s"] <= 10 else 1


if __name__ == "__main__":
    sys.exit(main())
