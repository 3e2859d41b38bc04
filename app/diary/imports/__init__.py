"""Imports of the school information system's exports ("выгрузка"): CSV, XLSX or JSON files, one
kind of data per file (docs/import.md). Everything is validated first and reported by file, line
and column in Russian; then the file is applied all-or-nothing in one transaction. Re-importing
the same or an updated file is idempotent: rows are matched on natural keys and updated.

    from app.diary.imports import import_file
    report = import_file(path, school_id, kind=None)  # kind guessed from the file name
"""
from .importer import ImportFailed, ImportReport, import_file, import_rows  # noqa: F401
from .formats import KINDS  # noqa: F401
