"""Group meetings use up a group programme's allowance, where one is set.

A meeting counts when the person was present, when they were absent without
apologies and the programme counts did-not-attend, and, before its register is
taken, when they are an active member. Apologies never count.
"""

from django.db.models import Q

from kernel.models import Modality

from .models import Attendance, GroupSession, Membership


def group_meetings_used(programme, user, period) -> int:
    if programme.modality != Modality.GROUP or programme.allowance_sessions is None:
        return 0
    meetings = GroupSession.objects.filter(
        group__programme=programme, status=GroupSession.Status.SCHEDULED
    )
    if period.start is not None:
        meetings = meetings.filter(starts_at__gte=period.start)
    if period.end is not None:
        meetings = meetings.filter(starts_at__lt=period.end)
    counted = [Attendance.Status.PRESENT]
    if programme.did_not_attend_counts:
        counted.append(Attendance.Status.ABSENT)
    marked = Attendance.objects.filter(session__in=meetings, user=user)
    active_groups = Membership.objects.filter(user=user, state=Membership.State.ACTIVE).values(
        "group_id"
    )
    unmarked = meetings.filter(group_id__in=active_groups).exclude(Q(register__user=user))
    return marked.filter(status__in=counted).count() + unmarked.count()
