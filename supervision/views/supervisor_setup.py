"""Supervisors set themselves up: profile, training records and availability.

Everything here is the supervisor's own: entries are fetched through
`permissions` so that anyone else's answers 404. Times are read and shown in
the organisation's zone, which OrganisationTimezoneMiddleware has activated.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from kernel.forms import add_service_error, posted
from kernel.graph import teams_wanted
from kernel.models import Modality, Role
from kernel.permissions import get_own_profile, programmes_open_to, role_required

from ..availability import SupervisorEntries, free_slots
from ..models import (
    Mode,
)
from ..permissions import (
    availability_ahead_of,
    first_one_to_one_programme_of,
    get_availability_for_user,
    get_training_for_user,
    supervisor_profile_of,
)
from ..services import availability as services
from ..supervisor_forms import (
    ExceptionForm,
    SlotForm,
    SupervisorProfileForm,
    TrainingForm,
    WeeklyForm,
)

PREVIEW_LIMIT = 10
PROFILE_FIELDS = (
    "capacity",
    "accepting_new",
    "bio",
    "mode",
    "meeting_link",
    "location",
    "teams_organiser",
)
DELIVERY_FIELDS = ("mode", "meeting_link", "location")


def _delivery_defaults(user) -> dict:
    """The supervisor's usual way of meeting, to start each new availability entry from."""
    defaults = supervisor_profile_of(user).values(*DELIVERY_FIELDS).first()
    return defaults or {"mode": Mode.ONLINE}


# --- Profile and training -----------------------------------------------------


def _makes_teams_meetings(user) -> bool:
    """Whether the supervisor's organisation makes Teams meetings (then the profile asks
    which Microsoft 365 account organises them)."""
    profile = get_own_profile(user)
    return profile is not None and teams_wanted(profile.organisation)


@role_required(Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    profile = services.supervisor_profile_get_or_create(user=request.user)
    offered = programmes_open_to(request.user).filter(modality=Modality.ONE_TO_ONE)
    initial = {name: getattr(profile, name) for name in PROFILE_FIELDS}
    initial["programmes"] = list(profile.programmes.values_list("pk", flat=True))
    form = SupervisorProfileForm(
        posted(request),
        programmes=offered,
        initial=initial,
        teams=_makes_teams_meetings(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.supervisor_profile_update(
                actor=request.user, profile=profile, offered_programmes=offered, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your supervisor profile has been saved."))
            return redirect("supervision:supervisor_profile")
    return render(
        request,
        "supervision/supervisor/profile.html",
        {"form": form, "profile": profile, "training": list(profile.training.all())},
    )


@role_required(Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def training_add(request: HttpRequest) -> HttpResponse:
    form = TrainingForm(posted(request))
    if request.method == "POST" and form.is_valid():
        profile = services.supervisor_profile_get_or_create(user=request.user)
        try:
            services.training_add(actor=request.user, profile=profile, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The training has been added."))
            return redirect("supervision:supervisor_profile")
    return render(request, "supervision/supervisor/training_form.html", {"form": form})


@role_required(Role.SUPERVISOR)
@require_http_methods(["POST"])
def training_delete(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_training_for_user(request.user, pk)
    services.training_delete(actor=request.user, record=record)
    messages.success(request, _("The training record has been deleted."))
    return redirect("supervision:supervisor_profile")


# --- Availability ---------------------------------------------------------------


@role_required(Role.SUPERVISOR)
def availability(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    zone = timezone.get_current_timezone()
    today = timezone.localdate(now, zone)
    programme = first_one_to_one_programme_of(user)
    # Fetched once for the lists and the preview of free slots alike.
    slots, weekly, away = availability_ahead_of(user, now)
    entries = SupervisorEntries(slots=slots, weekly=weekly, away=away)
    preview = []
    if programme is not None:
        preview = free_slots(supervisor=user, programme=programme, now=now, entries=entries)
    context = {
        "zone": zone,
        "slots": entries.slots,
        "weekly": [w for w in entries.weekly if w.valid_until is None or w.valid_until >= today],
        "away": entries.away,
        "programme": programme,
        "preview": preview[:PREVIEW_LIMIT],
    }
    return render(request, "supervision/supervisor/availability.html", context)


def _availability_form_page(request, form, template: str, add, success: str):
    """The shared flow of the three add pages; `add(data)` calls the service."""
    if request.method == "POST" and form.is_valid():
        try:
            add(form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, success)
            return redirect("supervision:availability")
    return render(request, template, {"form": form, "zone": form.zone})


@role_required(Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def slot_add(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = SlotForm(
        posted(request),
        zone=timezone.get_current_timezone(),
        initial=_delivery_defaults(user),
    )

    def add(data):
        services.slot_add(
            actor=user,
            supervisor=user,
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            **{name: data[name] for name in DELIVERY_FIELDS},
        )

    return _availability_form_page(
        request,
        form,
        "supervision/supervisor/slot_form.html",
        add,
        _("The slot has been added."),
    )


@role_required(Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def weekly_add(request: HttpRequest) -> HttpResponse:
    user = request.user
    zone = timezone.get_current_timezone()
    initial = {**_delivery_defaults(user), "valid_from": timezone.localdate(timezone=zone)}
    form = WeeklyForm(posted(request), zone=zone, initial=initial)

    def add(data):
        services.weekly_add(
            actor=user,
            supervisor=user,
            **{
                name: data[name]
                for name in ("weekday", "start_time", "end_time", "valid_from", "valid_until")
            },
            **{name: data[name] for name in DELIVERY_FIELDS},
        )

    return _availability_form_page(
        request,
        form,
        "supervision/supervisor/weekly_form.html",
        add,
        _("The weekly window has been added."),
    )


@role_required(Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def exception_add(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ExceptionForm(posted(request), zone=timezone.get_current_timezone())

    def add(data):
        services.exception_add(
            actor=user,
            supervisor=user,
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            reason=data["reason"],
        )

    return _availability_form_page(
        request,
        form,
        "supervision/supervisor/exception_form.html",
        add,
        _("Your time away has been added. No slots are offered during it."),
    )


@role_required(Role.SUPERVISOR)
@require_http_methods(["POST"])
def availability_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    entry = get_availability_for_user(request.user, kind, pk)
    services.availability_delete(actor=request.user, entry=entry)
    messages.success(request, _("Deleted. Sessions already booked are not affected."))
    return redirect("supervision:availability")
