"""What the reports' SQL needs that each database spells its own way.

The groupings of the report's cells (reports.reporting.report_groupings) split
a rating's key at its colon (split_at_colon), and the cells are written in one
statement however many change (rows_selected).
"""

import json

from django.db import connection


def split_at_colon(column: str) -> tuple[str, str]:
    """SQL for the text of `column` before and after its first colon (which it has)."""
    if connection.vendor == "postgresql":
        return f"SPLIT_PART({column}, ':', 1)", f"SUBSTR({column}, STRPOS({column}, ':') + 1)"
    return (
        f"SUBSTR({column}, 1, INSTR({column}, ':') - 1)",
        f"SUBSTR({column}, INSTR({column}, ':') + 1)",
    )


def rows_selected(types: list[str], rows: list[tuple]) -> tuple[str, list]:
    """A SELECT of these rows (columns of PostgreSQL `types`), as one statement however
    many there are: arrays unnested on PostgreSQL (a parameter a column), a JSON
    array on SQLite (one parameter). WHERE true lets an INSERT … SELECT of it take
    an ON CONFLICT clause on SQLite."""
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{kind}[]" for kind in types)
        # Only the caller's type names go into the text; the rows are parameters.
        return f"SELECT * FROM unnest({arrays}) WHERE true", [  # noqa: S608
            list(column) for column in zip(*rows, strict=True)
        ]
    picked = ", ".join(f"json_extract(value, '$[{index}]')" for index in range(len(types)))
    return f"SELECT {picked} FROM json_each(%s) WHERE true", [json.dumps(rows)]  # noqa: S608
