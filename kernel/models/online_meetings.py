"""A Microsoft Teams meeting made through Microsoft Graph for one record: a one-to-one
session (supervision) or a group meeting (peergroups).

The kernel keeps it, by the record's type and id (as the outbox does), so each
app has its meetings without another app reading its tables.
kernel.services.teams creates, moves and cancels it from a Celery task; the row says
where that stands, in words the supervisor can read.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from supervision_site.choices import ChoiceLabels

from .organisations import Organisation


class OnlineMeeting(ChoiceLabels, models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Being created or updated")
        CREATED = "created", _("Created")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    # The session (or group meeting) it is for: kernel.records.record_type and pk.
    target_type = models.CharField(max_length=64)
    target_id = models.BigIntegerField()
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="online_meetings"
    )
    # Sent to Graph as the externalId of createOrGet: a create that is retried
    # (a worker died after Graph answered) gets the same meeting, never a second.
    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The Microsoft 365 user (object id or user principal name) who organises it.
    organiser = models.CharField(max_length=320, blank=True)
    graph_id = models.CharField(max_length=500, blank=True)
    join_url = models.URLField(max_length=2000, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    # The times and subject Graph holds, so a move is sent only when they differ.
    synced_starts_at = models.DateTimeField(null=True, blank=True)
    synced_ends_at = models.DateTimeField(null=True, blank=True)
    synced_subject = models.CharField(max_length=255, blank=True)
    # What went wrong last, in words for the supervisor (no secrets, no tokens).
    last_error = models.CharField(max_length=500, blank=True)
    # Calls to Graph that failed since the last success.
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id"], name="one_online_meeting_per_target"
            ),
        ]

    def __str__(self) -> str:
        return f"Teams meeting for {self.target_type} {self.target_id} ({self.state})"
