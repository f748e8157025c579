"""The outbox: every reminder and prompt is a row before it is an email.

A row is scheduled once (a unique constraint on recipient, kind, object and
due time makes scheduling it again a no-op), claimed by the dispatcher, and
sent by a task that re-checks its state under a row lock, so neither a
redelivered task nor a second dispatcher can send it twice, and a worker that
dies leaves it to be claimed again (notifications.sending says exactly what is
promised when a worker dies mid-send).

What a row says is kept no longer than delivering it needs. Until then its
payload (which may carry a person's words: why a session was moved) is
encrypted at rest; once the row is sent, cancelled or failed for good the
payload is emptied, and a sent row keeps only its subject and link for the
person's in-app list.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kernel.records import record_type
from supervision_site.choices import ChoiceLabels
from supervision_site.encryption import EncryptedJSONField


class NotificationQuerySet(models.QuerySet):
    def for_target(self, target: models.Model):
        return self.filter(target_type=record_type(target), target_id=target.pk)

    def pending(self):
        return self.filter(state=Notification.State.PENDING)

    def cancel(self) -> int:
        """Cancel these rows; what they would have said goes with them."""
        return self.update(state=Notification.State.CANCELLED, payload={})


class Notification(ChoiceLabels, models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=48, db_index=True)
    # The object it concerns, by label and id: the outbox knows no other app's tables.
    target_type = models.CharField(max_length=64)
    target_id = models.BigIntegerField()
    organisation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    due_at = models.DateTimeField()
    # When to try next: the due time, later after a failure or in quiet hours.
    next_attempt_at = models.DateTimeField(db_index=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # When the dispatcher handed it to the broker; claimed again once the lease
    # (NOTIFICATIONS_LEASE_SECONDS) has run out with the row still unsent.
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Committed just before the email is handed to the mail server and cleared
    # once the outcome is recorded: a row found with one that is older than the
    # lease was being sent by a worker that died, and may or may not have gone.
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    # Bumped when a cancelled row is scheduled again: a new message, so a new
    # Message-ID (a mail system that de-duplicates must not drop it as a repeat).
    version = models.PositiveIntegerField(default=1)
    sent_at = models.DateTimeField(null=True, blank=True)
    emailed = models.BooleanField(default=False)
    # What the message says and links to, fixed when it is sent (for the in-app list).
    subject = models.CharField(max_length=255, blank=True)
    url = models.CharField(max_length=500, blank=True)
    # What rendering it needs (a reminder's hours, the reason for a move), until it
    # is sent: then emptied (notifications.sending). Never session content.
    payload = EncryptedJSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-due_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "target_type", "target_id", "due_at"],
                name="notification_once_per_reason",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="notification_due_pending",
                condition=Q(state__in=["pending", "sending"]),
            ),
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["recipient", "-due_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to user {self.recipient_id} at {self.due_at:%Y-%m-%d %H:%M}Z"


class NotificationPreference(models.Model):
    """A person's choice to have (or not) emails of one kind."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=48)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {'email' if self.email else 'in app only'}"
