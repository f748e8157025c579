"""Peer support: asking, the coordinator's queue, assigning, check-ins and closing.

Every request is fetched through `permissions`: the requester and the
supporter see its content; the coordinator sees a status-only page; anyone
else gets 404.
"""

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from accounts.http import AuthenticatedHttpRequest
from kernel.forms import add_service_error, posted
from kernel.models import Role
from kernel.permissions import get_own_profile, has_role, login_required_view, role_required

from ..models import SupportRequest
from ..peer_forms import (
    AssignForm,
    CheckInForm,
    CloseForm,
    PeerSupporterProfileForm,
    SupportRequestForm,
)
from ..permissions.community import communities_listed_for
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
from ..urgent_help import urgent_help_context

QUEUE_LIMIT = 200
PROFILE_FIELDS = ("available", "capacity", "training", "trained_on", "refresher_due")


def service_post(request, form, act, *, done: str, then) -> HttpResponse | None:
    """On the POST of a valid form: `act(**form.cleaned_data)` (a service call), then
    `done` as a success message and a redirect to `then`. None, for the page to be shown
    again, on a GET, an invalid form or a service's ValidationError (the form shows it)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        act(**form.cleaned_data)
    except ValidationError as error:
        add_service_error(form, error)
        return None
    messages.success(request, done)
    return redirect(then)


def open_to(request, support_request: SupportRequest, role: str) -> HttpResponse | None:
    """None if the request is open to what `role` does (a supporter, while it is
    assigned; the requester, until it is closed), else a redirect saying it is closed."""
    status = support_request.status
    if (role == SUPPORTER and status != SupportRequest.Status.ASSIGNED) or (
        status == SupportRequest.Status.CLOSED
    ):
        messages.error(request, _("This request is closed."))
        return redirect(support_request)
    return None


def supporter_page_help(support_request: SupportRequest) -> dict:
    """The urgent-help card of a supporter's page about one request, with its link to
    "I am worried about this person's safety"."""
    return urgent_help_context(
        support_request.organisation_id,
        safety_url=reverse("peergroups:support_safety", args=[support_request.pk]),
    )


@login_required_view
@require_safe
def request_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    queue = None
    if coordinated_organisations(user):
        # Status and dates only: nothing about who asked, what happened or how to reach them.
        queue = list(coordinator_queue(user)[:QUEUE_LIMIT])
    supporting = list(support_requests_supported_by(user).with_overdue(now))
    profile = get_own_profile(user)
    context = {
        "own": list(support_requests_asked_by(user)),
        "supporting": supporting,
        "queue": queue,
        "can_ask": profile is not None,
        "communities": communities_listed_for(user),
    }
    if profile is not None:
        is_supporter = has_role(user, Role.PEER_SUPPORTER)
        safety_url = reverse("peergroups:supporter_safety") if is_supporter else ""
        context.update(
            urgent_help_context(
                profile.organisation_id, safety_url=safety_url, about_one_person=False
            )
        )
    return render(request, "peergroups/peer_support/list.html", context)


def _sent_message(support_request: SupportRequest) -> str:
    hours = (support_request.first_contact_due - support_request.created_at).total_seconds()
    hours = round(hours / 3600)
    if support_request.supporter_id:
        return ngettext(
            "Your request has been sent. Your supporter will contact you within %(hours)s hour.",
            "Your request has been sent. Your supporter will contact you within %(hours)s hours.",
            hours,
        ) % {"hours": hours}
    return ngettext(
        "Your request has been sent. A coordinator will find you a supporter, who will "
        "contact you within %(hours)s hour of being assigned.",
        "Your request has been sent. A coordinator will find you a supporter, who will "
        "contact you within %(hours)s hours of being assigned.",
        hours,
    ) % {"hours": hours}


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
            messages.success(request, _sent_message(support_request))
            return redirect(support_request)
    return render(
        request,
        "peergroups/peer_support/ask.html",
        {"form": form, **urgent_help_context(profile.organisation_id)},
    )


@login_required_view
@require_safe
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    support_request, role = get_support_request_for_user(request.user, pk)
    handbacks = list(support_request.handbacks.select_related("supporter"))
    if role == COORDINATOR:
        return render(
            request,
            "peergroups/peer_support/status.html",
            {"support_request": support_request, "handbacks": handbacks},
        )
    checkins = list(support_request.checkins.all())
    help_context = (
        supporter_page_help(support_request)
        if role == SUPPORTER
        else urgent_help_context(support_request.organisation_id)
    )
    return render(
        request,
        "peergroups/peer_support/detail.html",
        {
            "support_request": support_request,
            "role": role,
            "checkins": checkins,
            "is_open": support_request.status == SupportRequest.Status.ASSIGNED,
            "is_closed": support_request.status == SupportRequest.Status.CLOSED,
            "can_assign": support_request.organisation_id in coordinated_organisations(request.user)
            and support_request.status != SupportRequest.Status.CLOSED,
            **help_context,
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
        suggested_supporter_users(
            organisation_id=organisation_id,
            requester=requester,
            excluding=support_request.handbacks.values_list("supporter_id", flat=True),
        )
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
    support_request, role = get_support_request_for_user(request.user, pk, as_role=SUPPORTER)
    closed = open_to(request, support_request, role)
    if closed:
        return closed
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
        {
            "support_request": support_request,
            "form": form,
            "zone": zone,
            **supporter_page_help(support_request),
        },
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def request_close(request: HttpRequest, pk: int) -> HttpResponse:
    support_request, role = get_support_request_for_user(request.user, pk, as_role=SUPPORTER)
    closed = open_to(request, support_request, role)
    if closed:
        return closed
    form = CloseForm(posted(request))
    done = service_post(
        request,
        form,
        partial(
            services.support_request_close, actor=request.user, support_request=support_request
        ),
        done=_("The support has been closed."),
        then=support_request,
    )
    if done:
        return done
    return render(
        request,
        "peergroups/peer_support/close.html",
        {"support_request": support_request, "form": form, **supporter_page_help(support_request)},
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
    own = get_own_profile(request.user)
    help_context = (
        urgent_help_context(
            own.organisation_id,
            safety_url=reverse("peergroups:supporter_safety"),
            about_one_person=False,
        )
        if own is not None
        else {}
    )
    return render(
        request,
        "peergroups/peer_support/supporter_profile.html",
        {"form": form, "profile": profile, "active": active, **help_context},
    )
