"""CSV files that open safely in a spreadsheet.

A cell that begins with =, +, -, @, a tab or a carriage return would be run
as a formula by Excel or LibreOffice (CSV injection), so such text is prefixed
with an apostrophe. Numbers are written as numbers. Files start with a UTF-8
byte order mark, so Excel opens names such as "Siân" and the en dash as they are.
"""

import csv
import io

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


BOM = "\ufeff"


def csv_response(filename: str, header: list, rows, preamble=()) -> HttpResponse:
    """`preamble` rows (what the file is about) come first, then a blank row, then the table."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer)
    for line in preamble:
        writer.writerow([safe(value) for value in line])
    if preamble:
        writer.writerow([])
    writer.writerow([safe(value) for value in header])
    for row in rows:
        writer.writerow([safe(value) for value in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
