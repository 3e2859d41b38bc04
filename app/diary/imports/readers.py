"""Read a file into (line number, {column: text}) rows: CSV (`;` or `,`, UTF-8 with or without
BOM, or Windows-1251), XLSX (first sheet) or JSON (a list of objects, or {"rows": [...]}).

Control characters (NUL and the like) are stripped from every value (app.inputs.clean); a CSV
field longer than the csv module's limit is a problem with its line, not a crash."""
import csv
import io
import json
from datetime import date, datetime, time
from pathlib import Path

from ...inputs import clean


class UnreadableFile(Exception):
    pass


def _text(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d") if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean(str(value)).strip()


HEADER_ALIASES = {"пол": "sex"}  # Russian column names the school systems write


def _header(names):
    names = [clean(str(n or "")).strip().lower().lstrip("\ufeff") for n in names]
    return [HEADER_ALIASES.get(n, n) for n in names]


def read_csv(data: bytes):
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1251 decodes any byte string
        raise UnreadableFile("кодировка не распознана")
    text = clean(text)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = _header(next(reader))
        rows = []
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            rows.append((number, {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}))
    except StopIteration:
        return [], []
    except csv.Error as exc:
        raise UnreadableFile(
            f"строка {reader.line_num}: значение длиннее {csv.field_size_limit():,} символов "
            "или незакрытые кавычки".replace(",", " ")) from exc
    return header, rows


def read_xlsx(data: bytes):
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any broken workbook
        raise UnreadableFile("файл XLSX повреждён или не является книгой Excel") from exc
    sheet = book.worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    try:
        header = _header(next(lines))
    except StopIteration:
        return [], []
    rows = []
    for number, values in enumerate(lines, start=2):
        if not any(v not in (None, "") for v in values):
            continue
        rows.append((number, {h: _text(values[i]) if i < len(values) else "" for i, h in enumerate(header)}))
    book.close()
    return header, rows


def read_json(data: bytes):
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # RecursionError: 100,000 nested [
        raise UnreadableFile("файл не является корректным JSON") from exc
    items = document.get("rows") if isinstance(document, dict) else document
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise UnreadableFile('ожидается список объектов или {"rows": [...]}')
    header = []
    for item in items:
        for key in item:
            if clean(key).lower() not in header:
                header.append(clean(key).lower())
    rows = [(n, {clean(k).lower(): _text(v) for k, v in item.items()}) for n, item in enumerate(items, start=1)]
    return header, rows


READERS = {".csv": read_csv, ".txt": read_csv, ".xlsx": read_xlsx, ".json": read_json}


def read(path_or_name, data=None):
    path = Path(path_or_name)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise UnreadableFile("поддерживаются файлы .csv, .xlsx и .json")
    if data is None:
        data = path.read_bytes()
    return reader(data)
