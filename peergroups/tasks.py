"""Daily group upkeep: meetings out to the horizon, and offers past their deadline.

Each task takes ids and is safe to run twice.
"""

from celery import shared_task
from django.utils import timezone

from .models import Group, Membership


@shared_task
def extend_group_meetings() -> int:
    """Generate every active group's meetings out to about 6 months ahead."""
    from .services.groups import groups_needing_meetings

    for group_id in groups_needing_meetings():
        extend_one_group.delay(group_id)
    return 0


@shared_task
def extend_one_group(group_id: int) -> int:
    from .services.groups import meetings_extend_for

    if not Group.objects.open().filter(pk=group_id).exists():
        return 0
    return meetings_extend_for(group_id=group_id)


@shared_task
def expire_group_offers() -> int:
    """Expire offers past their deadline and offer each place to the next person waiting."""
    from .services.groups import offers_expire

    group_ids = (
        Membership.objects.filter(
            state=Membership.State.OFFERED, offer_expires_at__lte=timezone.now()
        )
        .values_list("group_id", flat=True)
        .distinct()
    )
    return sum(offers_expire(group_id=group_id) for group_id in list(group_ids))
