"""Backups of the PostgreSQL database: `flask backup OUTPUT` (pg_dump, custom format) and
`flask restore INPUT --yes` (pg_restore --clean --if-exists --no-owner). The connection comes from
SQLALCHEMY_DATABASE_URI; the password travels in PGPASSWORD, never on a command line. Point-in-time
recovery from the WAL archive is documented in README.md («Резервное копирование»), not automated."""
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

from babel.numbers import format_decimal
from sqlalchemy.engine import make_url

PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin",)
# pg_restore --list: "215; 1259 16385 TABLE public ab_user postgres"
TABLE_ENTRY = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )")  # not its "TABLE DATA" entry


class BackupError(Exception):
    """A refusal or failure, worded in Russian for the operator."""


@dataclass
class Connection:
    database: str
    host: str
    env: dict

    @property
    def label(self):
        return f"«{self.database}» на {self.host}"


def connection(uri):
    """Where the database is, from SQLALCHEMY_DATABASE_URI; refuses anything but PostgreSQL."""
    try:
        url = make_url(uri)
    except Exception as exc:  # noqa: BLE001 - any unparsable setting
        raise BackupError("Не удалось разобрать SQLALCHEMY_DATABASE_URI: проверьте адрес базы данных.") from exc
    if url.get_backend_name() != "postgresql":
        raise BackupError(
            f"Резервное копирование этой командой возможно только для PostgreSQL, а приложение работает с "
            f"базой «{url.get_backend_name()}». Для SQLite скопируйте файл базы данных, остановив "
            f"приложение.")
    if not url.database:
        raise BackupError("В SQLALCHEMY_DATABASE_URI не указано имя базы данных.")
    query = {key: value if isinstance(value, str) else value[-1] for key, value in url.query.items()}
    host = url.host or query.get("host") or ""
    env = {"PGDATABASE": url.database, "PGHOST": host, "PGPORT": str(url.port or query.get("port") or ""),
           "PGUSER": url.username or "", "PGPASSWORD": url.password or "",
           "PGSSLMODE": query.get("sslmode", ""), "PGCONNECT_TIMEOUT": "10"}
    env = {key: value for key, value in env.items() if value}
    return Connection(database=url.database, host=f"{host or 'localhost'}:{url.port or 5432}", env=env)


def _checked_path(path):
    if "\x00" in path:
        raise BackupError("В имени файла недопустимый символ (NUL).")
    return path


def program(name):
    """pg_dump / pg_restore: from PATH, else from the PostgreSQL 15 packages' directory."""
    found = shutil.which(name)
    if found:
        return found
    for directory in PG_BIN_DIRS:
        path = os.path.join(directory, name)
        if os.access(path, os.X_OK):
            return path
    raise BackupError(f"Не найдена программа {name}: установите клиент PostgreSQL 15 "
                      f"(пакет postgresql-client-15) или добавьте каталог с ней в PATH.")


def _run(args, conn, what):
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env.update(conn.env, LC_MESSAGES="ru_RU.UTF-8")  # PostgreSQL's own messages in Russian where installed
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()[-2000:]
        raise BackupError(f"Не удалось {what} (код {done.returncode}): {detail}")
    return done.stdout


def table_count(path, conn):
    """How many tables the dump holds (read back from it: the file is a readable dump)."""
    listing = _run([program("pg_restore"), "--list", path], conn, f"прочитать резервную копию {path}")
    return sum(1 for line in listing.splitlines() if TABLE_ENTRY.match(line))


def human_size(size):
    for unit, factor in (("ГБ", 1 << 30), ("МБ", 1 << 20), ("КБ", 1 << 10)):
        if size >= factor:
            return f"{format_decimal(size / factor, format='#,##0.0', locale='ru')} {unit}"
    return f"{size} Б"


def backup(uri, output):
    """Dump the database into `output` (temporary file next to it, then rename); (size, tables)."""
    conn = connection(uri)
    pg_dump = program("pg_dump")
    output = os.path.abspath(_checked_path(output))
    if os.path.isdir(output):
        raise BackupError(f"{output} — это каталог: укажите имя файла резервной копии.")
    directory = os.path.dirname(output)
    if not os.path.isdir(directory):
        raise BackupError(f"Каталога {directory} нет: создайте его или укажите другой путь.")
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(output)}.", suffix=".tmp")
    os.close(fd)
    try:
        _run([pg_dump, "--format=custom", "--file", temporary], conn,
             f"сохранить базу данных {conn.label}")
        tables = table_count(temporary, conn)
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, output)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return os.path.getsize(output), tables


def restore(uri, source, yes=False):
    """Replace the database's contents by the dump `source` (one transaction); the table count."""
    conn = connection(uri)
    if not os.path.isfile(_checked_path(source)):
        raise BackupError(f"Файла резервной копии {source} нет.")
    if not yes:
        raise BackupError(f"Восстановление заменит все данные базы {conn.label} данными из {source}. "
                          f"Чтобы продолжить, повторите команду с ключом --yes.")
    tables = table_count(source, conn)
    _run([program("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
          "--dbname", conn.database, source], conn, f"восстановить базу данных {conn.label}")
    return tables
