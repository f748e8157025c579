"""What the home page shows facilitators and peer supporters (registered as home sections)."""

from datetime import datetime

from django.utils import timezone

from kernel.prepared import PreparedQuery

from .models import GroupSession, SupportRequest, first_contact_overdue
from .notifications_groups import meeting_when
from .permissions import (
    communities_listed_for,
    meetings_facilitated_by,
    meetings_of,
    meetings_to_complete,
    support_requests_supported_by,
)
from .services.teams import with_join_links

MEMBER_MEETINGS_ON_HOME = 5


def facilitator_summary(user, now=None, limit: int = 3) -> dict:
    now = now or timezone.now()
    meetings = (
        meetings_facilitated_by(user)
        .filter(status=GroupSession.Status.SCHEDULED, ends_at__gt=now)
        .select_related("group__organisation")
        .order_by("starts_at")[:limit]
    )
    return {"meetings": list(meetings), "to_complete": meetings_to_complete(user, now).count()}


# What a list of meetings shows of each (peergroups/groups/meeting_items.html, the
# list of one's sessions): when, the group's name, and where or how to join. Only
# those columns: a meeting with its group and organisation is 57, and Django builds
# each one.
LISTED_FIELDS = (
    "starts_at",
    "ends_at",
    "status",
    "group__name",
    "group__mode",
    "group__meeting_link",
    "group__location",
    "group__organisation__time_zone",
)


def _coming_up(meetings, now):
    """Scheduled meetings not yet over, soonest first."""
    return (
        meetings.filter(status=GroupSession.Status.SCHEDULED, ends_at__gt=now)
        .select_related("group__organisation")
        .only(*LISTED_FIELDS)
        .order_by("starts_at")
    )


def _listed(meetings: list[GroupSession]) -> list[GroupSession]:
    """Each meeting with its `when_text` and `join_link`."""
    for meeting in meetings:
        meeting.when_text = meeting_when(meeting)
    return with_join_links(meetings)


# The same queries on every view of one's home page and list of sessions, their SQL
# built once per process (kernel/prepared.py).
_member_meetings_of = PreparedQuery(
    lambda user_id, now: _coming_up(meetings_of(user_id, facilitated=False), now)[
        :MEMBER_MEETINGS_ON_HOME
    ],
    types=(int, datetime),
)
_meetings_of = PreparedQuery(
    lambda user_id, now: _coming_up(meetings_of(user_id), now), types=(int, datetime)
)


def member_meetings(user, now=None) -> list[GroupSession]:
    """For the home page: the next meetings of the groups the user is a member of."""
    return _listed(_member_meetings_of(user.pk, now or timezone.now()))


def listed_meetings(user, now=None) -> list[GroupSession]:
    """For the list of one's sessions: every meeting to come of the user's groups, as a
    member or a facilitator (at most the 6-month horizon of each group)."""
    return _listed(_meetings_of(user.pk, now or timezone.now()))


def supporter_summary(user, now=None) -> dict:
    now = now or timezone.now()
    open_requests = support_requests_supported_by(user).filter(
        status=SupportRequest.Status.ASSIGNED
    )
    return {
        "open": open_requests.count(),
        "first_contact_overdue": open_requests.filter(first_contact_overdue(now)).count(),
        "communities": communities_listed_for(user),
    }


def register_home_sections() -> None:
    from kernel.models import Role
    from supervision.home_sections import Section, register

    register(Section("facilitating", Role.FACILITATOR, facilitator_summary))
    register(Section("supporting", Role.PEER_SUPPORTER, supporter_summary))
    register(Section("group_meetings", None, member_meetings))
    register(Section("group_meetings", None, listed_meetings, page="sessions"))
