"""Peer-support settings: where to get urgent help, and the first-contact deadline.

Programme admins only, for the organisation they administer (their own when
they administer it); everyone else 403.
"""

from functools import partial

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kernel.forms import posted
from kernel.models import Role
from kernel.permissions import role_required

from ..peer_forms import PeerSupportSettingsForm
from ..permissions.peer_support import get_support_settings_for_admin
from ..services.support_changes import SETTINGS_FIELDS, peer_support_settings_update
from .peer_support import service_post


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET", "POST"])
def support_settings(request: HttpRequest) -> HttpResponse:
    settings = get_support_settings_for_admin(request.user)
    initial = {name: getattr(settings, name) for name in SETTINGS_FIELDS}
    form = PeerSupportSettingsForm(posted(request), initial=initial)
    act = partial(peer_support_settings_update, actor=request.user, settings=settings)
    done = _("The peer support settings have been saved.")
    return service_post(request, form, act, done=done, then="peergroups:support_settings") or (
        render(
            request,
            "peergroups/peer_support/settings.html",
            {"form": form, "organisation": settings.organisation},
        )
    )
