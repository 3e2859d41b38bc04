"""Backups (issue 11): `flask backup` dumps the PostgreSQL database, `flask restore --yes` brings it
back into another (fresh) database with every row, so a family sees the same week; SQLite and a restore
without --yes are refused in Russian."""
import os
import re
import uuid
from datetime import date

import pytest
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from app.diary.demo import load_diary_demo
from app.extensions import db
from app.models import Application
from tests.helpers.app import make_app


def row_counts(url):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables}
    finally:
        engine.dispose()


@pytest.fixture
def fresh_database(postgres_url):
    """A new, empty database on the session's PostgreSQL server; its URL. Dropped afterwards."""
    name = f"restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(postgres_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def week_page(app, login_parent):
    """Иванова Софья's diary week as her mother sees it, without the per-request tokens."""
    with app.app_context():
        sofia = db.session.execute(select(Application.student_id).where(
            Application.child_first_name == "Софья")).scalar_one()
        db.session.remove()
    client = app.test_client()
    login_parent(client, "parent-ivanova")
    response = client.get(f"/my/students/{sofia}/diary?week=2026-11-25")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Математика" in page and "Домашнее задание" in page
    return re.sub(r'(nonce|value|content)="[A-Za-z0-9+/=._-]{20,}"', r'\1=""', page)


def test_backup_restored_into_a_fresh_database_has_every_row_and_the_same_week(
        pg_app, postgres_url, fresh_database, smtp_server, idp, login_parent, tmp_path):
    with pg_app.app_context():
        load_diary_demo(today=date(2026, 11, 25))
        db.session.remove()
    dump = tmp_path / "diary.dump"
    done = pg_app.test_cli_runner().invoke(args=["backup", str(dump)])
    assert done.exit_code == 0, done.output
    assert re.search(r"Резервная копия сохранена в .*diary\.dump: \d+,\d [КМ]Б, таблиц: \d+\.", done.output)
    assert dump.stat().st_size > 10_000
    assert [p.name for p in tmp_path.iterdir()] == ["diary.dump"]  # no temporary file left behind
    assert dump.stat().st_mode & 0o777 == 0o600  # personal data: readable by the operator only
    original = row_counts(postgres_url)
    assert int(re.search(r"таблиц: (\d+)", done.output).group(1)) == len(original)

    saved = pg_app.config["SQLALCHEMY_DATABASE_URI"]
    pg_app.config["SQLALCHEMY_DATABASE_URI"] = fresh_database  # the command reads where to restore
    try:
        done = pg_app.test_cli_runner().invoke(args=["restore", str(dump), "--yes"])
    finally:
        pg_app.config["SQLALCHEMY_DATABASE_URI"] = saved
    assert done.exit_code == 0, done.output
    assert f"База данных восстановлена из {dump}, таблиц: {len(original)}." in done.output

    restored = row_counts(fresh_database)
    assert restored == original
    assert restored["grade"] > 1000 and restored["lesson"] > 300 and restored["ab_user"] > 5

    expected = week_page(pg_app, login_parent)
    restored_app = make_app(fresh_database, smtp_server, idp)  # migrations: nothing to do, at the head
    try:
        assert week_page(restored_app, login_parent) == expected
    finally:
        with restored_app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_restore_without_yes_is_refused_and_changes_nothing(pg_app, postgres_url, tmp_path):
    dump = tmp_path / "diary.dump"
    assert pg_app.test_cli_runner().invoke(args=["backup", str(dump)]).exit_code == 0
    before = row_counts(postgres_url)
    done = pg_app.test_cli_runner().invoke(args=["restore", str(dump)])
    assert done.exit_code == 1
    assert "Восстановление заменит все данные базы" in done.output
    assert "повторите команду с ключом --yes" in done.output
    assert "Error" not in done.output
    assert row_counts(postgres_url) == before
    not_a_dump = tmp_path / "notes.txt"
    not_a_dump.write_text("это не резервная копия", encoding="utf-8")
    done = pg_app.test_cli_runner().invoke(args=["restore", str(not_a_dump), "--yes"])
    assert done.exit_code == 1 and "Не удалось прочитать резервную копию" in done.output
    done = pg_app.test_cli_runner().invoke(args=["restore", str(tmp_path / "missing.dump"), "--yes"])
    assert done.exit_code == 1 and "missing.dump нет" in done.output
    done = pg_app.test_cli_runner().invoke(args=["restore", "a\x00b", "--yes"])
    assert done.exit_code == 1 and "недопустимый символ" in done.output
    assert row_counts(postgres_url) == before


def test_backup_of_sqlite_is_refused_in_russian(sqlite_app, tmp_path):
    dump = tmp_path / "diary.dump"
    done = sqlite_app.test_cli_runner().invoke(args=["backup", str(dump)])
    assert done.exit_code == 1
    assert "только для PostgreSQL" in done.output and "«sqlite»" in done.output
    assert "Error" not in done.output and "Traceback" not in done.output
    assert not dump.exists() and not os.listdir(tmp_path)
    done = sqlite_app.test_cli_runner().invoke(args=["restore", str(dump), "--yes"])
    assert done.exit_code == 1 and "только для PostgreSQL" in done.output


def test_a_failed_backup_keeps_the_previous_file_and_says_why(pg_app, tmp_path):
    from scripts.pgcluster import free_port

    dump = tmp_path / "diary.dump"
    dump.write_bytes(b"yesterday's backup")
    unreachable = make_url(pg_app.config["SQLALCHEMY_DATABASE_URI"]).set(host="127.0.0.1", port=free_port())
    saved = pg_app.config["SQLALCHEMY_DATABASE_URI"]
    pg_app.config["SQLALCHEMY_DATABASE_URI"] = unreachable.render_as_string(hide_password=False)
    try:
        done = pg_app.test_cli_runner().invoke(args=["backup", str(dump)])
    finally:
        pg_app.config["SQLALCHEMY_DATABASE_URI"] = saved
    assert done.exit_code == 1
    assert "Не удалось сохранить базу данных «" in done.output
    assert dump.read_bytes() == b"yesterday's backup"
    assert [p.name for p in tmp_path.iterdir()] == ["diary.dump"]
    done = pg_app.test_cli_runner().invoke(args=["backup", str(tmp_path)])
    assert done.exit_code == 1 and "это каталог" in done.output and "Error" not in done.output


def test_missing_pg_dump_is_named_in_russian(pg_app, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("app.backup.PG_BIN_DIRS", (str(tmp_path),))
    done = pg_app.test_cli_runner().invoke(args=["backup", str(tmp_path / "diary.dump")])
    assert done.exit_code == 1
    assert "Не найдена программа pg_dump" in done.output and "postgresql-client-15" in done.output
    assert not (tmp_path / "diary.dump").exists()


def test_the_password_goes_in_the_environment_not_the_command_line(monkeypatch, tmp_path):
    from app import backup

    calls = []

    class Done:
        returncode, stdout, stderr = 0, "", ""

    def fake_run(args, env, **_):
        calls.append((args, env))
        if "--file" in args:
            open(args[args.index("--file") + 1], "wb").close()
        return Done()

    monkeypatch.setattr(backup.subprocess, "run", fake_run)
    monkeypatch.setattr(backup, "program", lambda name: name)
    backup.backup("postgresql+psycopg2://diary:s3cr%40t@db.example:6543/diary", str(tmp_path / "x.dump"))
    assert [args[0] for args, _ in calls] == ["pg_dump", "pg_restore"]
    for args, env in calls:
        assert env["PGPASSWORD"] == "s3cr@t"
        assert (env["PGHOST"], env["PGPORT"], env["PGUSER"]) == ("db.example", "6543", "diary")
        assert not any("s3cr" in arg for arg in args)
