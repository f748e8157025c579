"""Notices about supervision standards: "your supervision is due by …", "… overdue since …".

One kind, `supervision_due`, about a StandardNotice (a nudge from a programme
admin or the reminder before a person becomes overdue). Whether it is still
true is checked when it is sent: someone who has had supervision since is not
told they are due.
"""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.models import Organisation, StaffProfile
from notifications import registry

from .models import StandardNotice
from .services.standards import KIND, notice_send
from .standards import DUE_SOON, OVERDUE, standing_of, standings


def _render(notification):
    notice = (
        StandardNotice.objects.select_related("organisation")
        .filter(pk=notification.target_id)
        .first()
    )
    profile = StaffProfile.objects.filter(user=notification.recipient).first()
    if notice is None or profile is None:
        return None
    standing = standing_of(profile)
    if standing.status not in (DUE_SOON, OVERDUE):
        return None  # had supervision since
    if standing.status == OVERDUE:
        subject = _("You are overdue for supervision since %(date)s") % {
            "date": f"{standing.overdue_since:%-d %B %Y}"
        }
    else:
        subject = _("Your next supervision is due by %(date)s") % {
            "date": f"{standing.due_on:%-d %B %Y}"
        }
    return registry.Message(
        subject=str(subject),
        template="supervision_due",
        context={"standing": standing, "nudged": notice.sent_by_id is not None},
        organisation_name=notice.organisation.name,
        url=reverse("supervision:programmes"),
    )


def register_kinds() -> None:
    registry.register(
        registry.Kind(KIND, _("Reminders that your supervision is due or overdue"), _render)
    )


def schedule_standard_reminders(now: datetime.datetime | None = None) -> int:
    """Daily: one reminder to each person who has become due soon, once per due date.

    Re-runnable: a person already reminded for this due date is not reminded
    again (StandardNotice's unique constraint), so a missed or repeated run
    loses or doubles nothing.
    """
    now = now or timezone.now()
    sent = 0
    for organisation in Organisation.objects.order_by("pk"):
        people = StaffProfile.objects.active().filter(organisation=organisation)
        due = {pk: s for pk, s in standings(people, now=now).items() if s.status == DUE_SOON}
        if not due:
            continue
        reminded = set(
            StandardNotice.objects.filter(
                organisation=organisation,
                reason=StandardNotice.Reason.REMINDER,
                due_on__in={s.due_on for s in due.values()},
            ).values_list("user__profile__pk", "due_on")
        )
        for profile in people.filter(pk__in=due).select_related("user", "organisation"):
            standing = due[profile.pk]
            if standing.due_on is None or (profile.pk, standing.due_on) in reminded:
                continue
            if notice_send(
                profile=profile,
                reason=StandardNotice.Reason.REMINDER,
                due_on=standing.due_on,
                due_at=now,
            ):
                sent += 1
    return sent
