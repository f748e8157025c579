"""Who may see peer-support requests and the resource library. Views fetch through here.

A request's content (what happened, how to make contact, the note, check-in
notes) is for the requester and the assigned supporter only. The coordinator
(a programme admin of the request's organisation) learns that it exists, its
status and its dates. Anyone else: 404. Out of scope answers 404; in scope but
not allowed answers 403.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q
from django.http import Http404
from django.utils import timezone

from kernel.models import Role, RoleGrant
from kernel.permissions import (
    admin_home_organisation,
    get_own_profile,
    has_role,
    organisations_where,
)

from ..models import PeerSupporterProfile, PeerSupportSettings, Resource, SupportRequest
from .community import communities_visible_to

__all__ = [
    "COORDINATOR",
    "REQUESTER",
    "SUPPORTER",
    "active_support_count",
    "can_curate",
    "coordinated_organisations",
    "coordinator_queue",
    "coordinator_users",
    "get_resource_for_user",
    "get_support_request_for_user",
    "get_support_settings_for_admin",
    "resource_audiences",
    "resources_visible_to",
    "suggested_supporter_users",
    "support_requests_asked_by",
    "support_requests_supported_by",
    "support_requests_visible_to",
    "support_role_of",
    "support_settings_for",
    "supporter_user_choices",
    "supporters_for_request",
    "supporters_of",
]

REQUESTER = "requester"
SUPPORTER = "supporter"
COORDINATOR = "coordinator"


# --- Peer-support requests ------------------------------------------------------


def coordinated_organisations(user) -> list[int]:
    """Organisations whose peer-support queue the user coordinates (as programme admin)."""
    return organisations_where(user, Role.PROGRAMME_ADMIN)


def support_requests_visible_to(user):
    """Requests the user asked for, supports, or coordinates (status only, for the last)."""
    if not user.is_authenticated:
        return SupportRequest.objects.none()
    return SupportRequest.objects.filter(
        Q(requester=user)
        | Q(supporter=user)
        | Q(organisation_id__in=coordinated_organisations(user))
    )


def support_requests_asked_by(user):
    """The user's own requests, content and all."""
    return SupportRequest.objects.filter(requester=user).select_related("supporter")


def support_requests_supported_by(user):
    """Requests the user is the assigned supporter of, content and all."""
    return SupportRequest.objects.filter(supporter=user).select_related("requester")


# What the coordinator may see of a request: that it exists, its status and dates.
COORDINATOR_FIELDS = (
    "pk",
    "organisation_id",
    "status",
    "created_at",
    "first_contact_due",
    "first_contacted_on",
    "safety_concern_at",
    "assigned_at",
    "closed_at",
    "supporter__first_name",
    "supporter__last_name",
    "supporter__email",
)


def coordinator_queue(user):
    """Requests of the organisations the user coordinates: status, dates and supporter only,
    each with `overdue` (first contact overdue now).

    The content columns are deferred, so a template that reached for them would
    cost a query per row (and the query-count tests would notice).
    """
    return (
        SupportRequest.objects.filter(organisation_id__in=coordinated_organisations(user))
        .only(*COORDINATOR_FIELDS)
        .select_related("supporter")
        .with_overdue(timezone.now())
        .order_by("-created_at")
    )


def coordinator_users(organisation_id: int, *, excluding=()):
    """The organisation's peer-support coordinators (its active programme admins)."""
    return (
        get_user_model()
        .objects.filter(
            role_grants__organisation_id=organisation_id,
            role_grants__role=Role.PROGRAMME_ADMIN,
            is_active=True,
        )
        .exclude(pk__in=list(excluding))
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )


def support_settings_for(organisation_id: int) -> PeerSupportSettings:
    """The organisation's peer-support settings; the defaults (unsaved) until an admin
    saves some. Not confidential: every requester and supporter sees them."""
    found = PeerSupportSettings.objects.filter(organisation_id=organisation_id).first()
    return found or PeerSupportSettings(organisation_id=organisation_id)


def get_support_settings_for_admin(user) -> PeerSupportSettings:
    """The settings of the organisation a programme admin administers (their own, when
    they do); 403 for anyone who is not a programme admin."""
    if not has_role(user, Role.PROGRAMME_ADMIN):
        raise PermissionDenied
    organisation = admin_home_organisation(user)
    found = support_settings_for(organisation.pk)
    found.organisation = organisation
    return found


def support_role_of(user, support_request: SupportRequest) -> str | None:
    """How the user stands to the request; the two who see its content come first."""
    if support_request.requester_id == user.pk:
        return REQUESTER
    if support_request.supporter_id == user.pk:
        return SUPPORTER
    if support_request.organisation_id in coordinated_organisations(user):
        return COORDINATOR
    return None


def get_support_request_for_user(
    user, pk: int, *, as_role: str | None = None
) -> tuple[SupportRequest, str]:
    """A request and the user's role in it; 404 for strangers, 403 for the wrong role.

    `as_role` is for actions one role takes: the supporter logs check-ins and
    closes; the coordinator assigns (whatever else they are to the request); the
    requester withdraws. The request comes with `overdue` (first contact, now).
    """
    try:
        support_request = (
            support_requests_visible_to(user)
            .select_related("organisation", "requester", "supporter")
            .with_overdue(timezone.now())
            .get(pk=pk)
        )
    except SupportRequest.DoesNotExist:
        raise Http404 from None
    role = support_role_of(user, support_request)
    if role is None:
        # Never: what is visible is the user's as requester, supporter or coordinator.
        raise Http404
    if as_role == COORDINATOR:
        if support_request.organisation_id not in coordinated_organisations(user):
            raise PermissionDenied
    elif as_role is not None and role != as_role:
        raise PermissionDenied
    return support_request, role


def active_support_count(user) -> int:
    return SupportRequest.objects.filter(
        supporter=user, status=SupportRequest.Status.ASSIGNED
    ).count()


def supporters_of(organisation_id: int):
    """Peer supporter profiles of people who hold the role in the organisation."""
    holders = RoleGrant.objects.filter(
        organisation_id=organisation_id, role=Role.PEER_SUPPORTER
    ).values("user_id")
    return PeerSupporterProfile.objects.filter(user_id__in=holders, user__is_active=True)


def supporters_for_request(
    *, organisation_id: int, requester, suggested_only: bool = True, excluding=()
):
    """Supporters who could take a request from `requester`, with their current load.

    Never the requester, their line manager or anyone in `excluding` (those who
    handed the request back); suggestions also leave out the requester's own
    department, anyone unavailable and anyone at capacity.
    """
    profiles = (
        supporters_of(organisation_id)
        .exclude(user=requester)
        .exclude(user__in=list(excluding))
        .annotate(
            active=Count(
                "user__supporting",
                filter=Q(user__supporting__status=SupportRequest.Status.ASSIGNED),
            )
        )
        .select_related("user", "user__profile")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    if not suggested_only:
        return profiles
    requester_profile = getattr(requester, "profile", None)
    if requester_profile is not None:
        if requester_profile.line_manager_id is not None:
            profiles = profiles.exclude(user__profile__pk=requester_profile.line_manager_id)
        if requester_profile.department_id is not None:
            profiles = profiles.exclude(
                user__profile__department_id=requester_profile.department_id
            )
    return profiles.filter(available=True).filter(active__lt=F("capacity"))


def suggested_supporter_users(*, organisation_id: int, requester, excluding=()):
    """The people behind `supporters_for_request` suggestions, for a form's choices."""
    suggested = supporters_for_request(
        organisation_id=organisation_id, requester=requester, excluding=excluding
    )
    return (
        get_user_model()
        .objects.filter(pk__in=suggested.values("user_id"))
        .select_related("profile")
        .order_by("last_name", "first_name", "pk")
    )


def supporter_user_choices(organisation_id: int, requester):
    """Users who may be named as supporter in a form (checked in full by the service)."""
    return (
        get_user_model()
        .objects.filter(peer_supporter__in=supporters_of(organisation_id))
        .exclude(pk=requester.pk)
        .order_by("last_name", "first_name", "pk")
    )


# --- The resource library --------------------------------------------------------


def resource_audiences(user, organisation_id: int) -> list[str]:
    audiences: list[str] = [Resource.Audience.EVERYONE]
    if has_role(user, Role.PEER_SUPPORTER, organisation_id):
        audiences.append(Resource.Audience.SUPPORTERS)
    if has_role(user, Role.FACILITATOR, organisation_id):
        audiences.append(Resource.Audience.FACILITATORS)
    return audiences


def resources_visible_to(user):
    """Resources of the user's organisation for their audiences; all of those they curate;
    and those shared with a learning community they take part in (any organisation's)."""
    if not user.is_authenticated:
        return Resource.objects.none()
    scope = Q(organisation_id__in=organisations_where(user, Role.PROGRAMME_ADMIN))
    scope |= Q(
        pk__in=Resource.objects.filter(communities__in=communities_visible_to(user)).values("pk")
    )
    profile = get_own_profile(user)
    if profile is not None:
        scope |= Q(
            organisation_id=profile.organisation_id,
            audience__in=resource_audiences(user, profile.organisation_id),
        )
    return Resource.objects.filter(scope)


def can_curate(user, resource: Resource) -> bool:
    return has_role(user, Role.PROGRAMME_ADMIN, resource.organisation_id)


def get_resource_for_user(user, pk: int, *, write: bool = False) -> Resource:
    """A resource the user may read; 404 outside it; 403 to change it unless they curate it."""
    try:
        resource = resources_visible_to(user).select_related("organisation").get(pk=pk)
    except Resource.DoesNotExist:
        raise Http404 from None
    if write and not can_curate(user, resource):
        raise PermissionDenied
    return resource
