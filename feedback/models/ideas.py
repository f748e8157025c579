from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kernel.models import Department, Organisation
from supervision_site.choices import ChoiceLabels


class ImprovementIdea(ChoiceLabels, models.Model):
    """A quality-improvement idea. Visible to the author's department and programme admins.

    It may have come out of supervision, but keeps no link to any session record.
    The title, description, team and "came out of supervision" are the author's
    words; the response is the programme team's. Who may change which is decided
    in one place, `feedback.services.ideas.idea_update`.
    """

    class Status(models.TextChoices):
        IDEA = "idea", _("Idea")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        PARKED = "parked", _("Parked")

    class EditReason(models.TextChoices):
        """Why a programme admin changed what the author wrote (the only reasons allowed)."""

        PERSONAL_DETAILS = "personal_details", _("To remove personal or identifying details")
        INAPPROPRIATE = "inappropriate", _("To remove something offensive or inappropriate")
        AUTHOR_ASKED = "author_asked", _("Because the author asked for the change")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="ideas"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="ideas"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=4000)
    team = models.CharField(_("who is involved"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.IDEA
    )
    from_supervision = models.BooleanField(_("came out of supervision"), default=False)
    # The last time someone other than the author changed the author's words:
    # shown beside "Logged by". The words they replaced are not kept (removing
    # them is the point); the audit log records the edit.
    words_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("words edited by"),
    )
    words_edited_at = models.DateTimeField(_("words edited"), null=True, blank=True)
    words_edit_reason = models.CharField(
        _("why the words were edited"), max_length=16, choices=EditReason.choices, blank=True
    )
    # The programme team's own words about the idea.
    response = models.TextField(_("response from the programme team"), max_length=2000, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responded by"),
    )
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("feedback:idea", args=[self.pk])
