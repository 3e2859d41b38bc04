"""`flask legacy import FILE.csv`: accounts of the portal before ESIA (docs/legacy.md).

The whole file is checked first; any problem is reported by line in Russian and nothing is
saved. Then everything is written in one transaction. A re-import of the same file changes
nothing (accounts are matched on the lower-cased e-mail); an account already linked to ESIA
is left alone and reported.

Per account: a placeholder user (inactive, no roles, username `legacy:<id>`) that owns, until
the parent links the account, one access grant (official representative) per listed pupil of
the roster and the listed applications of the old portal."""
import csv
import io
import secrets
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select

from ..access import grant_unrevoked
from ..diary.imports.report import ImportFailed  # the one refusal of a file (nothing saved), as the school imports
from ..extensions import db
from ..inputs import InvalidInput, parse_email
from ..models import (
    AccessGrant,
    AuditActor,
    Application,
    AuditEvent,
    Identity,
    LegacyAccount,
    Relation,
    Student,
    User,
)
from ..names import FullName
from ..workflow.rules import normalize_code
from .passwords import hash_format

COLUMNS = ("email", "password_hash", "full_name", "children")
ACTOR_LABEL = AuditActor.LEGACY_IMPORT.value


@dataclass
class Problem:
    line: int | None
    message: str

    def __str__(self):
        return f"строка {self.line}: {self.message}" if self.line else self.message


@dataclass
class Row:
    line: int
    email: str
    password_hash: str
    full_name: str
    student_ids: list = field(default_factory=list)
    codes: list = field(default_factory=list)


@dataclass
class Report:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    grants: int = 0
    applications: int = 0
    skipped_linked: list = field(default_factory=list)  # (line, email)

    def summary(self):
        lines = [
            f"Строк: {self.rows}. Учетных записей: новых {self.created}, обновлено {self.updated}, "
            f"без изменений {self.unchanged}, уже привязанных к ЕСИА {len(self.skipped_linked)}.",
            f"Доступов к обучающимся создано: {self.grants}; заявлений закреплено: "
            f"{self.applications}.",
        ]
        for line, email in self.skipped_linked:
            lines.append(f"  строка {line}: {email} — уже привязана к ЕСИА, оставлена без изменений")
        return "\n".join(lines)


def _checked_email(value):
    """The address normalised by email-validator (app.inputs.parse_email), or None."""
    try:
        return parse_email(value, "email")
    except InvalidInput:
        return None


# --------------------------------------------------------------------------- reading
def _decode(data):
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed([Problem(None, "файл не в кодировке UTF-8")]) from None


def read_rows(data):
    """Parse the CSV text/bytes into (rows, problems) — format checks only, no database.
    A file that cannot be read at all raises ImportFailed."""
    text = _decode(data)
    if not text.strip():
        raise ImportFailed([Problem(None, "файл пуст")])
    header = text.splitlines()[0]
    delimiter = ";" if ";" in header else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    names = [name.strip().lower() for name in next(reader)]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise ImportFailed([Problem(1, "в заголовке нет столбцов: " + ", ".join(missing)
                                    + " (нужны: " + ", ".join(COLUMNS) + ")")])
    index = {name: names.index(name) for name in COLUMNS}
    rows, problems = [], []
    seen_emails, seen_codes = {}, {}
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue  # empty line
        if len(values) != len(names):
            problems.append(Problem(line, f"ожидалось полей: {len(names)}, получено: {len(values)} "
                                          f"(разделитель — «{delimiter}»)"))
            continue
        value = {name: values[i].strip() for name, i in index.items()}
        row = Row(line=line, email=value["email"].lower(), password_hash=value["password_hash"],
                  full_name=" ".join(value["full_name"].split()))
        checked = _checked_email(row.email) if row.email else None
        row.email = checked or row.email
        if not row.email:
            problems.append(Problem(line, "не указан адрес электронной почты"))
        elif checked is None:
            problems.append(Problem(line, f"неверный адрес электронной почты «{value['email'][:100]}»"))
        elif row.email in seen_emails:
            problems.append(Problem(line, f"адрес «{row.email}» повторяется (уже был в строке "
                                          f"{seen_emails[row.email]})"))
        else:
            seen_emails[row.email] = line
        if not row.password_hash:
            problems.append(Problem(line, "не указан хеш пароля"))
        elif len(row.password_hash) > 255 or hash_format(row.password_hash) is None:
            problems.append(Problem(line, "неверный формат хеша пароля (допустимы "
                                          "pbkdf2:…$соль$хеш, scrypt:…$соль$хеш, sha256$соль$хеш)"))
        if len(row.full_name) > 255:
            problems.append(Problem(line, "ФИО длиннее 255 символов"))
        for item in value["children"].split("|"):
            item = item.strip()
            if not item:
                continue
            kind, _sep, ref = item.partition(":")
            kind, ref = kind.strip().lower(), ref.strip()
            if kind == "student" and ref.isdigit() and len(ref) < 10:
                if int(ref) not in row.student_ids:
                    row.student_ids.append(int(ref))
            elif kind == "application" and normalize_code(ref):
                code = normalize_code(ref)
                if code in row.codes:
                    continue
                if code in seen_codes:
                    problems.append(Problem(line, f"заявление {code} уже указано в строке "
                                                  f"{seen_codes[code]}"))
                    continue
                seen_codes[code] = line
                row.codes.append(code)
            else:
                problems.append(Problem(line, f"непонятная ссылка «{item}» (ожидается "
                                              f"student:<id> или application:<код>)"))
        rows.append(row)
    return rows, problems


# --------------------------------------------------------------------------- checking
def _check_against_database(rows):
    """Existing accounts, unknown pupils and codes, applications owned by someone else."""
    problems = []
    accounts = {}
    emails = [r.email for r in rows]
    for start in range(0, len(emails), 500):
        for account in db.session.execute(
            select(LegacyAccount).where(LegacyAccount.email.in_(emails[start:start + 500]))
        ).scalars():
            accounts[account.email] = account
    wanted_students = {sid for r in rows for sid in r.student_ids
                       if not _linked(accounts.get(r.email))}
    known_students = set()
    ids = sorted(wanted_students)
    for start in range(0, len(ids), 500):
        known_students.update(db.session.execute(
            select(Student.id).where(Student.id.in_(ids[start:start + 500]))).scalars())
    codes = sorted({c for r in rows for c in r.codes if not _linked(accounts.get(r.email))})
    applications = {}
    for start in range(0, len(codes), 500):
        for application in db.session.execute(
            select(Application).where(Application.code.in_(codes[start:start + 500]))
        ).scalars():
            applications[application.code] = application
    owners = sorted({a.parent_id for a in applications.values()})
    holders = set()  # owners that are placeholders of (other) legacy accounts
    for start in range(0, len(owners), 500):
        holders.update(db.session.execute(select(LegacyAccount.holder_id).where(
            LegacyAccount.holder_id.in_(owners[start:start + 500]))).scalars())
    for row in rows:
        account = accounts.get(row.email)
        if _linked(account):
            continue  # left alone; reported in the summary
        for sid in row.student_ids:
            if sid not in known_students:
                problems.append(Problem(row.line, f"обучающийся student:{sid} не найден в "
                                                  f"контингенте"))
        for code in row.codes:
            application = applications.get(code)
            if application is None:
                problems.append(Problem(row.line, f"заявление {code} не найдено"))
                continue
            owner = application.parent_id
            if account is not None and owner == account.holder_id:
                continue  # already this account's (re-import)
            if owner in holders or _is_real_user(owner):
                problems.append(Problem(row.line, f"заявление {code} принадлежит другому "
                                                  f"пользователю"))
    return accounts, applications, problems


def _linked(account):
    return account is not None and account.linked_user_id is not None


def _is_real_user(user_id):
    """Somebody who logs in or works here: has roles, an ESIA identity, or is active."""
    user = db.session.get(User, user_id)
    if user is None:
        return False
    if user.active or user.roles:
        return True
    return db.session.execute(
        select(func.count(Identity.id)).where(Identity.user_id == user_id)
    ).scalar() > 0


# --------------------------------------------------------------------------- applying
def import_accounts(data, actor_label=ACTOR_LABEL, dry_run=False):
    """Import a CSV (bytes or text). Raises ImportFailed (nothing saved); returns a Report."""
    rows, problems = read_rows(data)
    try:
        accounts, applications, more = _check_against_database(rows)
        problems = sorted(problems + more, key=lambda p: p.line or 0)
        if problems:
            raise ImportFailed(problems)
        report = Report(rows=len(rows))
        for row in rows:
            _apply_row(row, accounts.get(row.email), applications, report, actor_label)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def _split_name(full_name):
    """(first, middle, last) of the old portal's ФИО, written in the document's order
    («Иванова Мария Петровна», app.names); "—" for a missing first or last name (FAB needs them)."""
    name = FullName.parse(full_name.replace(",", " "))
    return (name.first or "—")[:64], name.middle[:64] or None, (name.last or "—")[:64]


def _new_holder(row):
    sm = current_app.appbuilder.sm
    first, middle, last = _split_name(row.full_name)
    token = secrets.token_hex(8)
    user = sm.user_model(
        username=f"legacy:new:{token}",  # renamed to legacy:<account id> below
        first_name=first,
        middle_name=middle,
        last_name=last,
        # never the real address: the parent's ESIA account may need it, and no mail should go
        # to a placeholder (the outbox skips @email.notfound)
        email=f"legacy.{token}@email.notfound",
        active=False,
        password=None,
    )
    user.roles = []
    db.session.add(user)
    db.session.flush()
    return user


def _apply_row(row, account, applications, report, actor_label):
    if _linked(account):
        report.skipped_linked.append((row.line, row.email))
        return
    created = account is None
    changes = {}
    if created:
        holder = _new_holder(row)
        account = LegacyAccount(email=row.email, password_hash=row.password_hash,
                                full_name=row.full_name, holder_id=holder.id)
        db.session.add(account)
        db.session.flush()
        holder.username = f"legacy:{account.id}"
        holder.email = f"legacy.{account.id}@email.notfound"
    else:
        if account.password_hash != row.password_hash:
            account.password_hash = row.password_hash
            changes["password_hash"] = True
        if account.full_name != row.full_name:
            account.full_name = row.full_name
            changes["full_name"] = True
    existing = set(db.session.execute(
        select(AccessGrant.student_id).where(
            AccessGrant.user_id == account.holder_id, grant_unrevoked())
    ).scalars())
    added = 0
    for sid in row.student_ids:
        if sid in existing:
            continue
        db.session.add(AccessGrant(user_id=account.holder_id, student_id=sid,
                                   relation=Relation.REPRESENTATIVE))
        added += 1
    moved = []
    for code in row.codes:
        application = applications[code]
        if application.parent_id != account.holder_id:
            application.parent_id = account.holder_id
            moved.append(code)
    if added:
        changes["grants"] = added
    if moved:
        changes["applications"] = moved
    report.grants += added
    report.applications += len(moved)
    if created:
        report.created += 1
    elif changes:
        report.updated += 1
    else:
        report.unchanged += 1
        return
    db.session.add(AuditEvent(
        actor_id=None,
        actor_label=actor_label,
        action="imported" if created else "reimported",
        object_type="legacy_account",
        object_id=account.id,
        details=dict(changes, line=row.line),
    ))
    db.session.flush()
