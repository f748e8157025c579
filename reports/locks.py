"""The roll-ups' own lock on a person, taken by everything that changes their rows."""

from django.db import connection

# The class of PostgreSQL advisory lock the roll-ups take per person (two keys: this, the id).
ROLLUP_LOCK = 19


def lock_people(ids: list[int]) -> None:
    """Hold these people's roll-up rows until the transaction ends, in id order.

    An advisory lock of the roll-ups' own, not a lock on the person's row, so
    it never waits on (or deadlocks with) the services that lock people for
    their own reasons. SQLite runs one writer at a time already.
    """
    if connection.vendor != "postgresql":
        return
    # One statement however many people (a drain takes up to DRAIN_LIMIT): unnest
    # yields the ids in the array's order, ascending, and each lock is taken as its
    # row is, so the order that prevents deadlocks holds.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(%s, id)) FROM unnest(%s::integer[]) AS id",
            [ROLLUP_LOCK, ids],
        )
