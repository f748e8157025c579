from django.db import transaction

from audit.services import audit_log
from kernel.models import Programme

from .models import DEFAULT_COVERAGE_TARGET, CoverageTarget
from .report import reports_changed


@transaction.atomic
def coverage_target_set(*, actor, programme: Programme, percent: int) -> CoverageTarget:
    """Set the share of eligible staff a programme aims to reach; audited when it changes."""
    target, _ = CoverageTarget.objects.select_for_update().get_or_create(
        programme=programme,
        defaults={"organisation_id": programme.organisation_id, "percent": DEFAULT_COVERAGE_TARGET},
    )
    if target.percent != percent:
        before = target.percent
        target.percent = percent
        target.full_clean()
        target.save(update_fields=["percent", "updated_at"])
        audit_log(
            actor=actor,
            action="report.target_set",
            target=programme,
            summary=f"Coverage target for {programme.name}: {before}% to {percent}%",
            organisation_id=programme.organisation_id,
            details={"before": before, "after": percent},
        )
        transaction.on_commit(lambda: reports_changed(programme.organisation_id))
    return target
