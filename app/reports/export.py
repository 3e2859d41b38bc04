"""CSV (UTF-8 with BOM and `;`, as Russian Excel opens it) and XLSX exports of a report table.

Cells come from data people typed or imported (class, school, district names), so a text that a
spreadsheet would read as a formula — starting with =, +, -, @, tab or CR (OWASP "CSV injection")
— is neutralised: in CSV it gets a leading apostrophe; in XLSX every text is stored as a string
cell (never a formula) and such a text also carries Excel's quote prefix, so that editing the cell
keeps it text. Numbers stay numbers (a negative number is a number, not a text).

Dates: in CSV as text in the service's one style (app/formats.py: 09.07.2014, a moment
09.07.2014 18:30 in St. Petersburg's time); in XLSX as real date cells (Excel sorts and filters
them as dates) shown as ДД.ММ.ГГГГ, a moment as its St. Petersburg wall-clock time."""
import csv
import io
from datetime import date, datetime

from .. import formats
from ..clock import to_local

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
    return "'" + value if is_formula_like(value) else value


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
