"""What the reports app itself holds for a report: coverage targets."""

from .models import CoverageTarget


def coverage_targets(programmes) -> dict[int, int]:
    """{programme id: percent} of the targets set for `programmes`, which the caller has
    from a report's scope or from reports.permissions."""
    targets = CoverageTarget.objects.filter(programme__in=programmes)
    return dict(targets.values_list("programme_id", "percent"))
