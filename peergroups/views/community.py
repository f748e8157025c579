"""The learning community (seed 001): peer supporters of several organisations together.

Everything is fetched through peergroups/permissions/community.py: a person who
neither supports nor coordinates peer support in a member organisation gets 404.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from kernel.permissions import login_required_view

from ..permissions.community import can_moderate, get_community_for_user


@login_required_view
@require_safe
def community_detail(request: HttpRequest, pk: int) -> HttpResponse:
    community = get_community_for_user(request.user, pk)
    return render(
        request,
        "peergroups/community/detail.html",
        {
            "community": community,
            "organisations": community.organisations.order_by("name"),
            "coordinators": community.coordinators.order_by("last_name", "first_name", "pk"),
            "shared": community.shared_resources.select_related("organisation").order_by(
                "category", "title", "pk"
            ),
            "can_moderate": can_moderate(request.user, community),
        },
    )
