"""An organisation's default minimum frequency per profession, and the notices sent about it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.models import Organisation, Profession, StandardRule
from supervision_site.choices import ChoiceLabels


class ProfessionStandard(ChoiceLabels, StandardRule):
    """The minimum frequency for a profession, used where a programme sets none."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="profession_standards"
    )
    profession = models.CharField(_("profession"), max_length=32, choices=Profession.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["profession"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "profession"], name="profession_standard_unique"
            ),
            *StandardRule.standard_constraints("profession"),
        ]

    def __str__(self) -> str:
        return f"{self.get_profession_display()} in {self.organisation_id}"


class StandardNotice(ChoiceLabels, models.Model):
    """A notice about being due or overdue: one per person, reason and due date.

    The unique constraint is the "at most once per reason per period" rule: the
    period is the one that ends on `due_on`, so a person who has supervision and
    later falls due again can be told again.
    """

    class Reason(models.TextChoices):
        REMINDER = "reminder", _("Reminder before supervision is due")
        NUDGE_DUE_SOON = "nudge_due_soon", _("Nudge: supervision due soon")
        NUDGE_OVERDUE = "nudge_overdue", _("Nudge: supervision overdue")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="standard_notices"
    )
    reason = models.CharField(max_length=16, choices=Reason.choices)
    due_on = models.DateField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "reason", "due_on"], name="standard_notice_once_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reason} for user {self.user_id}, due {self.due_on}"
