"""What the reports' SQL needs that each database spells its own way.

The groupings of the report's cells (reports.reporting.report_groupings) split
a rating's key at its colon (split_at_colon).
"""

from django.db import connection


def split_at_colon(column: str) -> tuple[str, str]:
    """SQL for the text of `column` before and after its first colon (which it has)."""
    if connection.vendor == "postgresql":
        return f"SPLIT_PART({column}, ':', 1)", f"SUBSTR({column}, STRPOS({column}, ':') + 1)"
    return (
        f"SUBSTR({column}, 1, INSTR({column}, ':') - 1)",
        f"SUBSTR({column}, INSTR({column}, ':') + 1)",
    )
