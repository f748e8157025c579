"""What the reports' SQL needs of the database that SQLite lacks.

RollupCounts ORs each person's month masks together with BIT_OR, an aggregate
PostgreSQL has and SQLite does not: Django registers this one on each of its
SQLite connections (as audit.db registers the audit trigger's function). Its
groupings split a rating's key at its colon, which each database spells its own
way (split_at_colon).
"""

from django.db import connection


class _BitOr:
    """BIT_OR(x): the bitwise OR of the group's values (NULLs left out)."""

    def __init__(self) -> None:
        self.value: int | None = None

    def step(self, value: int | None) -> None:
        if value is not None:
            self.value = value if self.value is None else self.value | value

    def finalize(self) -> int | None:
        return self.value


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """connection_created receiver: give each SQLite connection BIT_OR."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("BIT_OR", 1, _BitOr)


def split_at_colon(column: str) -> tuple[str, str]:
    """SQL for the text of `column` before and after its first colon (which it has)."""
    if connection.vendor == "postgresql":
        return f"SPLIT_PART({column}, ':', 1)", f"SUBSTR({column}, STRPOS({column}, ':') + 1)"
    return (
        f"SUBSTR({column}, 1, INSTR({column}, ':') - 1)",
        f"SUBSTR({column}, INSTR({column}, ':') + 1)",
    )
