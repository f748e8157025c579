"""What the home page shows facilitators and peer supporters (registered as home sections)."""

from django.utils import timezone

from .models import GroupSession, SupportRequest, first_contact_overdue
from .permissions import meetings_facilitated_by, support_requests_supported_by


def facilitator_summary(user, now=None, limit: int = 3) -> dict:
    now = now or timezone.now()
    meetings = (
        meetings_facilitated_by(user)
        .filter(status=GroupSession.Status.SCHEDULED, ends_at__gt=now)
        .select_related("group__organisation")
        .order_by("starts_at")[:limit]
    )
    unrecorded = (
        meetings_facilitated_by(user)
        .filter(
            status=GroupSession.Status.SCHEDULED,
            ends_at__lte=now,
            record__isnull=True,
        )
        .count()
    )
    return {"meetings": list(meetings), "unrecorded": unrecorded}


def supporter_summary(user, now=None) -> dict:
    now = now or timezone.now()
    open_requests = support_requests_supported_by(user).filter(
        status=SupportRequest.Status.ASSIGNED
    )
    return {
        "open": open_requests.count(),
        "first_contact_overdue": open_requests.filter(first_contact_overdue(now)).count(),
    }


def register_home_sections() -> None:
    from kernel.models import Role
    from supervision.home_sections import Section, register

    register(Section("facilitating", Role.FACILITATOR, facilitator_summary))
    register(Section("supporting", Role.PEER_SUPPORTER, supporter_summary))
