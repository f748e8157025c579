"""The monthly wellbeing check-in prompt, registered with the outbox.

Nothing confidential goes in it: a question and a link.
"""

import datetime
import zoneinfo

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.models import StaffProfile
from notifications import registry
from notifications.services import notification_schedule

# Someone who checked in this recently is not asked again.
RECENT = datetime.timedelta(days=25)
PROMPT_AT = datetime.time(10, 0)


def _wellbeing_prompt(notification):
    from .models import WellbeingCheckIn

    recipient = notification.recipient
    if not recipient.is_active:
        return None
    if WellbeingCheckIn.objects.filter(
        author=recipient, created_at__gte=timezone.now() - RECENT
    ).exists():
        return None
    profile = StaffProfile.objects.select_related("organisation").filter(user=recipient).first()
    if profile is None:
        return None
    return registry.Message(
        subject=str(_("How are you feeling about work at the moment?")),
        template="wellbeing_prompt",
        context={"time_zone": profile.organisation.time_zone},
        organisation_name=profile.organisation.name,
        url=reverse("feedback:wellbeing_checkin"),
    )


KINDS = [
    registry.Kind(
        "wellbeing_prompt",
        _("Monthly wellbeing check-in"),
        _wellbeing_prompt,
        prompt=True,
        optional=True,
    ),
]


def schedule_wellbeing_prompts(today: datetime.date | None = None) -> int:
    """One prompt per active member of staff, due at 10:00 local on the 1st of this month.

    Safe to run again: the same person, month and kind is the same row.
    """
    today = today or timezone.localdate()
    first = today.replace(day=1)
    scheduled = 0
    staff = StaffProfile.objects.filter(user__is_active=True).select_related("user", "organisation")
    for profile in staff.iterator(chunk_size=500):
        zone = profile.organisation.time_zone
        due = datetime.datetime.combine(first, PROMPT_AT, tzinfo=zoneinfo.ZoneInfo(zone))
        notification_schedule(
            recipient=profile.user,
            kind="wellbeing_prompt",
            target=profile,
            due_at=due,
            organisation_id=profile.organisation_id,
            time_zone=zone,
        )
        scheduled += 1
    return scheduled
