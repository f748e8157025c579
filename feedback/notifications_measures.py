"""The wellbeing measure's prompts: at joining, then every few months, through the outbox.

Nothing confidential goes in them: which programme asks, and a link. Planned
by a scan (beat, hourly) from who takes part in each programme with a measure
and when each person answered last (`services.measures.next_due`); the outbox
keeps one prompt per person, measure and due time, so the scan is safe to
repeat. A prompt no longer due when its time comes (answered already, left the
programme, the measure stopped or its interval changed) is not sent.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications import registry
from notifications.services import notification_schedule

from .models import MeasureResponse, WellbeingMeasure
from .permissions_measures import participants_joined
from .services.measures import next_due

KIND = "wellbeing_measure_prompt"
# Prompts are planned this far ahead of their time; later ones wait for a later scan.
PLAN_AHEAD = datetime.timedelta(days=1)


def _measure_prompt(notification):
    measure = (
        WellbeingMeasure.objects.select_related("programme__organisation")
        .filter(pk=notification.target_id, is_active=True)
        .first()
    )
    if measure is None:
        return None
    key = (measure.programme_id, notification.recipient_id)
    joined = participants_joined([measure.programme_id], [notification.recipient_id]).get(key)
    if joined is None:
        return None
    answered = MeasureResponse.objects.filter(
        measure=measure, author_id=notification.recipient_id
    ).aggregate(count=Count("pk"), last=Max("submitted_at"))
    due = next_due(measure, joined, answered["count"], answered["last"])
    if (due.occasion, due.due_at) != (notification.payload.get("occasion"), notification.due_at):
        return None
    programme = measure.programme
    return registry.Message(
        subject=str(_("A few questions about how you are: %(programme)s"))
        % {"programme": programme.name},
        template="measure_prompt",
        context={"programme": programme, "first": due.occasion == 0},
        organisation_name=programme.organisation.name,
        url=reverse("feedback:wellbeing_measure", args=[programme.pk]),
    )


KINDS = [
    registry.Kind(KIND, _("Wellbeing questions at joining a programme and after"), _measure_prompt)
]


def plan_measure_prompts(now: datetime.datetime | None = None) -> int:
    """Plan each participant's next prompt of every measure being asked; returns how many.

    Safe to run again: the same person, measure and due time is the same row.
    """
    now = now or timezone.now()
    User = get_user_model()
    planned = 0
    measures = WellbeingMeasure.objects.filter(is_active=True).select_related(
        "programme__organisation"
    )
    for measure in measures:
        joined = participants_joined([measure.programme_id])
        answered = {
            row["author_id"]: (row["count"], row["last"])
            for row in measure.responses.values("author_id")
            .annotate(count=Count("pk"), last=Max("submitted_at"))
            .order_by()
        }
        organisation = measure.programme.organisation
        for (_programme, user_id), when in joined.items():
            due = next_due(measure, when, *answered.get(user_id, (0, None)))
            if due.due_at > now + PLAN_AHEAD:
                continue
            notification_schedule(
                recipient=User(pk=user_id),
                kind=KIND,
                target=measure,
                due_at=due.due_at,
                organisation_id=organisation.pk,
                payload={"occasion": due.occasion},
                time_zone=organisation.time_zone,
            )
            planned += 1
    return planned
