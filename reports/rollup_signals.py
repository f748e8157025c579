"""Every change to a fact the report counts marks its people's roll-ups stale, in its
own transaction.

Sessions, themes, register entries, meetings, groups and feedback change
through many services (booking, logging, cancelling, moving, taking a
register, cancelling or moving a meeting, editing a group, giving feedback);
each saves or deletes its model, and each app's `reporting.watch_facts` says
which people and kinds of roll-up row such a change touches, so one rule
(reports.services.rollups_mark_stale) runs on every path without each service
having to remember it. A write in bulk, past the save signals, says so with
kernel.signals.facts_written. The rows are worked out again later
(reports.services.refresh_pending_rollups: a task every few seconds, and every
report before it is read). A person's staff details and whether they are
active are not copied into the roll-ups (the report reads them through the
person), so moving or deactivating someone needs nothing.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from feedback import reporting as feedback_reporting
from kernel.signals import facts_written
from peergroups import reporting as group_reporting
from supervision import reporting as supervision_reporting

from .checkin_cells import refresh_checkins
from .services import rollups_mark_stale


def connect(keep=rollups_mark_stale) -> None:
    """Call `keep(people, kinds)` on every change to a fact: rollups_mark_stale, or (the
    benchmark's comparison) whatever else is to be measured in its place."""

    def written_in_bulk(sender, people, kinds, **kwargs):
        keep(people, kinds)

    def person_erased(sender, instance, **kwargs):
        # Their check-ins went with them, and a person who is gone cannot be marked
        # stale: their share of the check-in cells is taken out in this transaction.
        refresh_checkins([instance.pk])

    for app in (supervision_reporting, group_reporting, feedback_reporting):
        app.watch_facts(keep)
    facts_written.connect(written_in_bulk, weak=False, dispatch_uid="rollups-bulk")
    post_delete.connect(
        person_erased, sender=get_user_model(), weak=False, dispatch_uid="rollups-erased"
    )


def disconnect() -> None:
    """Stop following changes (every receiver `connect` made: their ids start
    "rollups-"), for bench/report_sql.py to measure the changes without them."""
    for signal in (post_save, post_delete, pre_delete, m2m_changed, facts_written):
        with signal.lock:
            signal.receivers = [
                receiver
                for receiver in signal.receivers
                if not str(receiver[0][0]).startswith("rollups-")
            ]
            signal.sender_receivers_cache.clear()
