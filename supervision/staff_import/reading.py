"""From the uploaded bytes to rows of text, or a problem with the whole file.

ESR's reports are saved as CSV by Excel: UTF-8 (with or without a byte order
mark), Windows-1252 from older Excel, or UTF-16 "Unicode text" with tabs. A
workbook or other binary file is refused with a message saying how to save
it as CSV. Rows are numbered as a spreadsheet numbers them: the headings are
row 1, the first person row 2.
"""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 60_000
# No ESR cell is near this long; a longer one is a damaged file, reported by row.
MAX_CELL = 2_000
# The csv module's own cell limit (128 KB) would stop at a long cell with no
# row number; up to the size of a whole file, the long cell is reported by row.
csv.field_size_limit(MAX_BYTES)


class FileProblem(Exception):
    """The file cannot be read at all; the message says why and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# Files people pick by mistake, by their first bytes: what to say about each.
_NOT_CSV = (
    ((b"PK\x03\x04", b"\xd0\xcf\x11\xe0"), "workbook"),
    ((b"%PDF",), "PDF"),
    ((b"\x89PNG", b"\xff\xd8\xff", b"GIF8"), "picture"),
    ((b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!"), "archive"),
)
# Characters no CSV text has: a binary file that decoded as Windows-1252.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _not_csv_message(kind: str) -> str:
    if kind == "workbook":
        return _(
            "The selected file is an Excel workbook. Save it as "
            "“CSV UTF-8 (comma delimited)” and upload that"
        )
    return _(
        "The selected file is a %(kind)s, not a CSV file. Export the staff list from ESR "
        "as CSV and upload that"
    ) % {
        "kind": {"PDF": _("PDF"), "picture": _("picture"), "archive": _("compressed archive")}[kind]
    }


def _utf16(raw: bytes) -> str | None:
    """UTF-16 text, with a byte order mark or (every other byte empty) without one."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif raw[1:200:2].count(0) > 0.9 * len(raw[1:200:2]):
        encoding = "utf-16-le"
    elif raw[0:200:2].count(0) > 0.9 * len(raw[0:200:2]):
        encoding = "utf-16-be"
    else:
        return None
    try:
        return raw.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError:
        return None


def decode(raw: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte order mark), UTF-16 or
    Windows-1252, in that order; FileProblem for anything else."""
    if not raw.strip():
        raise FileProblem(_("The selected file is empty"))
    for starts, kind in _NOT_CSV:
        if raw.startswith(starts):
            raise FileProblem(_not_csv_message(kind))
    text = _utf16(raw) if b"\x00" in raw[:4096] else None
    if text is None and b"\x00" not in raw:
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                continue
            break
    if text is not None:
        text = text.rstrip("\x1a")  # the end-of-file mark of old DOS tools
    if text is None or _CONTROL.search(text[:65536]):
        raise FileProblem(
            _("The selected file must be a CSV file. Save it as “CSV UTF-8 (comma delimited)”")
        )
    return text


DELIMITERS = (",", ";", "\t", "|")


def _dialect(text: str, delimiter: str = "") -> type[csv.Dialect]:
    """Excel's CSV, with the delimiter the headings use most (a comma if none):
    Excel in many European locales writes semicolons, ESR's "Unicode text" tabs."""
    if not delimiter:
        first_line = re.sub(r'"[^"]*"', "", text.lstrip("\r\n").split("\n", 1)[0])
        delimiter = max(DELIMITERS, key=first_line.count)
        if not first_line.count(delimiter):
            delimiter = ","

    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter
    return Dialect


@dataclass
class Table:
    headings: list[str]
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells), blank rows left out
    long_cells: dict[int, int]  # row number -> index of a cell longer than MAX_CELL


def read(text: str) -> Table:
    """The headings and rows of the CSV text (FileProblem if there are none)."""
    # Excel's own hint of the delimiter, a first line "sep=;", which Excel does not show.
    hint = re.match(r"sep=([,;\t|])\r?\n", text)
    if hint:
        text = text[hint.end() :]
    reader = csv.reader(
        io.StringIO(text, newline=""), _dialect(text, hint.group(1) if hint else "")
    )
    records: Iterator[list[str]] = iter(reader)
    try:
        headings = next(records, None)
        skipped = 0  # blank lines above the headings
        while headings is not None and not any(cell.strip() for cell in headings):
            headings = next(records, None)
            skipped += 1
        if headings is None:
            raise FileProblem(_("The selected file is empty"))
        rows: list[tuple[int, list[str]]] = []
        long_cells: dict[int, int] = {}
        for number, cells in enumerate(records, start=2 + skipped):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise FileProblem(
                    _("The file must have %(max)s rows or fewer: split it into smaller files")
                    % {"max": f"{MAX_ROWS:,}"}
                )
            long = next((i for i, cell in enumerate(cells) if len(cell) > MAX_CELL), None)
            if long is not None:
                long_cells[number] = long
                cells = [cell[:MAX_CELL] for cell in cells]
            rows.append((number, cells))
    except csv.Error as error:
        raise FileProblem(
            _("The file could not be read as CSV at row %(row)s: save it again as CSV")
            % {"row": reader.line_num}
        ) from error
    if not rows:
        raise FileProblem(_("The selected file has headings but no rows of staff"))
    return Table([h.strip() for h in headings], rows, long_cells)
