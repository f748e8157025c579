from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kernel.models import Organisation
from supervision_site.encryption import EncryptedTextField


class WellbeingCheckIn(models.Model):
    """How someone feels about work. Its author sees it; leads see aggregates of 5+."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wellbeing_checkins"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    # Denormalised for aggregates by department, band and profession at the time.
    department_id = models.BigIntegerField(null=True, blank=True)
    band = models.CharField(max_length=8, blank=True)
    profession = models.CharField(max_length=32, blank=True)
    feeling = models.PositiveSmallIntegerField(_("how you are feeling about work"))
    # Confidential: its author only.
    comment = EncryptedTextField(_("anything you would like to add"), blank=True, max_length=2000)
    wants_peer_support = models.BooleanField(default=False)
    support_request_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The report's check-ins: an organisation's months, read from the index
            # alone on PostgreSQL (its INCLUDE; other databases index the two
            # columns only), with what the people filters and both tables need.
            models.Index(
                fields=["organisation", "created_at"],
                include=["author", "feeling", "department_id", "band", "profession"],
                name="checkin_org_time",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(feeling__gte=1, feeling__lte=5), name="feeling_one_to_five"
            ),
        ]

    def __str__(self) -> str:
        return f"Check-in {self.pk}"
