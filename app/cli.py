"""Operator commands: `flask --app run init | demo | staff create | outbox run | applications expire |
reports refresh | diary import | legacy import | seed city | backup | restore`."""
import logging
import signal
import sys

import click
from flask import current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from . import roles
from .auth.staff import create_staff
from .diary.imports import KINDS, ImportFailed, import_file
from .extensions import db
from .models import AuditActor

log = logging.getLogger(__name__)


def setup_roles():
    """Create permissions for every registered view and the roles with theirs (idempotent)."""
    sm = current_app.appbuilder.sm
    sm.add_role(sm.auth_role_admin)
    sm.add_role(sm.auth_role_public)
    current_app.appbuilder.add_permissions(update_perms=True)  # the Admin role gets every permission
    for role_name, permissions in roles.ROLE_PERMISSIONS.items():
        role = sm.add_role(role_name)
        for permission, view in permissions:
            pv = sm.find_permission_view_menu(permission, view)
            if pv is None:
                log.warning("no permission %s on %s", permission, view)
                continue
            if pv not in role.permissions:
                sm.add_permission_role(role, pv)
    db.session.commit()


def register_cli(app):
    @app.cli.command("init")
    def init_command():
        """Migrate the database to the newest schema and create roles and permissions."""
        upgrade(directory=app.extensions["migrate"].directory)
        setup_roles()
        click.echo("База данных готова: схема обновлена, роли и права созданы.")

    @app.cli.command("demo")
    def demo_command():
        """Load demo districts, schools, staff and parents (idempotent)."""
        from .demo import load_demo
        from .diary.demo import load_diary_demo

        from .reports.rollup import refresh

        click.echo(load_demo())
        click.echo(load_diary_demo())
        refresh(full=True)

    staff = AppGroup("staff", help="Staff accounts.")

    @staff.command("create")
    @click.argument("username")
    @click.option("--role", "role_key", required=True, type=click.Choice(sorted(roles.STAFF_ROLES)))
    @click.option("--school", "school_id", type=int, default=None, help="School ID (clerk, teacher).")
    @click.option("--district", "district_id", type=int, default=None, help="District ID (supervisor).")
    @click.option("--password", required=True)
    @click.option("--first-name", default="")
    @click.option("--last-name", default="")
    @click.option("--middle-name", default="", help="Patronymic (отчество).")
    @click.option("--email", default="")
    def staff_create(username, role_key, school_id, district_id, password, first_name, last_name, middle_name,
                     email):
        """Create (or update) a staff account with a password."""
        try:
            user = create_staff(username, role_key, password, school_id, district_id,
                                first_name, last_name, email, middle_name=middle_name)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Сотрудник {user.username} ({role_key}) сохранён, id={user.id}.")

    app.cli.add_command(staff)

    outbox = AppGroup("outbox", help="Outgoing messages.")

    @outbox.command("run")
    @click.option("--once", is_flag=True, help="Send what is due now and exit.")
    def outbox_run(once):
        """Send pending messages (retries with exponential backoff)."""
        from .workflow.outbox import drain, run_forever

        logging.getLogger().setLevel(logging.INFO)
        if once:
            counts = drain()
            click.echo(f"Отправлено: {counts['sent']}, повтор позже: {counts['retry']}, "
                       f"ошибки: {counts['failed']}")
            return
        stopping = {"flag": False}

        def stop(*_):
            stopping["flag"] = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        click.echo("Обработчик исходящих сообщений запущен.")
        run_forever(stop=lambda: stopping["flag"])

    app.cli.add_command(outbox)

    applications = AppGroup("applications", help="Applications.")

    @applications.command("expire")
    def applications_expire():
        """Expire applications nobody came to the school for within EXPIRE_DAYS."""
        from .workflow.expiry import expire_overdue

        count = expire_overdue()
        click.echo(f"Истекло заявлений: {count} (срок {current_app.config['EXPIRE_DAYS']} дн.).")

    app.cli.add_command(applications)

    reports = AppGroup("reports", help="Отчёты районов.")

    @reports.command("refresh")
    @click.option("--full", is_flag=True, help="пересчитать все месяцы (по умолчанию — текущий и прошлый)")
    @click.option("--school", "school_id", type=int, default=None, help="только эта школа (id)")
    def reports_refresh(full, school_id):
        """Пересчитать сводные показатели успеваемости и посещаемости (запускайте ежечасно)."""
        import time as clock

        from .reports.rollup import refresh

        started = clock.monotonic()
        rows = refresh(full=full, school_id=school_id)
        click.echo(f"Сводные показатели пересчитаны: {rows} строк за {clock.monotonic() - started:.1f} с.")

    app.cli.add_command(reports)

    diary = AppGroup("diary", help="Дневник: загрузка выгрузок школьной информационной системы.")

    @diary.command("import")
    @click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
    @click.option("--school", "school_id", type=int, required=True, help="id школы")
    @click.option("--kind", type=click.Choice(sorted(KINDS)), default=None,
                  help="вид данных (по умолчанию — по имени файла)")
    def diary_import(files, school_id, kind):
        """Загрузить файлы (CSV, XLSX, JSON; docs/import.md) — каждый целиком или никак."""
        from .diary.imports.readers import read

        failed = False
        for path in files:
            try:
                total = len(read(path)[1])
            except Exception:  # noqa: BLE001 - import_file reports it in Russian
                total = 0
            with click.progressbar(length=total, label=f"{path}: проверка",
                                   file=sys.stderr) as bar:
                try:
                    report = import_file(path, school_id, kind=kind, progress=bar.update,
                                         actor_label=AuditActor.DIARY_IMPORT_CLI.value)
                except ImportFailed as exc:
                    failed = True
                    click.echo("", err=True)
                    click.echo(f"{path}: файл не загружен, ошибок: {exc.total}", err=True)
                    for problem in exc.problems:
                        click.echo(f"  {problem}", err=True)
                    continue
            click.echo(report.summary())
        if failed:
            raise SystemExit(1)

    app.cli.add_command(diary)

    seed = AppGroup("seed", help="Сгенерированные наборы данных.")

    @seed.command("city")
    @click.option("--seed", "seed_value", type=int, default=1, show_default=True, help="зерно генератора")
    @click.option("--scale", type=float, default=1.0, show_default=True,
                  help="доля от размеров Санкт-Петербурга (1 — весь город)")
    def seed_city_command(seed_value, scale):
        """Набор данных размером с Санкт-Петербург (воспроизводимый при том же --seed)."""
        import time as clock

        from .seed.city import seed_city

        started = clock.monotonic()

        def progress(label, count, done=False):
            mark = "готово" if done else "…"
            click.echo(f"  {label}: {count:,} {mark} ({clock.monotonic() - started:.0f} с)".replace(",", " "),
                       err=True)

        figures = seed_city(seed=seed_value, scale=scale, progress=progress)
        click.echo("Загружено: " + ", ".join(f"{k} {v:,}".replace(",", " ") for k, v in figures.items())
                   + f" за {clock.monotonic() - started:.0f} с.")

    app.cli.add_command(seed)

    legacy = AppGroup("legacy", help="Учетные записи портала до ЕСИА (docs/legacy.md).")

    @legacy.command("import")
    @click.argument("file", type=click.File("rb"))
    @click.option("--dry-run", is_flag=True, help="Только проверить файл, ничего не сохранять.")
    def legacy_import(file, dry_run):
        """Загрузить учетные записи старого портала из CSV — целиком или никак."""
        from .legacy.importer import ImportFailed, import_accounts

        try:
            report = import_accounts(file.read(), dry_run=dry_run)
        except ImportFailed as exc:
            click.echo(f"{file.name}: файл не загружен, ошибок: {exc.total}", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            raise SystemExit(1) from None
        if dry_run:
            click.echo("Проверка пройдена, ничего не сохранено (--dry-run).")
        click.echo(report.summary())

    app.cli.add_command(legacy)

    @app.cli.command("backup")
    @click.argument("output")
    def backup_command(output):
        """Резервная копия базы PostgreSQL в файл (pg_dump, формат custom)."""
        from .backup import BackupError, backup, human_size

        try:
            size, tables = backup(current_app.config["SQLALCHEMY_DATABASE_URI"], output)
        except BackupError as exc:  # not ClickException: its "Error:" prefix is English
            click.echo(str(exc), err=True)
            raise SystemExit(1) from None
        click.echo(f"Резервная копия сохранена в {output}: {human_size(size)}, таблиц: {tables}.")

    @app.cli.command("restore")
    @click.argument("source", metavar="INPUT")
    @click.option("--yes", is_flag=True, help="да, заменить все данные базы данными из копии")
    def restore_command(source, yes):
        """Восстановить базу PostgreSQL из резервной копии (заменяет все данные; нужен --yes)."""
        from .backup import BackupError, restore

        try:
            tables = restore(current_app.config["SQLALCHEMY_DATABASE_URI"], source, yes=yes)
        except BackupError as exc:  # not ClickException: its "Error:" prefix is English
            click.echo(str(exc), err=True)
            raise SystemExit(1) from None
        click.echo(f"База данных восстановлена из {source}, таблиц: {tables}.")
