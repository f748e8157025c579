"""Groups: browse, set up, join, leave, offers, members, meetings, register and record.

Every object is fetched through peergroups.permissions: out of scope 404,
in scope but not allowed 403.
"""

import datetime
import zoneinfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from kernel.eligibility import eligibility_words
from kernel.forms import posted
from kernel.models import Modality, Role
from kernel.permissions import (
    admin_home_organisation,
    login_required_view,
    programmes_managed_by,
    role_required,
    theme_choices,
)
from supervision.allowances import allowance

from .. import presenters
from ..eligibility import group_organisation_ids, group_refusal
from ..group_forms import (
    CancelMeetingForm,
    GroupForm,
    LeaveForm,
    MemberAddForm,
    MoveMeetingForm,
    RecordForm,
    RegisterForm,
    RemoveForm,
)
from ..models import Attendance, GroupSession, Membership
from ..notifications_groups import meeting_when
from ..permissions import (
    UPCOMING_SHOWN,
    can_edit_group,
    can_manage_group,
    current_memberships,
    facilitator_choices,
    get_group_for_user,
    get_meeting_for_user,
    get_membership_for_user,
    group_facilitators,
    group_meetings_to_complete,
    group_record_for_user,
    groups_visible_to,
    is_facilitator,
    meetings_coming_up,
    meetings_ended,
    memberships_of,
    other_organisations_for,
    person_to_add,
    register_people,
)
from ..recurrence import group_rhythm
from ..services import groups as services
from ..services import teams as teams_services
from ..services.series import Window as CalendarWindow
from ..services.series import series_invite, series_of_meeting, window_for

ATTENDED_SHOWN = 6
NOBODY_WITH_EMAIL = _lazy(
    "There is no one with this email address at an organisation this group is open to"
)


def _meetings_attended(user, group) -> list[GroupSession]:
    """The member's latest meetings that have ended, each asking how it went."""
    meetings = list(
        group.sessions.filter(
            register__user=user,
            register__status=Attendance.Status.PRESENT,
            status=GroupSession.Status.SCHEDULED,
            ends_at__lte=timezone.now(),
        ).order_by("-starts_at")[:ATTENDED_SHOWN]
    )
    for meeting in meetings:
        meeting.group = group
        meeting.when_text = meeting_when(meeting)
    return meetings


def _was_present(user, meeting) -> bool:
    """Marked present at a meeting that has ended: asked for feedback on it."""
    return meeting.has_happened(timezone.now()) and (
        meeting.register.filter(user=user, status=Attendance.Status.PRESENT).exists()
    )


def _my_membership(user, group) -> Membership | None:
    return group.memberships.current().filter(user=user).first()


def _group_fields(form) -> dict:
    data = dict(form.cleaned_data)
    facilitators = list(data.pop("facilitators"))
    return {"facilitators": facilitators, **data}


@login_required_view
def group_list(request: HttpRequest) -> HttpResponse:
    visible = groups_visible_to(request.user)
    groups = (
        visible.open()
        .with_places_left()
        .select_related("organisation", "programme")
        .order_by("name")
    )
    mine = dict(memberships_of(request.user).values_list("group_id", "state"))
    states = dict(Membership.State.choices)
    rows = [(group, states.get(mine.get(group.pk, ""), "")) for group in groups]
    return render(
        request,
        "peergroups/groups/list.html",
        {
            "rows": rows,
            "can_add": Role.PROGRAMME_ADMIN in _roles(request.user),
            "any_closed": visible.closed().exists(),
        },
    )


def _roles(user):
    from kernel.permissions import user_roles

    return user_roles(user)


def _group_choices(request: HttpRequest, organisation) -> dict:
    return {
        "programmes": programmes_managed_by(request.user).filter(
            organisation=organisation, modality=Modality.GROUP
        ),
        "alternatives": programmes_managed_by(request.user).filter(organisation=organisation),
        "facilitators": facilitator_choices(request.user, organisation),
        "departments": organisation.departments.order_by("name"),
        "organisations": other_organisations_for(request.user, organisation),
    }


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET", "POST"])
def group_add(request: HttpRequest) -> HttpResponse:
    organisation = admin_home_organisation(request.user)
    form = GroupForm(posted(request), **_group_choices(request, organisation))
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_create(
                actor=request.user, organisation=organisation, **_group_fields(form)
            )
        except (ValidationError, services.GroupRefused) as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _scheduled_words(group))
            return redirect(group.get_absolute_url())
    return render(
        request, "peergroups/groups/form.html", {"form": form, "title": _("Set up a group")}
    )


def _scheduled_words(group) -> str:
    """What setting up a group did: a group with no meetings to come is not 'scheduled'."""
    if services.next_meeting(group) is None:
        return _("The group is set up. It has no meetings in the next 6 months: check its dates.")
    return _("The group is set up and its meetings are scheduled.")


def _error_text(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


@login_required_view
@require_http_methods(["GET", "POST"])
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_for_user(request.user, pk, edit=True)
    form = GroupForm(
        posted(request),
        **_group_choices(request, group.organisation),
        # A copy for the form to change: the service compares it with the group.
        instance=groups_visible_to(request.user).get(pk=group.pk),
        initial={"facilitators": list(group.facilitators.all())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.group_update(actor=request.user, group=group, **_group_fields(form))
        except (ValidationError, services.GroupRefused) as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("The group is changed. Everyone affected has been told."))
            return redirect(group.get_absolute_url())
    return render(
        request,
        "peergroups/groups/form.html",
        {"form": form, "title": _("Change the group"), "group": group},
    )


def _meetings_listed(group, meetings):
    for meeting in meetings:
        meeting.group = group
        meeting.when_text = meeting_when(meeting)
    return meetings


def _past_meetings(group, mine, facilitating, now) -> list:
    """The latest meetings that have ended: all for facilitators, a member's since joining."""
    if facilitating:
        return meetings_ended(group, now)
    if mine is None or mine.state != Membership.State.ACTIVE:
        return []
    return meetings_ended(group, now, since=mine.joined_at)


@login_required_view
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_for_user(request.user, pk)
    user = request.user
    now = timezone.now()
    facilitators = group_facilitators(group)
    facilitating = is_facilitator(user, group)
    manage = can_manage_group(user, group)
    current = None
    members = waiting = requests = []
    flagged = set()
    if manage and group.is_active:
        current = current_memberships(group)
        mine = next((m for m in current if m.user_id == user.pk), None)
    else:
        mine = _my_membership(user, group)
    member = mine is not None and mine.state == Membership.State.ACTIVE
    if current is not None:
        members = [m for m in current if m.state in services.PLACE_TAKERS]
        waiting = [m for m in current if m.state == Membership.State.WAITING]
        requests = [m for m in current if m.state == Membership.State.REQUESTED]
        flagged = set(services.absence_flags(group, current))
    meetings = past = to_complete = []
    listed = facilitating or member or manage
    if listed:
        meetings = _meetings_listed(group, meetings_coming_up(group, now))
        past = _meetings_listed(group, _past_meetings(group, mine, facilitating, now))
    if facilitating:
        to_complete = _meetings_listed(group, group_meetings_to_complete(user, group, now))
    next_meeting = services.next_meeting(
        group, now, upcoming=meetings if listed else None, shown=UPCOMING_SHOWN
    )
    attended = _meetings_attended(user, group) if member else []
    return render(
        request,
        "peergroups/groups/detail.html",
        {
            "group": group,
            "facilitators": facilitators,
            "mine": mine,
            "member": member,
            "facilitating": facilitating,
            "manage": manage,
            "can_edit": can_edit_group(user, group) and group.is_active,
            "member_rows": presenters.member_rows(members, group=group, flagged=flagged),
            "waiting_rows": presenters.member_rows(waiting, group=group, flagged=flagged),
            "request_rows": presenters.member_rows(
                requests, group=group, flagged=flagged, csrf_token=get_token(request)
            )
            if requests
            else [],
            "flagged": flagged,
            "meetings": meetings,
            "meeting_rows": presenters.upcoming_rows(meetings),
            "past": past,
            "past_rows": presenters.past_rows(past),
            "to_complete": to_complete,
            "to_complete_rows": presenters.to_complete_rows(to_complete, show_group=False),
            "next_meeting": meeting_when(next_meeting) if next_meeting else "",
            "rhythm": group_rhythm(group),
            "position": services.waiting_position(mine)
            if mine is not None and mine.state == Membership.State.WAITING
            else None,
            "places_left": services.places_left(group, current),
            "attended": attended,
            "attended_rows": presenters.attended_rows(attended),
            "time_zone": group.organisation.time_zone,
            "who_may_join": eligibility_words(group),
            "organisations_open_to": list(group.eligible_organisations.order_by("name"))
            if group.open_to_other_organisations
            else [],
            # Why the viewer may not ask to join, if they may not (asked only of non-members).
            "refusal": group_refusal(group, user) if mine is None and not facilitating else None,
            # Where the group's programme has an allowance, what a member has left.
            "allowance": allowance(group.programme, user)
            if member and group.programme.allowance_sessions is not None
            else None,
        },
    )


@login_required_view
@require_POST
def group_join(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_for_user(request.user, pk)
    try:
        services.membership_request(actor=request.user, group=group)
    except services.GroupRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("You have asked to join. A facilitator will let you know."))
    return redirect(group.get_absolute_url())


@login_required_view
@require_http_methods(["GET", "POST"])
def group_leave(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_for_user(request.user, pk)
    mine = _my_membership(request.user, group)
    if mine is None:
        raise PermissionDenied
    form = LeaveForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_leave(
                actor=request.user, membership=mine, reason=form.cleaned_data["reason"]
            )
        except services.GroupRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("You have left the group."))
        return redirect(group.get_absolute_url())
    return render(
        request, "peergroups/groups/leave.html", {"group": group, "form": form, "mine": mine}
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def group_offer(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_for_user(request.user, pk)
    mine = _my_membership(request.user, group)
    # An offer always has its expiry (services set both together): no expiry, no offer.
    if mine is None or mine.state != Membership.State.OFFERED or mine.offer_expires_at is None:
        raise PermissionDenied
    if request.method == "POST":
        answer = request.POST.get("answer")
        try:
            if answer == "accept":
                services.offer_accept(actor=request.user, membership=mine)
                messages.success(request, _("Welcome to the group. Your meetings are in the list."))
            elif answer == "decline":
                services.offer_decline(actor=request.user, membership=mine)
                messages.success(request, _("You have declined the place."))
            else:
                messages.error(request, _("Choose whether to accept or decline the place."))
                return redirect("peergroups:group_offer", pk=group.pk)
        except services.GroupRefused as refused:
            messages.error(request, str(refused))
        return redirect(group.get_absolute_url())
    zone = zoneinfo.ZoneInfo(group.organisation.time_zone)
    return render(
        request,
        "peergroups/groups/offer.html",
        {"group": group, "mine": mine, "deadline": mine.offer_expires_at.astimezone(zone)},
    )


@login_required_view
@require_POST
def member_accept(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    group = get_group_for_user(request.user, pk, manage=True)
    membership = get_membership_for_user(request.user, group, membership_pk)
    try:
        membership = services.membership_accept(actor=request.user, membership=membership)
    except services.GroupRefused as refused:
        messages.error(request, str(refused))
    else:
        _say_accepted(request, membership)
    return redirect(group.get_absolute_url())


def _say_accepted(request, membership) -> None:
    name = membership.user.get_full_name()
    if membership.state == Membership.State.ACTIVE:
        messages.success(request, _("%(name)s is now a member.") % {"name": name})
    else:
        messages.success(
            request,
            _("The group is full, so %(name)s is on the waiting list.") % {"name": name},
        )


@login_required_view
@require_http_methods(["GET", "POST"])
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A facilitator or admin adds someone by their work email: the group's rule decides."""
    group = get_group_for_user(request.user, pk, manage=True)
    form = MemberAddForm(posted(request))
    if request.method == "POST" and form.is_valid():
        person = person_to_add(group, form.cleaned_data["email"], group_organisation_ids(group))
        if person is None:
            form.add_error("email", NOBODY_WITH_EMAIL)
        else:
            try:
                membership = services.membership_add(actor=request.user, group=group, user=person)
            except services.GroupRefused as refused:
                form.add_error("email", str(refused))
            else:
                _say_accepted(request, membership)
                return redirect(group.get_absolute_url())
    return render(
        request,
        "peergroups/groups/member_add.html",
        {"group": group, "form": form, "who_may_join": eligibility_words(group)},
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    group = get_group_for_user(request.user, pk, manage=True)
    membership = get_membership_for_user(request.user, group, membership_pk)
    if membership.state not in Membership.CURRENT:
        messages.error(request, _("They are no longer in this group."))
        return redirect(group.get_absolute_url())
    form = RemoveForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_remove(
                actor=request.user, membership=membership, reason=form.cleaned_data["reason"]
            )
        except (ValidationError, services.GroupRefused) as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("They have been removed from the group."))
            return redirect(group.get_absolute_url())
    return render(
        request,
        "peergroups/groups/remove.html",
        {"group": group, "membership": membership, "form": form},
    )


# --- Meetings ---------------------------------------------------------------------


@login_required_view
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk)
    meeting.when_text = meeting_when(meeting)
    group = meeting.group
    facilitating = is_facilitator(request.user, group)
    record = group_record_for_user(request.user, meeting)
    register = []
    if facilitating:
        register = list(meeting.register.select_related("user").order_by("user__first_name"))
    now = timezone.now()
    return render(
        request,
        "peergroups/groups/session.html",
        {
            "meeting": meeting,
            "attended": _was_present(request.user, meeting),
            "group": group,
            "record": record,
            "register": register,
            "facilitating": facilitating,
            "can_change": facilitating
            and meeting.status == GroupSession.Status.SCHEDULED
            and meeting.starts_at > now,
            "held": meeting.status == GroupSession.Status.SCHEDULED and meeting.starts_at <= now,
            "time_zone": group.organisation.time_zone,
            # Its Teams meeting's link once made, else the group's own.
            "join_link": teams_services.group_meeting_link(meeting),
            # Where its Teams meeting stands: the facilitators' to see and retry.
            "teams": teams_services.teams_status(meeting) if facilitating else None,
        },
    )


@login_required_view
@require_POST
def session_teams_retry(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk, facilitate=True)
    try:
        teams_services.meeting_teams_retry(actor=request.user, meeting=meeting)
    except teams_services.TeamsRetryRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request, _("We are trying the Teams meeting again. This page shows how it went.")
        )
    return redirect(meeting.get_absolute_url())


@login_required_view
def session_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """The group's calendar series the meeting belongs to, as the user's copy: the same
    invite their emails carry (an admin, who is not invited, gets it published)."""
    meeting = get_meeting_for_user(request.user, pk)
    group = meeting.group
    window = window_for(group, request.user) or CalendarWindow(invited=False)
    ics, method = series_invite(series_of_meeting(meeting), request.user, window)
    response = HttpResponse(ics, content_type=f"text/calendar; method={method}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="group-{group.pk}-meetings.ics"'
    return response


def _not_held(request, meeting):
    if meeting.status == GroupSession.Status.CANCELLED or meeting.starts_at > timezone.now():
        messages.error(
            request, _("The register and record can be filled in once the meeting starts.")
        )
        return redirect(meeting.get_absolute_url())
    return None


@login_required_view
@require_http_methods(["GET", "POST"])
def session_register(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk, facilitate=True)
    meeting.when_text = meeting_when(meeting)
    if (response := _not_held(request, meeting)) is not None:
        return response
    marks = dict(meeting.register.values_list("user_id", "status"))
    members = list(register_people(meeting))
    form = RegisterForm(posted(request), members=members, marks=marks)
    if request.method == "POST" and form.is_valid():
        try:
            flagged = services.register_save(
                actor=request.user, meeting=meeting, marks=form.marks()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The register is saved."))
            if flagged:
                messages.warning(
                    request,
                    _(
                        "Some members have now missed several meetings in a row without "
                        "apologies. They are flagged on the group page."
                    ),
                )
            return redirect(meeting.get_absolute_url())
    return render(
        request,
        "peergroups/groups/register.html",
        {"meeting": meeting, "group": meeting.group, "form": form, "members": members},
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def session_record(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk, facilitate=True)
    meeting.when_text = meeting_when(meeting)
    if (response := _not_held(request, meeting)) is not None:
        return response
    record = group_record_for_user(request.user, meeting)
    themes = theme_choices(meeting.group.organisation_id, record)
    initial = {}
    if record is not None:
        initial = {
            "functions": record.functions,
            "themes": list(record.themes.all()),
            "notes": record.notes,
            "systemic_issues": record.systemic_issues,
        }
    form = RecordForm(posted(request), initial=initial, themes=themes)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_save(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The group record is saved."))
            return redirect(meeting.get_absolute_url())
    return render(
        request,
        "peergroups/groups/record.html",
        {"meeting": meeting, "group": meeting.group, "form": form},
    )


def _changeable(request, meeting):
    if meeting.status != GroupSession.Status.SCHEDULED or meeting.starts_at <= timezone.now():
        messages.error(request, _("Only meetings that have not started can be changed."))
        return redirect(meeting.get_absolute_url())
    return None


@login_required_view
@require_http_methods(["GET", "POST"])
def session_move(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk, facilitate=True)
    meeting.when_text = meeting_when(meeting)
    if (response := _changeable(request, meeting)) is not None:
        return response
    zone = zoneinfo.ZoneInfo(meeting.group.organisation.time_zone)
    local_start, local_end = meeting.starts_at.astimezone(zone), meeting.ends_at.astimezone(zone)
    form = MoveMeetingForm(
        posted(request),
        initial={
            "date": local_start.date(),
            "start_time": local_start.time(),
            "end_time": local_end.time(),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        starts_at = datetime.datetime.combine(data["date"], data["start_time"], tzinfo=zone)
        ends_at = datetime.datetime.combine(data["date"], data["end_time"], tzinfo=zone)
        try:
            services.meeting_move(
                actor=request.user,
                meeting=meeting,
                starts_at=starts_at.astimezone(datetime.UTC),
                ends_at=ends_at.astimezone(datetime.UTC),
                reason=data["reason"],
            )
        except (ValidationError, services.GroupRefused) as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(
                request, _("The meeting has moved. Everyone has been sent an updated invite.")
            )
            return redirect(meeting.get_absolute_url())
    return render(
        request,
        "peergroups/groups/move.html",
        {"meeting": meeting, "group": meeting.group, "form": form},
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk, facilitate=True)
    meeting.when_text = meeting_when(meeting)
    if (response := _changeable(request, meeting)) is not None:
        return response
    form = CancelMeetingForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_cancel(
                actor=request.user, meeting=meeting, reason=form.cleaned_data["reason"]
            )
        except (ValidationError, services.GroupRefused) as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("The meeting is cancelled. Everyone has been told."))
            return redirect(meeting.get_absolute_url())
    return render(
        request,
        "peergroups/groups/cancel.html",
        {"meeting": meeting, "group": meeting.group, "form": form},
    )
