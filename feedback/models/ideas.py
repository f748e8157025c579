from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.models import Department, Organisation
from supervision_site.choices import ChoiceLabels


class ImprovementIdea(ChoiceLabels, models.Model):
    """A quality-improvement idea. Visible to the author's department and programme admins.

    It may have come out of supervision, but keeps no link to any session record.
    """

    class Status(models.TextChoices):
        IDEA = "idea", _("Idea")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        PARKED = "parked", _("Parked")

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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title
