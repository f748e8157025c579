"""What the reports' SQL needs of the database that SQLite lacks.

RollupCounts ORs each person's month masks together with BIT_OR, an aggregate
PostgreSQL has and SQLite does not: Django registers this one on each of its
SQLite connections (as audit.db registers the audit trigger's function).
"""


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
