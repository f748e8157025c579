"""Peer support when plans change: first contact, stepping back, safety worries (the
supporter's); withdrawing and changing how to be contacted (the requester's).

Every request is fetched through `permissions` with the role that acts: 404 for
strangers, 403 for the wrong role. Every page starts with where to get urgent help.
"""

from functools import partial

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from kernel.forms import posted
from kernel.models import Role
from kernel.permissions import get_own_profile, login_required_view, role_required

from ..models import SupportRequest
from ..peer_forms import ConfirmForm, ContactChangeForm, FirstContactForm, HandBackForm
from ..permissions.peer_support import (
    REQUESTER,
    SUPPORTER,
    coordinator_users,
    get_support_request_for_user,
    support_requests_supported_by,
)
from ..services import peer_support as services
from ..services import support_changes
from ..urgent_help import urgent_help_context
from .peer_support import open_to, service_post, supporter_page_help


def _form_page(request, template, support_request, form, **context):
    return render(
        request,
        f"peergroups/peer_support/{template}.html",
        {"support_request": support_request, "form": form, **context},
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def first_contact(request: HttpRequest, pk: int) -> HttpResponse:
    support_request, role = get_support_request_for_user(request.user, pk, as_role=SUPPORTER)
    closed = open_to(request, support_request, role)
    if closed:
        return closed
    initial = {"first_contacted_on": support_request.first_contacted_on}
    form = FirstContactForm(posted(request), initial=initial)
    act = partial(
        services.first_contact_record, actor=request.user, support_request=support_request
    )
    done = _("The date of first contact has been recorded.")
    return service_post(request, form, act, done=done, then=support_request) or _form_page(
        request, "first_contact", support_request, form, **supporter_page_help(support_request)
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def hand_back(request: HttpRequest, pk: int) -> HttpResponse:
    support_request, role = get_support_request_for_user(request.user, pk, as_role=SUPPORTER)
    closed = open_to(request, support_request, role)
    if closed:
        return closed
    form = HandBackForm(posted(request))
    act = partial(
        support_changes.support_request_hand_back,
        actor=request.user,
        support_request=support_request,
    )
    done = _(
        "You have stepped back. The coordinator has been asked to find another supporter, "
        "and your colleague has been told."
    )
    return service_post(
        request, form, act, done=done, then="peergroups:support_requests"
    ) or _form_page(
        request, "hand_back", support_request, form, **supporter_page_help(support_request)
    )


def _safety_page(request, organisation_id: int, support_request=None, form=None):
    """Whom to contact when worried about someone's safety."""
    supporting = []
    if support_request is None:
        supporting = list(
            support_requests_supported_by(request.user)
            .filter(status=SupportRequest.Status.ASSIGNED)
            .order_by("created_at")
        )
    return render(
        request,
        "peergroups/peer_support/safety.html",
        {
            "support_request": support_request,
            "form": form,
            "can_alert": support_request is not None
            and support_request.status == SupportRequest.Status.ASSIGNED,
            "coordinators": list(coordinator_users(organisation_id, excluding=[request.user.pk])),
            "supporting": supporting,
            **urgent_help_context(organisation_id),
        },
    )


@role_required(Role.PEER_SUPPORTER)
@require_safe
def safety(request: HttpRequest) -> HttpResponse:
    """From a supporter's pages that are about nobody in particular: whom to contact,
    and a way to the page about each person they support."""
    profile = get_own_profile(request.user)
    if profile is None:
        raise PermissionDenied
    return _safety_page(request, profile.organisation_id)


@login_required_view
@require_http_methods(["GET", "POST"])
def support_safety(request: HttpRequest, pk: int) -> HttpResponse:
    """About one person supported: whom to contact, and a button that alerts the
    coordinators (no details: only that the supporter is worried)."""
    support_request, _role = get_support_request_for_user(request.user, pk, as_role=SUPPORTER)
    form = ConfirmForm(posted(request))
    act = partial(
        support_changes.safety_concern_raise, actor=request.user, support_request=support_request
    )
    done = _(
        "The coordinators have been sent an urgent message. If anyone's life is at risk, "
        "call 999 now."
    )
    then = reverse("peergroups:support_safety", args=[support_request.pk])
    return service_post(request, form, act, done=done, then=then) or _safety_page(
        request, support_request.organisation_id, support_request, form
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    support_request, role = get_support_request_for_user(request.user, pk, as_role=REQUESTER)
    closed = open_to(request, support_request, role)
    if closed:
        return closed
    form = ConfirmForm(posted(request))
    act = partial(
        support_changes.support_request_withdraw,
        actor=request.user,
        support_request=support_request,
    )
    done = _("Your request has been withdrawn. You can ask for peer support again at any time.")
    return service_post(request, form, act, done=done, then=support_request) or _form_page(
        request,
        "withdraw",
        support_request,
        form,
        **urgent_help_context(support_request.organisation_id),
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def contact_change(request: HttpRequest, pk: int) -> HttpResponse:
    support_request, role = get_support_request_for_user(request.user, pk, as_role=REQUESTER)
    closed = open_to(request, support_request, role)
    if closed:
        return closed
    initial = {
        "contact_mode": support_request.contact_mode,
        "contact_detail": support_request.contact_detail,
    }
    form = ContactChangeForm(posted(request), initial=initial)
    act = partial(
        support_changes.support_request_contact_change,
        actor=request.user,
        support_request=support_request,
    )
    done = (
        _("Your contact details have been changed. Your supporter has been told.")
        if support_request.supporter_id
        else _("Your contact details have been changed.")
    )
    return service_post(request, form, act, done=done, then=support_request) or _form_page(
        request,
        "contact_change",
        support_request,
        form,
        **urgent_help_context(support_request.organisation_id),
    )
