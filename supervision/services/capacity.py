"""How many supervisees a supervisor has, and whether they can take another.

Used by agreements (a request) and sessions (a first session without an
agreement); its own module so that neither has to import the other for it.
"""

from ..models import Agreement, SupervisorProfile


def current_supervisee_count(supervisor) -> int:
    """Supervisees who hold an agreement with the supervisor that has not ended."""
    return (
        Agreement.objects.current()
        .filter(supervisor=supervisor)
        .values("supervisee")
        .distinct()
        .count()
    )


def has_capacity(supervisor, *, profile: SupervisorProfile | None = None) -> bool:
    """Whether the supervisor has room for another supervisee; `profile`, their
    SupervisorProfile where the caller holds it already (one query fewer)."""
    if profile is None:
        profile = SupervisorProfile.objects.filter(user=supervisor).first()
    if profile is None:
        return False
    return current_supervisee_count(supervisor) < profile.capacity
