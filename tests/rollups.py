"""The report's roll-ups as the worker leaves them, for tests that read them."""

from reports.services import refresh_pending_rollups


def drained() -> None:
    """What the worker does within seconds of a change (reports.tasks): every roll-up
    that changes marked stale (reports.models.RollupPending) worked out again."""
    while refresh_pending_rollups(limit=10_000):
        pass
