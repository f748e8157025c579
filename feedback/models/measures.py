"""A short validated wellbeing measure a programme asks its participants (seed 003's impact data).

The Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS): seven statements,
each answered from 1 ("None of the time") to 5 ("All of the time"), taken when
someone joins the programme and again every few months. Each person's answers
and scores are theirs alone; leads see only the paired mean change of at least
5 people, released in batches (feedback.aggregates_measures).

The statements themselves are not in this code: the scale is copyright, and
its free non-commercial licence does not allow sharing it publicly, so an
organisation types in the wording from its own licensed copy (README,
"Wellbeing measure").
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kernel.models import Programme
from supervision_site.choices import ChoiceLabels

SWEMWBS_STATEMENTS = 7
ANSWER_CHOICES = (
    (1, _("None of the time")),
    (2, _("Rarely")),
    (3, _("Some of the time")),
    (4, _("Often")),
    (5, _("All of the time")),
)
LOWEST, HIGHEST = SWEMWBS_STATEMENTS * 1, SWEMWBS_STATEMENTS * 5
# The acknowledgement the licence asks for on every copy of the scale and every report of it.
SWEMWBS_COPYRIGHT = (
    "Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS) © NHS Health Scotland, "
    "University of Warwick and University of Edinburgh, 2008, all rights reserved."
)


class MeasureKind(models.TextChoices):
    SWEMWBS = "swemwbs", _("Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS)")


class WellbeingMeasure(ChoiceLabels, models.Model):
    """The measure a programme asks its participants: at joining, then every `interval_months`."""

    programme = models.OneToOneField(
        Programme, on_delete=models.CASCADE, related_name="wellbeing_measure"
    )
    kind = models.CharField(
        _("measure"), max_length=16, choices=MeasureKind.choices, default=MeasureKind.SWEMWBS
    )
    # The seven statements, in order, in the words of the organisation's licensed copy.
    statements = models.JSONField(_("statements"), default=list)
    interval_months = models.PositiveSmallIntegerField(_("asked again every (months)"), default=3)
    licence = models.CharField(
        _("the organisation's licence"),
        max_length=300,
        help_text=_("For example: registered with the University of Warwick on 3 March 2026."),
    )
    is_active = models.BooleanField(_("being asked"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(interval_months__gte=1, interval_months__lte=12),
                name="measure_interval_one_to_twelve_months",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.programme}"


class MeasureResponse(models.Model):
    """One person's answers at one time (occasion 0 at joining, then 1, 2, ...). Theirs alone.

    The answers are numbers, kept plain; they are never shown to anyone else
    one by one. The raw score is their sum, 7 to 35.
    """

    measure = models.ForeignKey(
        WellbeingMeasure, on_delete=models.PROTECT, related_name="responses"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="measure_responses"
    )
    occasion = models.PositiveSmallIntegerField()
    answers = models.JSONField()
    raw_score = models.PositiveSmallIntegerField()
    submitted_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["measure", "author", "occasion"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "author", "occasion"], name="measure_answered_once_a_time"
            ),
            models.CheckConstraint(
                condition=Q(raw_score__gte=LOWEST, raw_score__lte=HIGHEST),
                name="measure_raw_score_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Measure response {self.pk}"
