"""Staff find a programme and a supervisor, and ask for supervision."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kernel.models import Modality
from kernel.permissions import (
    get_own_profile,
    login_required_view,
    programmes_open_listed,
    programmes_open_to_with_refusals,
)

from ..allowances import allowance, eligibility
from ..availability import free_slots
from ..forms import AgreementRequestForm, SupervisorFilterForm
from ..models import SupervisorProfile
from ..pairing import pairing_refusal
from ..permissions import (
    agreements_visible_to,
    current_agreements_with,
    get_supervisor_for_user,
    supervisor_directory_page,
    supervisor_programmes_with_refusals,
    with_directory_names,
)
from ..presenters import supervisor_cards
from ..services.agreements import agreement_request
from ..services.capacity import has_capacity
from ..services.sessions import may_book_without_agreement, session_book
from .booking import already_booked, pick_slot


def programme_offers(user):
    """Each open programme with whether the user may use it and what they have left."""
    profile = get_own_profile(user)
    offers = []
    for programme in programmes_open_to_with_refusals(user, Modality.ONE_TO_ONE):
        allowed = eligibility(programme, profile)
        offers.append(
            {
                "programme": programme,
                "eligibility": allowed,
                "allowance": allowance(programme, user) if allowed.eligible else None,
            }
        )
    return offers


@login_required_view
def programme_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "supervision/programmes/list.html",
        {
            "offers": programme_offers(request.user),
            "agreements": agreements_visible_to(request.user)
            .current()
            .filter(supervisee=request.user)
            .select_related("supervisor", "programme"),
        },
    )


@login_required_view
def supervisor_list(request: HttpRequest) -> HttpResponse:
    form = SupervisorFilterForm(
        request.GET or None,
        programmes=programmes_open_listed(request.user, Modality.ONE_TO_ONE),
    )
    # A trust has hundreds of supervisors: a page of them at a time.
    chosen = form.cleaned_data if form.is_valid() else {}
    page = supervisor_directory_page(
        request.user,
        timezone.now(),
        request.GET.get("page"),
        programme=chosen.get("programme"),
        mode=chosen.get("mode") or "",
        available=bool(chosen.get("available")),
    )
    page.object_list = with_directory_names(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "supervision/supervisors/list.html",
        {
            "filter_form": form,
            "page": page,
            "cards": supervisor_cards(page.object_list),
            "query": query.urlencode(),
        },
    )


def _programmes_for(request, supervisor: SupervisorProfile):
    """The supervisor's programmes the user is eligible for, with what they can do next."""
    profile = get_own_profile(request.user)
    current = {a.programme_id: a for a in current_agreements_with(request.user, supervisor.user)}
    refusal = pairing_refusal(supervisor.user, request.user)
    taking_on = supervisor.accepting_new and has_capacity(supervisor.user, profile=supervisor)
    options = []
    for programme in supervisor_programmes_with_refusals(supervisor):
        allowed = eligibility(programme, profile)
        options.append(
            {
                "programme": programme,
                "eligibility": allowed,
                "agreement": current.get(programme.pk),
                # One form per programme, so the page's field ids stay unique
                "request_form": AgreementRequestForm(auto_id=f"id_{programme.pk}_%s"),
                # Said before any button, so nothing offered is then refused
                "refusal": refusal
                or (
                    None
                    if taking_on
                    else _("%(name)s is not taking on new supervisees at the moment.")
                    % {"name": supervisor.user.get_full_name()}
                ),
                "can_book_first": allowed.eligible
                and programme.pk not in current
                and may_book_without_agreement(programme, supervisor.user, request.user),
            }
        )
    return options


@login_required_view
def supervisor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    supervisor = get_supervisor_for_user(request.user, pk)
    options = _programmes_for(request, supervisor)
    # Free times only where this person could book them: not with their line manager
    bookable = pairing_refusal(supervisor.user, request.user) is None
    first = next((o["programme"] for o in options if o["eligibility"].eligible), None)
    first = first if bookable else None
    slots = (
        free_slots(supervisor=supervisor.user, programme=first, supervisee=request.user)[:5]
        if first
        else []
    )
    return render(
        request,
        "supervision/supervisors/detail.html",
        {
            "supervisor": supervisor,
            "options": options,
            "slots": slots,
            "slot_programme": first,
            "is_self": supervisor.user_id == request.user.pk,
        },
    )


@login_required_view
@require_POST
def supervisor_request(request: HttpRequest, pk: int, programme_pk: int) -> HttpResponse:
    supervisor = get_supervisor_for_user(request.user, pk)
    programme = get_object_or_404(supervisor.programmes.filter(is_active=True), pk=programme_pk)
    form = AgreementRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for error in form.errors["message"]))
        return redirect("supervision:supervisor", pk=supervisor.pk)
    try:
        agreement = agreement_request(
            actor=request.user,
            supervisor=supervisor.user,
            programme=programme,
            message=form.cleaned_data["message"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("supervision:supervisor", pk=supervisor.pk)
    messages.success(
        request,
        _(
            "You have asked %(name)s to supervise you. Read the agreement below and accept it; "
            "once you have both accepted you can book a session."
        )
        % {"name": supervisor.user.get_full_name()},
    )
    return redirect("supervision:agreement", pk=agreement.pk)


@login_required_view
@require_http_methods(["GET", "POST"])
def first_session_book(request: HttpRequest, pk: int, programme_pk: int) -> HttpResponse:
    """Where the programme allows it: a first session before any agreement."""
    supervisor = get_supervisor_for_user(request.user, pk)
    programme = get_object_or_404(supervisor.programmes.filter(is_active=True), pk=programme_pk)
    held = already_booked(request, supervisor=supervisor.user, supervisee=request.user)
    if held is not None:  # this first session, sent twice: not "you may not book"
        return held
    if not may_book_without_agreement(programme, supervisor.user, request.user):
        raise PermissionDenied
    return pick_slot(
        request,
        programme=programme,
        supervisor=supervisor.user,
        supervisee=request.user,
        context={
            "title": _("Book a first session with %(name)s")
            % {"name": supervisor.user.get_full_name()},
            "back_url": supervisor.get_absolute_url(),
            "success_message": _("Your session is booked. A calendar invite is on its way."),
            "button": _("Book this session"),
        },
        book=lambda starts_at, _reason: session_book(
            actor=request.user,
            programme=programme,
            supervisor=supervisor.user,
            starts_at=starts_at,
        ),
    )
