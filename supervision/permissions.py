"""Who may see and change what in the supervision app. Views fetch through here.

Rules: an object outside the user's scope answers 404 (so its existence never
leaks); an object in scope that the user may read but not change answers 403.
"""

from collections import defaultdict
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Department, Organisation, Role, RoleGrant, StaffProfile

_CACHE_ATTR = "_supervision_roles"


def roles_by_organisation(user) -> dict[int, frozenset[str]]:
    """The roles the user holds, keyed by organisation id (one query per request)."""
    if not user.is_authenticated:
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        grouped: dict[int, set[str]] = defaultdict(set)
        for organisation_id, role in RoleGrant.objects.filter(user=user).values_list(
            "organisation_id", "role"
        ):
            grouped[organisation_id].add(role)
        cached = {org: frozenset(roles) for org, roles in grouped.items()}
        setattr(user, _CACHE_ATTR, cached)
    return cached


def user_roles(user) -> frozenset[str]:
    """Every role the user holds in any organisation."""
    return frozenset().union(*roles_by_organisation(user).values())


def organisations_where(user, role: str) -> list[int]:
    """Ids of the organisations in which the user holds `role`."""
    return [org for org, roles in roles_by_organisation(user).items() if role in roles]


def has_role(user, role: str, organisation_id: int | None = None) -> bool:
    if organisation_id is None:
        return role in user_roles(user)
    return role in roles_by_organisation(user).get(organisation_id, frozenset())


def role_required(role: str):
    """View decorator: sign-in required, then 403 unless the user holds `role` somewhere."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request)
            if not has_role(request.user, role):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def redirect_to_login(request):
    from django.contrib.auth.views import redirect_to_login as django_redirect_to_login

    return django_redirect_to_login(request.get_full_path())


def staff_visible_to(user):
    """Staff profiles a programme admin may manage: those of their organisations."""
    return StaffProfile.objects.in_organisations(organisations_where(user, Role.PROGRAMME_ADMIN))


def get_staff_for_user(user, pk: int) -> StaffProfile:
    """Fetch one staff profile for a programme admin; 404 for anyone else's staff."""
    try:
        return (
            staff_visible_to(user)
            .select_related("user", "organisation", "department", "line_manager__user")
            .get(pk=pk)
        )
    except StaffProfile.DoesNotExist:
        raise Http404 from None


def get_own_profile(user) -> StaffProfile | None:
    try:
        return StaffProfile.objects.select_related("organisation", "department").get(user=user)
    except StaffProfile.DoesNotExist:
        return None


def login_required_view(view):
    """Like Django's login_required, kept here so every view's gate is in one module."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request)
        return view(request, *args, **kwargs)

    return wrapped


__all__ = [
    "admin_home_organisation",
    "departments_visible_to",
    "get_department_for_user",
    "get_own_profile",
    "get_staff_for_user",
    "has_role",
    "login_required_view",
    "organisations_where",
    "role_required",
    "roles_by_organisation",
    "staff_visible_to",
    "user_roles",
]


def departments_visible_to(user):
    """Departments of the organisations the user administers."""
    return Department.objects.filter(
        organisation_id__in=organisations_where(user, Role.PROGRAMME_ADMIN)
    )


def get_department_for_user(user, pk: int):
    try:
        return departments_visible_to(user).select_related("organisation").get(pk=pk)
    except Department.DoesNotExist:
        raise Http404 from None


def admin_home_organisation(user):
    """The organisation a programme admin adds people and departments to.

    Their own organisation when they administer it, otherwise the first they do.
    Callers have already checked that the user is a programme admin somewhere.
    """
    administered = organisations_where(user, Role.PROGRAMME_ADMIN)
    profile = get_own_profile(user)
    if profile is not None and profile.organisation_id in administered:
        return profile.organisation
    return Organisation.objects.get(pk=min(administered))
