"""Peer support: asking, the coordinator's queue, assigning, check-ins and closing.

Every request is fetched through `permissions`: the requester and the
supporter see its content; the coordinator sees a status-only page; anyone
else gets 404.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.http import AuthenticatedHttpRequest
from kernel.forms import add_service_error, posted
from kernel.models import Role
from kernel.permissions import get_own_profile, login_required_view, role_required

from ..models import SupportRequest
from ..peer_forms import (
    AssignForm,
    CheckInForm,
    CloseForm,
    PeerSupporterProfileForm,
    SupportRequestForm,
)
from ..permissions.peer_support import (
    COORDINATOR,
    SUPPORTER,
    coordinated_organisations,
    coordinator_queue,
    get_support_request_for_user,
    suggested_supporter_users,
    support_requests_asked_by,
    support_requests_supported_by,
    supporter_user_choices,
)
from ..services import peer_support as services

QUEUE_LIMIT = 200
PROFILE_FIELDS = ("available", "capacity", "training", "trained_on", "refresher_due")


@login_required_view
@require_safe
def request_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    queue = None
    if coordinated_organisations(user):
        # Status and dates only: nothing about who asked, what happened or how to reach them.
        queue = list(coordinator_queue(user)[:QUEUE_LIMIT])
    return render(
        request,
        "peergroups/peer_support/list.html",
        {
            "own": list(support_requests_asked_by(user)),
            "supporting": list(support_requests_supported_by(user)),
            "queue": queue,
            "can_ask": get_own_profile(user) is not None,
            "now": timezone.now(),
        },
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def request_add(request: HttpRequest) -> HttpResponse:
    profile = get_own_profile(request.user)
    if profile is None:
        raise PermissionDenied
    suggested = suggested_supporter_users(
        organisation_id=profile.organisation_id, requester=request.user
    )
    form = SupportRequestForm(posted(request), supporters=suggested)
    if request.method == "POST" and form.is_valid():
        try:
            support_request = services.support_request_create(
                actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if support_request.supporter_id:
                messages.success(
                    request,
                    _(
                        "Your request has been sent. Your supporter will contact you "
                        "within 72 hours."
                    ),
                )
            else:
                messages.success(
                    request,
                    _(
                        "Your request has been sent. A coordinator will find you a supporter, "
                        "who will contact you within 72 hours."
                    ),
                )
            return redirect(support_request)
    return render(request, "peergroups/peer_support/ask.html", {"form": form})


@login_required_view
@require_safe
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    support_request, role = get_support_request_for_user(request.user, pk)
    if role == COORDINATOR:
        return render(
            request,
            "peergroups/peer_support/status.html",
            {"support_request": support_request},
        )
    checkins = list(support_request.checkins.all())
    return render(
        request,
        "peergroups/peer_support/detail.html",
        {
            "support_request": support_request,
            "role": role,
            "checkins": checkins,
            "is_open": support_request.status == SupportRequest.Status.ASSIGNED,
            "can_assign": support_request.organisation_id in coordinated_organisations(request.user)
            and support_request.status != SupportRequest.Status.CLOSED,
        },
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def request_assign(request: HttpRequest, pk: int) -> HttpResponse:
    support_request, _role = get_support_request_for_user(request.user, pk, as_role=COORDINATOR)
    if support_request.status == SupportRequest.Status.CLOSED:
        messages.error(request, _("This request is closed."))
        return redirect(support_request)
    organisation_id = support_request.organisation_id
    requester = support_request.requester
    suggested = list(
        suggested_supporter_users(organisation_id=organisation_id, requester=requester)
    )
    form = AssignForm(
        posted(request),
        supporters=supporter_user_choices(organisation_id, requester),
        suggested=suggested,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.support_request_assign(
                actor=request.user,
                support_request=support_request,
                supporter=form.cleaned_data["supporter"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, _("The supporter has been assigned. Both of them have been told.")
            )
            return redirect("peergroups:support_requests")
    return render(
        request,
        "peergroups/peer_support/assign.html",
        {"support_request": support_request, "form": form, "suggested": suggested},
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def checkin_add(request: HttpRequest, pk: int) -> HttpResponse:
    support_request, _role = get_support_request_for_user(request.user, pk, as_role=SUPPORTER)
    if support_request.status != SupportRequest.Status.ASSIGNED:
        messages.error(request, _("This request is closed."))
        return redirect(support_request)
    zone = timezone.get_current_timezone()
    now = timezone.localtime(timezone.now(), zone)
    form = CheckInForm(
        posted(request),
        zone=zone,
        initial={
            "date": now.date(),
            "time": now.time().replace(second=0, microsecond=0),
            "mode": support_request.contact_mode,
            "next_due": services.suggested_next_due(now.date()),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.checkin_log(
                actor=request.user,
                support_request=support_request,
                happened_at=data["happened_at"],
                mode=data["mode"],
                notes=data["notes"],
                next_due=data["next_due"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The check-in has been logged."))
            return redirect(support_request)
    return render(
        request,
        "peergroups/peer_support/checkin.html",
        {"support_request": support_request, "form": form, "zone": zone},
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def request_close(request: HttpRequest, pk: int) -> HttpResponse:
    support_request, _role = get_support_request_for_user(request.user, pk, as_role=SUPPORTER)
    if support_request.status != SupportRequest.Status.ASSIGNED:
        messages.error(request, _("This request is closed."))
        return redirect(support_request)
    form = CloseForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.support_request_close(
                actor=request.user,
                support_request=support_request,
                outcome=form.cleaned_data["outcome"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The support has been closed."))
            return redirect(support_request)
    return render(
        request,
        "peergroups/peer_support/close.html",
        {"support_request": support_request, "form": form},
    )


@role_required(Role.PEER_SUPPORTER)
@require_http_methods(["GET", "POST"])
def supporter_profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = services.peer_supporter_profile_get_or_create(user=request.user)
    initial = {name: getattr(profile, name) for name in PROFILE_FIELDS}
    form = PeerSupporterProfileForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.peer_supporter_profile_update(
                actor=request.user, profile=profile, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your peer supporter profile has been saved."))
            return redirect("peergroups:supporter_profile")
    active = (
        support_requests_supported_by(request.user)
        .filter(status=SupportRequest.Status.ASSIGNED)
        .count()
    )
    return render(
        request,
        "peergroups/peer_support/supporter_profile.html",
        {"form": form, "profile": profile, "active": active},
    )
