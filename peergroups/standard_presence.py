"""Group meetings a person was present at, for supervision standards.

`supervision.standards` counts them towards a minimum frequency where the rule
says group meetings count; this app knows what "present" means.
"""

from django.db.models import F, QuerySet

from .models import Attendance, GroupSession


def meetings_present(user) -> QuerySet:
    """Meetings where `user` (an OuterRef or an id) was marked present, in any group
    they joined (one hosted by another organisation too): grouped by person, with
    the meeting's start as `starts_at`."""
    return (
        Attendance.objects.filter(
            user_id=user,
            status=Attendance.Status.PRESENT,
            session__status=GroupSession.Status.SCHEDULED,
        )
        .order_by()
        .values("user_id")
        .alias(starts_at=F("session__starts_at"))
    )
