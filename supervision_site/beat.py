"""Beat's scheduler, except that a run it could not publish is still owed.

Celery's own scheduler records a run as done before it publishes the task, and a
publish that fails (the broker is down) is logged and forgotten: a daily scan whose
time passes during a Redis outage waits a day, a monthly one a month. This scheduler
puts the previous run time back when the publish fails and tries again every
`retry_seconds` until the broker takes it, so the run happens late, not never.
Every scheduled task is safe to run twice, so a retry after a publish that failed
half-way costs nothing. The owed run is saved in beat's schedule file like any other,
so a beat restarted during the outage still owes it (Celery runs an entry whose
last run is older than its schedule once at start).
"""

import heapq
import logging
import time

from celery.beat import PersistentScheduler, ScheduleEntry, event_t

logger = logging.getLogger(__name__)


class CatchUpScheduler(PersistentScheduler):
    retry_seconds = 30.0

    def __init__(self, *args, **kwargs) -> None:
        self._owed: dict[str, object] = {}  # entry name -> its last real run
        super().__init__(*args, **kwargs)

    def apply_entry(self, entry: ScheduleEntry, producer=None) -> None:
        try:
            self.apply_async(entry, producer=producer, advance=False)
        except Exception as error:  # any failure to publish leaves the run owed
            # reserve() has already stored the next entry with this run as its last;
            # the run did not happen, so it keeps the last run it really had.
            name = str(entry.name)
            reserved = self.schedule.get(name)
            if reserved is not None:
                reserved.last_run_at = entry.last_run_at
            self._owed[name] = entry.last_run_at
            logger.warning(
                "Beat could not publish %s (%s); trying again in %.0f seconds",
                entry.name,
                type(error).__name__,
                self.retry_seconds,
            )
        else:
            logger.debug("Beat published %s", entry.name)

    def tick(self, *args, **kwargs) -> float:
        delay = super().tick(*args, **kwargs)
        current: list | None = getattr(self, "_heap", None)
        if self._owed and current is not None:
            # tick() put the entry back at its next scheduled time; bring it forward.
            # The heap holds its own copy of the entry (beat's shelve hands out fresh
            # copies after each sync), so it too keeps the last real run.
            retry_at = time.time() + self.retry_seconds
            heap: list = []
            for event in current:
                if event.entry.name in self._owed:
                    event.entry.last_run_at = self._owed[event.entry.name]
                    event = event_t(retry_at, event.priority, event.entry)
                heap.append(event)
            heapq.heapify(heap)
            self._heap = heap
            self._owed.clear()
        return delay
