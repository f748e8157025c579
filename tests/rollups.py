"""The report's roll-ups as the worker leaves them, for tests that read them."""

from kernel.models import Organisation
from reports.services import catch_up_moves, refresh_pending_rollups


def drained() -> None:
    """What the worker does within seconds of a change (reports.tasks): every roll-up
    that changes marked stale (reports.models.RollupPending) worked out again; and
    what a report's read does first, every person's share of the report's cells
    brought in line with who they are now (reports.services.catch_up_moves)."""
    for organisation_id in Organisation.objects.values_list("pk", flat=True):
        catch_up_moves(organisation_id)
    while refresh_pending_rollups(limit=10_000):
        pass
