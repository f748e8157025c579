import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from supervision_site.choices import ChoiceLabels


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a time zone name."), params={"value": value})


class Organisation(models.Model):
    """An NHS trust, hospital, university or charity that runs programmes."""

    RECORD_TYPE = "supervision.organisation"  # kernel.records.record_type

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    show_nhs_logo = models.BooleanField(
        _("show the NHS logo"),
        default=False,
        help_text=_("Only organisations entitled to use the NHS identity should turn this on."),
    )
    teams_meetings = models.BooleanField(
        _("create Microsoft Teams meetings"),
        default=False,
        help_text=_(
            "Each online one-to-one session gets its own Microsoft Teams meeting, made "
            "through Microsoft Graph. Needs the MS_GRAPH_* settings on the server."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "supervision_organisation"  # moved from supervision; table kept
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Department(ChoiceLabels, models.Model):
    """A ward, team or service within an organisation."""

    RECORD_TYPE = "supervision.department"  # kernel.records.record_type

    class Kind(models.TextChoices):
        WARD = "ward", _("Ward")
        TEAM = "team", _("Team")
        SERVICE = "service", _("Service")
        OTHER = "other", _("Other")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="departments"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.WARD)

    class Meta:
        db_table = "supervision_department"  # moved from supervision; table kept
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="department_name_unique_in_organisation"
            ),
        ]

    def __str__(self) -> str:
        return self.name
