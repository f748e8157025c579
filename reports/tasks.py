from celery import shared_task

from .services import DRAIN_LIMIT, refresh_pending_rollups

# Batches one run works out at most (DRAIN_LIMIT rows each), so a run ends well
# inside its time limit however large the backlog; beat starts the next.
BATCHES = 25


@shared_task(name="reports.tasks.refresh_pending_rollups", ignore_result=True)
def refresh_pending_rollups_task() -> int:
    """Every few seconds: work out the roll-ups that changes marked stale, a batch at a
    time (each its own transaction), until none wait; how many rows it took. Two
    runs at once take different rows (SKIP LOCKED)."""
    taken = 0
    for _ in range(BATCHES):
        batch = refresh_pending_rollups(limit=DRAIN_LIMIT)
        taken += batch
        if batch < DRAIN_LIMIT:
            break
    return taken
