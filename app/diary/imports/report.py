"""What an import answers: the problems of a refused file (by file, line and column, in Russian)
or the report of an applied one."""
from dataclasses import dataclass, field

from flask_babel import gettext

from ...domain_error import DomainError
from .formats import KINDS

MAX_PROBLEMS = 200  # a report longer than this helps nobody; the count is still given


@dataclass
class Problem:
    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self):
        where = [self.file]
        if self.line:
            where.append(f"строка {self.line}")
        if self.column:
            where.append(f"столбец «{self.column}»")
        return f"{', '.join(where)}: {self.message}"


class ImportFailed(DomainError):
    """The file is refused, nothing saved: `problems` (at most MAX_PROBLEMS) of `total`. A domain
    error (400, «Файл не загружен, ошибок: N…»); the import page and `flask diary import` list
    the problems; str() is the list, for the log."""

    def __init__(self, problems, total=None):
        self.problems = problems[:MAX_PROBLEMS]
        self.total = total if total is not None else len(problems)
        super().__init__(gettext(
            "The file was not imported: %(n)s problem(s). Fix them and upload the file again.", n=self.total))
        self.args = ("\n".join(str(p) for p in self.problems),)


@dataclass
class ImportReport:
    kind: str
    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    extra: dict = field(default_factory=dict)  # e.g. classes/subjects created on the way

    def summary(self):
        title = KINDS[self.kind].title
        text = (f"{self.file}: {title} — строк {self.rows}; добавлено {self.created}, "
                f"обновлено {self.updated}, без изменений {self.unchanged}")
        for name, count in self.extra.items():
            if count:
                text += f"; {name}: {count}"
        return text + "."
