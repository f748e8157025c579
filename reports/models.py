from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.models import Organisation, Programme

DEFAULT_COVERAGE_TARGET = 80


class CoverageTarget(models.Model):
    """The share of eligible staff a programme aims to reach in a period (a percentage)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    programme = models.OneToOneField(
        Programme, on_delete=models.CASCADE, related_name="coverage_target"
    )
    percent = models.PositiveSmallIntegerField(
        _("target (% of eligible staff)"),
        default=DEFAULT_COVERAGE_TARGET,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent__gte=1, percent__lte=100), name="target_is_a_percentage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme}: {self.percent}%"
