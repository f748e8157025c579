"""Who may see and change what in the supervision app. Views fetch through here.

Rules: an object outside the user's scope answers 404 (so its existence never
leaks); an object in scope that the user may read but not change answers 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from kernel.permissions import get_own_profile

from .models import (
    Agreement,
    AvailabilityException,
    AvailabilitySlot,
    Session,
    SupervisorProfile,
    TrainingRecord,
    WeeklyAvailability,
)

# --- Supervisors' own set-up --------------------------------------------------

AVAILABILITY_KINDS: dict[
    str, type[AvailabilitySlot] | type[WeeklyAvailability] | type[AvailabilityException]
] = {
    "slot": AvailabilitySlot,
    "weekly": WeeklyAvailability,
    "away": AvailabilityException,
}


def get_availability_for_user(user, kind: str, pk: int):
    """One of the user's own availability entries; 404 for anyone else's."""
    model = AVAILABILITY_KINDS.get(kind)
    if model is None:
        raise Http404
    try:
        return model.objects.get(pk=pk, supervisor=user)
    except model.DoesNotExist:
        raise Http404 from None


def get_training_for_user(user, pk: int) -> TrainingRecord:
    try:
        return TrainingRecord.objects.get(pk=pk, supervisor__user=user)
    except TrainingRecord.DoesNotExist:
        raise Http404 from None


# --- Staff: programmes, supervisors, agreements and sessions -------------------


def supervisors_visible_to(user):
    """Supervisor profiles of people who supervise in the user's organisation's programmes."""
    profile = get_own_profile(user)
    if profile is None:
        return SupervisorProfile.objects.none()
    # EXISTS rather than a join and DISTINCT: each supervisor once, and a
    # directory page can be read off the ordering without de-duplicating them all.
    supervises_here = SupervisorProfile.programmes.through.objects.filter(
        supervisorprofile=OuterRef("pk"),
        programme__organisation_id=profile.organisation_id,
        programme__is_active=True,
    )
    return SupervisorProfile.objects.filter(Exists(supervises_here))


def get_supervisor_for_user(user, pk: int) -> SupervisorProfile:
    try:
        return supervisors_visible_to(user).select_related("user").get(pk=pk)
    except SupervisorProfile.DoesNotExist:
        raise Http404 from None


def agreements_visible_to(user):
    """Agreements the user is one of the two people in; nobody else reads them."""
    return Agreement.objects.filter(Q(supervisor=user) | Q(supervisee=user))


def get_agreement_for_user(user, pk: int) -> Agreement:
    try:
        return (
            agreements_visible_to(user)
            .select_related("programme__organisation", "supervisor", "supervisee")
            .get(pk=pk)
        )
    except Agreement.DoesNotExist:
        raise Http404 from None


def sessions_visible_to(user):
    """Sessions the user took part in. The shared record goes no further."""
    return Session.objects.involving(user)


def get_session_for_user(user, pk: int, *, as_role: str | None = None) -> Session:
    """A session of the user's own; 404 for strangers, 403 for the wrong participant.

    `as_role` ("supervisor" or "supervisee") is for actions only one side may take.
    """
    try:
        session = (
            sessions_visible_to(user)
            .select_related("programme__organisation", "supervisor", "supervisee", "agreement")
            .get(pk=pk)
        )
    except Session.DoesNotExist:
        raise Http404 from None
    if as_role is not None and session.role_of(user) != as_role:
        raise PermissionDenied
    return session
