"""A group's meetings as calendar series: what people's calendars hold of a group.

One series is one recurring calendar event (one UID, an RRULE): the group's
rule from its first meeting on. A change of schedule ends the series at that
moment (the meetings already held stay in people's calendars) and starts a
new one; a meeting moved or cancelled on its own is an exception inside its
series (RECURRENCE-ID, EXDATE). peergroups.services.series keeps the two in
step; the rule is copied here because an ended series keeps its old one.
"""

import uuid

from django.db import models
from django.db.models import Q

from supervision_site.choices import ChoiceLabels

from .groups import Group, Recurrence


class GroupSeries(ChoiceLabels, models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="series")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Grows on every change people's calendars must take in (RFC 5545 SEQUENCE).
    sequence = models.PositiveIntegerField(default=0)
    recurrence = models.CharField(max_length=16, choices=Recurrence.choices)
    weekday = models.PositiveSmallIntegerField()
    week_of_month = models.PositiveSmallIntegerField(default=1)
    start_time = models.TimeField()
    end_time = models.TimeField()
    # The date of its first meeting (DTSTART), one the rule gives.
    first_date = models.DateField()
    # No meeting of the series starts after this (RRULE UNTIL): the group's last
    # date, or the moment the schedule changed or the group closed. None: open.
    until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["group", "first_date"]
        constraints = [
            models.UniqueConstraint(fields=["group", "first_date"], name="one_series_per_start"),
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="series_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"Series of {self.group_id} from {self.first_date}"
