from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """Who changed what, and when. Written only by service functions.

    `target_type`/`target_id` name the changed record without a database-level
    link, so an entry outlives its record; `details` never holds confidential
    text, only identifiers and the names of what changed.

    Append-only: a database trigger refuses UPDATE and DELETE (migration
    0002_append_only). So nothing may ever need to change a row: the actor is
    kept as a bare id (no constraint, no SET_NULL), and people are deactivated
    or anonymised, never deleted.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        # Never cascade into the trail: deleting a user must not touch audit rows.
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    organisation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    summary = models.CharField(max_length=255)
    details = models.JSONField(default=dict, blank=True)
    # Where the request came from (None for background tasks and commands).
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.summary}"
