"""CSV (UTF-8 with BOM and `;`, as Russian Excel opens it) and XLSX exports of a report table."""
import csv
import io
from datetime import date, datetime

from ..localtime import local


def _cell(value):
    if isinstance(value, datetime):
        return local(value)  # moments are kept in UTC
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return value


def to_csv(columns, rows):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([str(title) for _key, title in columns])
    for row in rows:
        writer.writerow([_cell(row.get(key)) for key, _title in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(title, columns, rows):
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=str(title)[:31])
    sheet.append([str(t) for _key, t in columns])
    for row in rows:
        sheet.append([_cell(row.get(key)) for key, _title in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
