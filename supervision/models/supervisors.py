from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kernel.models import Programme
from supervision_site.choices import ChoiceLabels

https_url = URLValidator(
    schemes=["https"], message=_("Enter a meeting link that starts with https://")
)


def meeting_platform(link: str) -> str:
    """A friendly name for where an online meeting happens."""
    link = link.lower()
    if "teams.microsoft" in link or "teams.live" in link:
        return "Microsoft Teams"
    if "zoom.us" in link:
        return "Zoom"
    return str(_("Online meeting"))


class Mode(models.TextChoices):
    ONLINE = "online", _("Online")
    IN_PERSON = "in_person", _("In person")


class DeliveryFields(ChoiceLabels, models.Model):
    """Where a session happens: online with a meeting link, or in person at a location."""

    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.ONLINE)
    meeting_link = models.URLField(
        _("meeting link"),
        max_length=500,
        blank=True,
        validators=[https_url],
        help_text=_("A Microsoft Teams, Zoom or other https:// link."),
    )
    location = models.CharField(_("location"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def where(self) -> str:
        return self.meeting_link if self.mode == Mode.ONLINE else self.location

    @property
    def platform(self) -> str:
        return meeting_platform(self.meeting_link)


class SupervisorProfile(DeliveryFields):
    """A trained supervisor: where they supervise, how many people, and how."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supervisor_profile"
    )
    programmes = models.ManyToManyField(
        Programme, blank=True, related_name="supervisors", verbose_name=_("programmes")
    )
    capacity = models.PositiveSmallIntegerField(_("maximum active supervisees"), default=6)
    accepting_new = models.BooleanField(_("accepting new supervisees"), default=True)
    bio = models.TextField(_("about you"), blank=True, max_length=2000)
    # Who organises the Teams meetings made for this supervisor's sessions
    # (kernel.graph, kernel.services.teams): their Microsoft 365 object id or sign-in name.
    teams_organiser = models.CharField(
        _("Microsoft 365 account for Teams meetings"),
        max_length=320,
        blank=True,
        help_text=_(
            "Only if it differs from your email address: the sign-in name (for example "
            "name@nhs.net) or object ID of your Microsoft 365 account."
        ),
    )

    class Meta(DeliveryFields.Meta):
        abstract = False
        verbose_name = _("supervisor profile")
        constraints = [
            models.CheckConstraint(
                condition=~Q(mode="online")
                | Q(meeting_link="")
                | Q(meeting_link__startswith="https://"),
                name="supervisor_link_is_https",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("supervision:supervisor", kwargs={"pk": self.pk})


class TrainingRecord(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        PNA = "pna", _("Professional Nurse Advocate (PNA)")
        RESTORATIVE = "restorative", _("Restorative supervision")
        CLINICAL_SUPERVISION = "clinical_supervision", _("Clinical supervision skills")
        GROUP_FACILITATION = "group_facilitation", _("Group facilitation")
        PEER_SUPPORT = "peer_support", _("Peer support")
        OTHER = "other", _("Other")

    supervisor = models.ForeignKey(
        SupervisorProfile, on_delete=models.CASCADE, related_name="training"
    )
    kind = models.CharField(_("training"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("course or provider"), max_length=200, blank=True)
    completed_on = models.DateField(_("completed on"))
    renewal_due = models.DateField(_("refresher due"), null=True, blank=True)

    class Meta:
        ordering = ["-completed_on"]

    def __str__(self) -> str:
        return self.get_kind_display()
