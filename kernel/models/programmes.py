from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from supervision_site.choices import ChoiceLabels

from .organisations import Department, Organisation


class Modality(models.TextChoices):
    ONE_TO_ONE = "one_to_one", _("One-to-one supervision")
    GROUP = "group", _("Group supervision")
    PEER_SUPPORT = "peer_support", _("Peer support")


class PeriodKind(models.TextChoices):
    FIXED = "fixed", _("Fixed period, ending on a date")
    ROLLING = "rolling", _("Rolling period (the last 12 months)")


class SupervisionFunction(models.TextChoices):
    """The A-EQUIP model's functions of clinical supervision."""

    RESTORATIVE = "restorative", _("Restorative (wellbeing and support)")
    NORMATIVE = "normative", _("Normative (standards and accountability)")
    FORMATIVE = "formative", _("Formative (learning and development)")
    PERSONAL_ACTION = "personal_action", _("Personal action for quality improvement")


class StandardKind(models.TextChoices):
    """How a minimum frequency of supervision is stated (supervision.standards applies it)."""

    NONE = "", _("No minimum frequency")
    EVERY_WEEKS = "every_weeks", _("At least once every so many weeks")
    PER_PERIOD = "per_period", _("At least so many sessions a period")


class StandardRule(models.Model):
    """A minimum frequency of supervision: a programme's own, or an organisation's
    default for a profession. What it means for a person is worked out in one
    place, `supervision.standards`."""

    standard_kind = models.CharField(
        _("minimum frequency"),
        max_length=16,
        choices=StandardKind.choices,
        default=StandardKind.NONE,
        blank=True,
    )
    standard_weeks = models.PositiveSmallIntegerField(
        _("at least once every (weeks)"), null=True, blank=True
    )
    standard_from = models.DateField(
        _("minimum frequency counted from"),
        null=True,
        blank=True,
        help_text=_(
            "The day the minimum frequency was set or last changed (the organisation's "
            "date): nobody is overdue for time before it. Set by supervision.standards."
        ),
    )
    standard_sessions = models.PositiveSmallIntegerField(
        _("at least this many sessions a period"),
        null=True,
        blank=True,
        help_text=_(
            "A period is the programme's allowance period when it has fixed dates, "
            "otherwise the NHS financial year (1 April to 31 March)."
        ),
    )
    standard_counts_groups = models.BooleanField(
        _("group supervision meetings attended count towards it"), default=True
    )

    class Meta:
        abstract = True

    @classmethod
    def standard_constraints(cls, prefix: str) -> list:
        """Each kind has the number it needs, and a sensible one."""
        return [
            models.CheckConstraint(
                condition=~Q(standard_kind="every_weeks")
                | Q(standard_weeks__gte=1, standard_weeks__lte=104),
                name=f"{prefix}_standard_weeks_sensible",
            ),
            models.CheckConstraint(
                condition=~Q(standard_kind="per_period")
                | Q(standard_sessions__gte=1, standard_sessions__lte=52),
                name=f"{prefix}_standard_sessions_sensible",
            ),
        ]


def default_reminder_hours() -> list[int]:
    return [24, 1]


def _condition_message(label) -> models.TextField:
    return models.TextField(label, blank=True)


def _condition_alternative(label) -> models.ForeignKey:
    # A programme, for a group's rule too: groups send people to programmes.
    return models.ForeignKey(
        "kernel.Programme",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=label,
    )


class EligibilityRule(models.Model):
    """Who may take part: everyone, or only these bands, professions, grades and departments.

    A programme and a group each hold one. Whether a person meets it is decided
    in one place, `kernel.eligibility`, for one person and for a whole population.
    """

    eligible_everyone = models.BooleanField(_("open to everyone"), default=True)
    eligible_bands = models.JSONField(_("bands"), default=list, blank=True)
    eligible_professions = models.JSONField(_("professions"), default=list, blank=True)
    eligible_grades = models.JSONField(_("doctors' grades"), default=list, blank=True)
    eligible_departments = models.ManyToManyField(
        Department, blank=True, related_name="+", verbose_name=_("departments")
    )
    # Per condition: what someone it excludes for that reason is told, and a programme
    # they may go to instead (kernel.eligibility.refusal decides which is shown).
    band_message = _condition_message(_("message for people of another band"))
    band_alternative = _condition_alternative(_("where people of another band go instead"))
    profession_message = _condition_message(_("message for people of another profession"))
    profession_alternative = _condition_alternative(
        _("where people of another profession go instead")
    )
    grade_message = _condition_message(_("message for doctors of another grade"))
    grade_alternative = _condition_alternative(_("where doctors of another grade go instead"))
    department_message = _condition_message(_("message for people of another department"))
    department_alternative = _condition_alternative(
        _("where people of another department go instead")
    )

    class Meta:
        abstract = True


class Programme(ChoiceLabels, EligibilityRule, StandardRule):
    """A supervision programme an organisation runs, with who may join and how much.

    An allowance is `allowance_sessions` sessions of `session_minutes` minutes per
    period. A fixed period runs from `period_start` to `period_end`; a rolling
    period is the last `rolling_months` months.
    """

    RECORD_TYPE = "supervision.programme"  # kernel.records.record_type

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="programmes"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    modality = models.CharField(
        _("modality"), max_length=16, choices=Modality.choices, default=Modality.ONE_TO_ONE
    )
    is_active = models.BooleanField(_("open for booking"), default=True)

    not_eligible_message = models.TextField(
        _("message for people who are not eligible"),
        blank=True,
        help_text=_("For example: Band 5 and 6 staff reach supervision through the PNA programme."),
    )
    alternative = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("where to go instead"),
    )
    allowance_sessions = models.PositiveSmallIntegerField(
        _("sessions per period"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    session_minutes = models.PositiveSmallIntegerField(_("minutes per session"), default=60)
    period_kind = models.CharField(
        _("allowance period"), max_length=8, choices=PeriodKind.choices, default=PeriodKind.FIXED
    )
    period_start = models.DateField(_("period starts"), null=True, blank=True)
    period_end = models.DateField(_("period ends"), null=True, blank=True)
    rolling_months = models.PositiveSmallIntegerField(_("rolling period in months"), default=12)
    late_cancellation_hours = models.PositiveSmallIntegerField(
        _("late cancellation notice (hours)"), default=24
    )
    late_cancellation_counts = models.BooleanField(
        _("late cancellations by the supervisee use up a session"), default=True
    )
    late_moves_refused = models.BooleanField(
        _("sessions inside the notice period cannot be moved by the supervisee"),
        default=False,
        help_text=_(
            "Otherwise such a move is allowed but keeps the session late: cancelling "
            "the moved session counts as a late cancellation."
        ),
    )
    did_not_attend_counts = models.BooleanField(
        _("sessions not attended use up a session"), default=True
    )
    reminder_hours = models.JSONField(
        _("reminders before a session (hours)"),
        default=default_reminder_hours,
        blank=True,
        help_text=_("For example 24 and 1: a day before and an hour before."),
    )
    allow_booking_without_agreement = models.BooleanField(
        _("a first session can be booked with any supervisor that has capacity"), default=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "supervision_programme"  # moved from supervision; table kept
        ordering = ["name"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="programme_name_unique_in_organisation"
            ),
            models.CheckConstraint(
                condition=Q(period_kind="rolling") | Q(period_end__isnull=False),
                name="programme_fixed_period_has_end",
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_start__lt=models.F("period_end")),
                name="programme_period_starts_before_it_ends",
            ),
            models.CheckConstraint(
                condition=Q(session_minutes__gte=15, session_minutes__lte=480),
                name="programme_session_length_sensible",
            ),
            *StandardRule.standard_constraints("programme"),
        ]

    def __str__(self) -> str:
        return self.name


class Theme(models.Model):
    """A theme a session can touch on; each organisation keeps its own list."""

    RECORD_TYPE = "supervision.theme"  # kernel.records.record_type

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        db_table = "supervision_theme"  # moved from supervision; table kept
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="theme_name_unique_in_organisation"
            ),
        ]

    def __str__(self) -> str:
        return self.name


DEFAULT_THEMES = (
    "Workload",
    "Patient death",
    "Conflict",
    "Wellbeing",
    "Clinical skills",
    "Career",
    "Team relationships",
    "Ethical dilemma",
)
