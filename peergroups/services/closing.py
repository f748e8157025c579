"""Closing a group: it stops, everyone is told once, and its history stays.

A closed group leaves the lists people browse and the "active groups" figures
(Group.objects.open()); its past meetings, registers and records are kept, and
its facilitators, members and programme admins can still open them.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_log, words_given

from ..models import Group, Membership
from .groups import GroupRefused, _cancel, _future_meetings, _lock, _people
from .series import current_series, series_end

# Places that end with the group; members keep theirs, as the group's history.
ENDED_BY_CLOSING = (
    Membership.State.REQUESTED,
    Membership.State.WAITING,
    Membership.State.OFFERED,
)


def _tell():
    from .. import notifications_members

    return notifications_members


@transaction.atomic
def group_close(*, actor, group: Group, reason: str, now=None) -> Group:
    """Close the group, saying why: its future meetings are cancelled, requests and
    the waiting list end, and each person is sent one message with the reason
    (and their calendar series, ended)."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Enter the reason for closing the group"))
    group = _lock(group)
    if not group.is_active:
        raise GroupRefused(_("This group has already closed."))
    series = current_series(group)
    cancelled = 0
    for meeting in _future_meetings(group, now).select_related("group__organisation"):
        _cancel(actor, meeting, reason, tell=False)
        cancelled += 1
    series_end(series, now)
    people = _people(group)
    waiting = list(group.memberships.filter(state__in=ENDED_BY_CLOSING))
    for membership in waiting:
        membership.state = Membership.State.CLOSED
        membership.ended_at = now
        membership.offer_expires_at = None
        membership.full_clean(exclude=["group", "user"])
        membership.save()
    group.is_active = False
    group.closed_at = now
    group.closed_reason = reason
    group.closed_by = actor
    group.full_clean()
    group.save()
    audit_log(
        actor=actor,
        action="group.closed",
        target=group,
        organisation_id=group.organisation_id,
        summary=f"Group {group.name} closed; {cancelled} future meeting(s) cancelled",
        details=words_given(reason=reason),
    )
    _tell().group_closed(group, series=[series], people=people, others=[m.user_id for m in waiting])
    return group
