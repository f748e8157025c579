"""The database side of the append-only trail (see migrations/0002_append_only.py).

On SQLite the DELETE trigger asks the SQL function audit_purge_allowed(),
which Django registers on each of its connections. It answers true only while
`purge_allowed()` is active in this thread, which only `manage.py flush`
does: flushing a SQLite database empties every table with DELETE, where
PostgreSQL uses TRUNCATE (which the trigger there does not see).
"""

import contextlib
import contextvars

_purging = contextvars.ContextVar("audit_purging", default=False)


@contextlib.contextmanager
def purge_allowed():
    """Let this thread empty the audit table on SQLite (for `flush` only)."""
    token = _purging.set(True)
    try:
        yield
    finally:
        _purging.reset(token)


def _audit_purge_allowed() -> int:
    return int(_purging.get())


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """connection_created receiver: give each SQLite connection the trigger's function."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("audit_purge_allowed", 0, _audit_purge_allowed)
