from typing import Any

from django.db import models

from .models import AuditEntry


def audit_log(
    *,
    actor,
    action: str,
    target: models.Model,
    summary: str,
    organisation_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record one change. Call it inside the service's transaction."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        organisation_id=organisation_id,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        summary=summary[:255],
        details=details or {},
    )
