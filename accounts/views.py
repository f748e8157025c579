from allauth.account.internal.flows.reauthentication import reauthenticate_by_password
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from kernel.forms import add_service_error, posted

from . import services
from .backends import MODEL_BACKEND
from .data_export import personal_data_export
from .forms import InvitationPasswordForm, NmcPinForm
from .http import AuthenticatedHttpRequest
from .mfa import two_factor_notice
from .permissions import get_invited_user

# Building the download reads every table that holds anything about the
# person; a few a day is plenty, so more than this an hour is refused.
EXPORTS_PER_HOUR = 5


@login_not_required  # the link itself is the credential
def invitation_accept(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Let an invited person choose a password, then sign them in."""
    user = get_invited_user(uidb64, token)
    if user is None:
        return render(request, "accounts/invitation_invalid.html")

    form = InvitationPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.invitation_accept(user=user, form=form)
        login(request, user, backend=MODEL_BACKEND)
        # The password was typed seconds ago: it counts as the recent sign-in
        # that setting up two-factor authentication asks for, so a new admin is
        # not asked for it again on the next page.
        reauthenticate_by_password(request)
        notice = two_factor_notice(user)
        messages.success(
            request,
            " ".join(
                [_("Your password is set and you are signed in."), *([notice] if notice else [])]
            ),
        )
        return redirect("supervision:home")
    return render(request, "accounts/invitation_accept.html", {"form": form, "invited": user})


def _export_allowed(user) -> bool:
    """Count this download against the person's hourly allowance (shared cache)."""
    key = f"personal-data-export:{user.pk}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    return count <= EXPORTS_PER_HOUR


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def data_export(request: HttpRequest) -> HttpResponse:
    """Explain what a person's own data download holds; POST sends it as a zip."""
    if request.method == "POST":
        if not _export_allowed(request.user):
            messages.error(
                request,
                _("You have downloaded your data several times in the last hour. Try again later."),
            )
            return redirect("accounts:data_export")
        export = personal_data_export(user=request.user)
        response = HttpResponse(export.content, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        response["Cache-Control"] = "no-store"
        return response
    return render(
        request,
        "accounts/data_export.html",
        {"retention_days": settings.LEAVER_RETENTION_DAYS},
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def nmc_pin(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The person's own NMC PIN, printed on their revalidation forms; nobody else sees it."""
    form = NmcPinForm(posted(request), initial={"nmc_pin": request.user.nmc_pin})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_nmc_pin_set(
                user=request.user, nmc_pin=form.cleaned_data["nmc_pin"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if user.nmc_pin:
                messages.success(request, _("Your NMC PIN is saved."))
            else:
                messages.success(request, _("Your NMC PIN is removed."))
            return redirect("accounts:nmc_pin")
    return render(request, "accounts/nmc_pin.html", {"form": form})
