from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..models import Role, StaffProfile
from ..permissions import (
    get_own_profile,
    login_required_view,
    organisations_where,
    roles_by_organisation,
    user_roles,
)


@login_required_view
def home(request: HttpRequest) -> HttpResponse:
    """One page per person that says what to do next, section by role."""
    roles = user_roles(request.user)
    context = {
        "profile": get_own_profile(request.user),
        "roles": roles,
        "role_labels": sorted(Role(role).label for role in roles),
        "roles_elsewhere": len(roles_by_organisation(request.user)) > 1,
    }
    if Role.PROGRAMME_ADMIN in roles:
        staff = StaffProfile.objects.in_organisations(
            organisations_where(request.user, Role.PROGRAMME_ADMIN)
        )
        context["staff_counts"] = {
            "active": staff.active().count(),
            "invited": staff.invited().count(),
        }
    return render(request, "supervision/home.html", context)
