"""Sessions: history, detail, calendar file, move, cancel, log and confirm."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from kernel.calendar import session_invite
from kernel.forms import posted
from kernel.models import Role
from kernel.permissions import login_required_view, role_required, theme_choices, user_roles
from kernel.prepared import PreparedPages, PreparedQuery

from ..forms import ReasonForm, SessionConfirmForm, SessionLogForm
from ..home_sections import sections_for as page_sections
from ..models import Session
from ..permissions import get_session_for_user, session_record_for_user, sessions_visible_to
from ..services import sessions as session_services
from ..services import teams as teams_services
from ..session_sections import sections_for as session_sections
from .booking import pick_slot

PAGE_SIZE = 25

# One's sessions to come: the same query on every view of the list, its SQL built
# once per process (kernel/prepared.py).
_upcoming_of = PreparedQuery(
    lambda user_id, now: sessions_visible_to(user_id).upcoming(now).tabled().order_by("starts_at"),
    types=(int, datetime.datetime),
)


def _past(user_id, now):
    mine = sessions_visible_to(user_id)
    return mine.exclude(pk__in=mine.upcoming(now).values("pk")).tabled().order_by("-starts_at")


# The rest, latest first, a page at a time (count and page each built once).
_past_of = PreparedPages(_past, per_page=PAGE_SIZE, types=(int, datetime.datetime))


@login_required_view
def session_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    return render(
        request,
        "supervision/sessions/list.html",
        {
            "upcoming": _upcoming_of(request.user.pk, now),
            "page": _past_of.get_page(request.GET.get("page"), request.user.pk, now),
            "query": "",
            # What other apps add to the list (group meetings): supervision.home_sections.
            **page_sections(request.user, user_roles(request.user), now, page="sessions"),
        },
    )


# A supervisor's sessions that have ended without being logged, oldest first.
_unlogged_of = PreparedQuery(
    lambda user_id, now: (
        sessions_visible_to(user_id)
        .filter(supervisor=user_id)
        .unlogged(now)
        .tabled()
        .order_by("starts_at")
    ),
    types=(int, datetime.datetime),
)


@role_required(Role.SUPERVISOR)
def session_unlogged(request: AuthenticatedHttpRequest) -> HttpResponse:
    sessions = _unlogged_of(request.user.pk, timezone.now())
    return render(request, "supervision/sessions/unlogged.html", {"sessions": sessions})


@login_required_view
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_session_for_user(request.user, pk)
    record = session_record_for_user(request.user, session)
    role = session.role_of(request.user)
    now = timezone.now()
    return render(
        request,
        "supervision/sessions/detail.html",
        {
            "session": session,
            "record": record,
            "role": role,
            "other": session.other_person(request.user),
            "can_change": session.status == Session.Status.BOOKED and session.starts_at > now,
            "can_log": role == "supervisor"
            and session.status != Session.Status.CANCELLED
            and session.starts_at <= now,
            "can_confirm": role == "supervisee"
            and record is not None
            and record.supervisee_confirmed_at is None,
            # What other apps add (the supervisee's feedback), each deciding who sees it
            "sections": session_sections(request.user, session, now),
            # Where its Teams meeting stands: the supervisor's to see and retry.
            "teams": teams_services.teams_status(session) if role == "supervisor" else None,
        },
    )


@login_required_view
@require_POST
def session_teams_retry(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_session_for_user(request.user, pk, as_role="supervisor")
    try:
        teams_services.session_teams_retry(actor=request.user, session=session)
    except teams_services.TeamsRetryRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("We are trying the Teams meeting again. This page shows how it went."),
        )
    return redirect("supervision:session", pk=session.pk)


@login_required_view
def session_ics(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_session_for_user(request.user, pk)
    cancelled = session.status == Session.Status.CANCELLED
    response = HttpResponse(
        session_invite(session, cancel=cancelled),
        content_type=f"text/calendar; method={'CANCEL' if cancelled else 'REQUEST'}; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="supervision-{session.pk}.ics"'
    return response


@login_required_view
@require_http_methods(["GET", "POST"])
def session_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_session_for_user(request.user, pk)
    if session.status != Session.Status.BOOKED or session.starts_at <= timezone.now():
        messages.error(request, _("Only sessions that have not started can be moved."))
        return redirect("supervision:session", pk=session.pk)
    warning = ""
    if session_services.is_late_move(session, request.user, timezone.now()):
        if session.programme.late_moves_refused:
            messages.error(request, session_services.late_move_refusal(session))
            return redirect("supervision:session", pk=session.pk)
        warning = _(
            "This session starts within %(hours)s hours, inside the programme's notice "
            "period. You can move it, but it stays late: if you cancel the moved session, "
            "that counts as a late cancellation."
        ) % {"hours": session.programme.late_cancellation_hours}
    return pick_slot(
        request,
        programme=session.programme,
        supervisor=session.supervisor,
        supervisee=session.supervisee,
        ignore_session=session,
        context={
            "title": _("Move this session"),
            "back_url": session.get_absolute_url(),
            "success_message": _(
                "The session has moved. An updated calendar invite is on its way."
            ),
            "button": _("Move to this time"),
            "current": session,
            "warning": warning,
        },
        book=lambda starts_at, reason: session_services.session_reschedule(
            actor=request.user, session=session, starts_at=starts_at, reason=reason
        ),
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_session_for_user(request.user, pk)
    if session.status != Session.Status.BOOKED:
        messages.error(request, _("This session is not booked, so it cannot be cancelled."))
        return redirect("supervision:session", pk=session.pk)
    form = ReasonForm(posted(request), doing=_("cancelling the session"))
    if request.method == "POST" and form.is_valid():
        try:
            session_services.session_cancel(
                actor=request.user, session=session, reason=form.cleaned_data["reason"]
            )
        except session_services.BookingRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The session is cancelled. You have both been told."))
            return redirect("supervision:session", pk=session.pk)
    late = session.role_of(request.user) == "supervisee" and session_services.is_late_cancellation(
        session, timezone.now()
    )
    return render(
        request,
        "supervision/sessions/cancel.html",
        {"session": session, "form": form, "late": late},
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def session_log(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_session_for_user(request.user, pk, as_role="supervisor")
    if session.status == Session.Status.CANCELLED or session.starts_at > timezone.now():
        messages.error(request, _("A session can be logged once it has taken place."))
        return redirect("supervision:session", pk=session.pk)
    record = session_record_for_user(request.user, session)
    themes = theme_choices(session.programme.organisation_id, record)
    initial = {"attendance": "attended", "actual_minutes": session.minutes}
    if record is not None:
        initial = {
            "attendance": session.status,
            "actual_minutes": record.actual_minutes,
            "functions": record.functions,
            "themes": list(record.themes.all()),
            "agreed_actions": record.agreed_actions,
            "escalated": record.escalated,
            "escalated_on": record.escalated_on,
            "escalated_to": record.escalated_to,
        }
    form = SessionLogForm(posted(request), initial=initial, themes=themes)
    if request.method == "POST" and form.is_valid():
        try:
            session_services.session_log(actor=request.user, session=session, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The session is logged. Your supervisee has been asked to confirm it.")
            )
            return redirect("supervision:session", pk=session.pk)
    return render(request, "supervision/sessions/log.html", {"session": session, "form": form})


@login_required_view
@require_http_methods(["GET", "POST"])
def session_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_session_for_user(request.user, pk, as_role="supervisee")
    record = session_record_for_user(request.user, session)
    if record is None:
        messages.error(request, _("Your supervisor has not logged this session yet."))
        return redirect("supervision:session", pk=session.pk)
    form = SessionConfirmForm(posted(request), initial={"comment": record.supervisee_comment})
    if request.method == "POST" and form.is_valid():
        session_services.session_confirm(
            actor=request.user, session=session, comment=form.cleaned_data["comment"]
        )
        messages.success(request, _("Thank you. The session record is confirmed."))
        return redirect("supervision:session", pk=session.pk)
    return render(
        request,
        "supervision/sessions/confirm.html",
        {"session": session, "record": record, "form": form},
    )
