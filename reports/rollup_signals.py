"""Every change to a fact the report counts reaches the roll-ups, in its own transaction.

Sessions, themes, register entries, meetings, groups and feedback change
through many services (booking, logging, cancelling, moving, taking a
register, cancelling or moving a meeting, editing a group, giving feedback);
each saves or deletes its model, and each app's `reporting.watch_facts` says
which people and kinds of roll-up row such a change touches, so one rule
(reports.services.refresh_rollups) runs on every path without each service
having to remember it. A write in bulk, past the save signals, says so with
kernel.signals.facts_written. A person's staff details and whether they are
active are not copied into the roll-ups (the report reads them through the
person), so moving or deactivating someone needs nothing.
"""

from feedback import reporting as feedback_reporting
from kernel.signals import facts_written
from peergroups import reporting as group_reporting
from supervision import reporting as supervision_reporting

from .services import refresh_rollups


def _written_in_bulk(sender, people, kinds, **kwargs):
    refresh_rollups(people, kinds)


def connect() -> None:
    for app in (supervision_reporting, group_reporting, feedback_reporting):
        app.watch_facts(refresh_rollups)
    facts_written.connect(_written_in_bulk, dispatch_uid="rollups-bulk")
