"""From the uploaded bytes to rows of text, or a problem with the whole file.

ESR's reports are saved as CSV by Excel: UTF-8 (with or without a byte order
mark), Windows-1252 from older Excel, or UTF-16 "Unicode text" with tabs. A
workbook or other binary file is refused with a message saying how to save
it as CSV. Rows are numbered as a spreadsheet numbers them: the headings are
row 1, the first person row 2.
"""

import csv
import io
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


def decode(raw: bytes) -> str:
    if not raw.strip():
        raise FileProblem(_("The selected file is empty"))
    if raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise FileProblem(
            _(
                "The selected file is an Excel workbook. Save it as "
                "“CSV UTF-8 (comma delimited)” and upload that"
            )
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in raw:
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise FileProblem(
        _("The selected file must be a CSV file. Save it as “CSV UTF-8 (comma delimited)”")
    )


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    first_line = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first_line, delimiters=",\t;|")
    except csv.Error:
        return csv.excel


@dataclass
class Table:
    headings: list[str]
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells), blank rows left out
    long_cells: dict[int, int]  # row number -> index of a cell longer than MAX_CELL


def read(text: str) -> Table:
    """The headings and rows of the CSV text (FileProblem if there are none)."""
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    records: Iterator[list[str]] = iter(reader)
    try:
        headings = next(records, None)
        while headings is not None and not any(cell.strip() for cell in headings):
            headings = next(records, None)
        if headings is None:
            raise FileProblem(_("The selected file is empty"))
        rows: list[tuple[int, list[str]]] = []
        long_cells: dict[int, int] = {}
        for number, cells in enumerate(records, start=2):
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
