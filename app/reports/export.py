"""CSV (UTF-8 with BOM and `;`, as Russian Excel opens it) and XLSX exports of a report table.

Cells come from data people typed or imported (class, school, district names), so a text that a
spreadsheet would read as a formula — starting with =, +, -, @, tab or CR (OWASP "CSV injection")
— is neutralised: in CSV it gets a leading apostrophe; in XLSX every text is stored as a string
cell (never a formula) and such a text also carries Excel's quote prefix, so that editing the cell
keeps it text. Numbers stay numbers (a negative number is a number, not a text).

Dates: in CSV as text in the service's one style (app/formats.py: 09.07.2014, a moment
09.07.2014 18:30 in St. Petersburg's time); in XLSX as real date cells (Excel sorts and filters
them as dates) shown as ДД.ММ.ГГГГ, a moment as its St. Petersburg wall-clock time.

Fractions: in CSV with a decimal comma (4,75: a Russian Excel reads «4.75» as a date), in XLSX
as number cells (Excel shows them in the reader's locale).

The file's name says what and when: «Воронка_Адмиралтейский_район_2026-12-01.xlsx», sent as
RFC 6266/5987 `filename*` (UTF-8) beside an ASCII `filename` for old clients (`attachment`)."""
import csv
import io
import re
from datetime import date, datetime
from urllib.parse import quote

from flask import Response

from .. import clock, formats
from ..clock import to_local

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_IN_FILE_NAMES = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
MAX_NAME = 120

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    if isinstance(value, datetime):
        return formats.datetime(value)  # moments are kept in UTC
    if isinstance(value, date):
        return formats.date(value)
    return value


def is_formula_like(value):
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value):
    value = _cell(value)
    if is_formula_like(value):
        return "'" + value
    return formats.plain_decimal(value)  # 2.5 -> «2,5»; texts, ints and None as they are


def to_csv(columns, rows):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([csv_cell(str(title)) for _key, title in columns])
    for row in rows:
        writer.writerow([csv_cell(row.get(key)) for key, _title in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx_cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, date):
        moment = isinstance(value, datetime)
        cell = WriteOnlyCell(sheet, value=to_local(value).replace(tzinfo=None) if moment else value)
        cell.number_format = formats.EXCEL_DATETIME if moment else formats.EXCEL_DATE
        return cell
    value = _cell(value)
    if not isinstance(value, str):
        return value  # numbers, None, booleans: openpyxl writes them as such
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl makes a formula of a str starting with "=": never from data
    if is_formula_like(value):
        cell.quotePrefix = True
    return cell


def to_xlsx(title, columns, rows):
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=str(title)[:31])
    sheet.append([_xlsx_cell(sheet, str(t)) for _key, t in columns])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, row.get(key)) for key, _title in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file_name(*parts, day=None, ext="csv"):
    """«Воронка_Адмиралтейский_район_2026-12-01.csv»: the parts that say what (the report, the
    district or school), the day (St. Petersburg's today by default), spaces as underscores and
    nothing a file system refuses."""
    words = [NOT_IN_FILE_NAMES.sub(" ", str(part)).strip() for part in parts if part]
    stem = "_".join("_".join(word.split()) for word in words if word)[:MAX_NAME]
    return f"{stem}_{(day or clock.today()).isoformat()}.{ext}"


def content_disposition(name, fallback):
    """`attachment` with the UTF-8 name (RFC 5987) and an ASCII one for clients without it."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def download(fmt, title, columns, rows, parts, code):
    """The Response of a CSV or XLSX export (`fmt`), named by `parts` (see file_name); `code`:
    the ASCII stem of the fallback name (the report's code)."""
    body, mimetype = ((to_csv(columns, rows), CSV_TYPE) if fmt == "csv"
                      else (to_xlsx(title, columns, rows), XLSX_TYPE))
    name = file_name(*parts, ext=fmt)
    fallback = f"{code}_{clock.today().isoformat()}.{fmt}"
    return Response(body, content_type=mimetype, headers={"Content-Disposition": content_disposition(name, fallback)})
