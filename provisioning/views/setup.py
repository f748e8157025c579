"""The SCIM provisioning page: a programme admin switches it on and makes the token."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kernel.forms import posted
from kernel.models import Role
from kernel.permissions import role_required

from .. import services
from ..forms import ScimSettingsForm
from ..permissions import scim_settings_for_admin


def _page(request: HttpRequest, form: ScimSettingsForm, token: str = "") -> HttpResponse:
    found = scim_settings_for_admin(request.user)
    return render(
        request,
        "provisioning/settings.html",
        {
            "scim": found,
            "organisation": found.organisation,
            "form": form,
            "token": token,
            "available": settings.SCIM_ENABLED,
            "tenant_url": settings.SITE_URL
            + reverse("provisioning:scim_service_provider_config")[: -len("ServiceProviderConfig")],
        },
    )


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET", "POST"])
def scim_settings(request: HttpRequest) -> HttpResponse:
    found = scim_settings_for_admin(request.user)
    form = ScimSettingsForm(
        posted(request), initial={"enabled": found.enabled, "invite_new": found.invite_new}
    )
    if request.method == "POST" and form.is_valid():
        services.scim_settings_save(
            actor=request.user,
            organisation=found.organisation,
            enabled=form.cleaned_data["enabled"],
            invite_new=form.cleaned_data["invite_new"],
        )
        messages.success(request, _("The SCIM provisioning settings have been saved."))
        return redirect("provisioning:settings")
    return _page(request, form)


@role_required(Role.PROGRAMME_ADMIN)
@require_POST
def scim_token_create(request: HttpRequest) -> HttpResponse:
    """Make a new token and show it, this once (only its hash is kept)."""
    found = scim_settings_for_admin(request.user)
    token = services.scim_token_issue(actor=request.user, organisation=found.organisation)
    found = scim_settings_for_admin(request.user)
    form = ScimSettingsForm(initial={"enabled": found.enabled, "invite_new": found.invite_new})
    return _page(request, form, token=token)


@role_required(Role.PROGRAMME_ADMIN)
@require_POST
def scim_token_revoke(request: HttpRequest) -> HttpResponse:
    found = scim_settings_for_admin(request.user)
    if services.scim_token_revoke(actor=request.user, organisation=found.organisation):
        messages.success(
            request, _("The SCIM token has been revoked. Entra ID can no longer use it.")
        )
    else:
        messages.info(request, _("There was no SCIM token to revoke."))
    return redirect("provisioning:settings")
