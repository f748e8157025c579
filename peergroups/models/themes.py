"""What groups feed back to their organisation: themes, and facilitators from outside it.

A theme statement (seed 004) is written for the organisation by a group's
facilitators after a meeting: a category from the organisation's themes and a
short statement that names and describes nobody. It stays a draft, seen by the
facilitators only, until a facilitator releases it: the co-facilitator who did
not write it last, or the group's only facilitator. The meeting's record is
never shown to the organisation; the statement is a separate text.

An external facilitator is a person from outside the organisation (an
independent practitioner, say) who holds the facilitator role there and
nothing else: no staff profile in it, so no staff figure, directory or
denominator counts them.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kernel.models import Organisation, Theme
from supervision_site.choices import ChoiceLabels
from supervision_site.encryption import EncryptedTextField

from .groups import GroupSession

STATEMENT_MAX_LENGTH = 500


class ThemeStatement(ChoiceLabels, models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Waiting to be agreed")
        RELEASED = "released", _("Released to the organisation")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    meeting = models.ForeignKey(
        GroupSession, on_delete=models.CASCADE, related_name="theme_statements"
    )
    theme = models.ForeignKey(
        Theme, on_delete=models.PROTECT, related_name="+", verbose_name=_("theme")
    )
    statement = EncryptedTextField(_("statement"), max_length=STATEMENT_MAX_LENGTH)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    # Who wrote or last changed the text: the one who may not release it alone.
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    drafted_at = models.DateTimeField()
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    released_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="released") | Q(released_at__isnull=False),
                name="theme_statement_released_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Theme statement {self.pk} ({self.state})"


class ExternalFacilitator(models.Model):
    """A facilitator from outside the organisation: the role there, and no staff profile."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_facilitation"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="external_facilitators"
    )
    affiliation = models.CharField(
        _("where they work"),
        max_length=200,
        blank=True,
        help_text=_("For example, independent practitioner, or the name of their practice."),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    invited_at = models.DateTimeField()

    class Meta:
        ordering = ["user__first_name", "user__last_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="one_external_facilitation_per_organisation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} (external, {self.organisation})"
