"""Themes for the organisation (seed 004) and facilitators from outside it.

Facilitators draft, agree and release a meeting's themes; wellbeing leads and
programme admins read the released ones, grouped by theme and period. Every
object is fetched through peergroups.permissions: out of scope 404, in scope
but not allowed 403.
"""

import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

import disclosure
from kernel.forms import add_service_error, posted
from kernel.models import Role
from kernel.permissions import (
    admin_home_organisation,
    login_required_view,
    role_required,
    theme_choices,
)

from ..models import Attendance, GroupSession, ThemeStatement
from ..notifications_groups import meeting_when
from ..permissions import (
    external_facilitators_visible_to,
    get_external_facilitator_for_user,
    get_meeting_for_user,
    get_theme_statement_for_user,
    group_record_for_user,
    meeting_theme_statements,
    released_themes_for,
    themes_organisations_for,
)
from ..services import external as external_services
from ..services import themes as services
from ..theme_forms import ExternalFacilitatorForm, ThemePeriodForm, ThemeStatementForm
from ..theme_report import themes_by_period


def _held(meeting) -> bool:
    return meeting.status == GroupSession.Status.SCHEDULED and meeting.starts_at <= timezone.now()


def _named(meeting) -> bool:
    """Whether this meeting's released themes will name the group (disclosure rule)."""
    present = meeting.register.filter(status=Attendance.Status.PRESENT).count()
    return disclosure.group_named(present)


def _themes_url(statement) -> str:
    from django.urls import reverse

    return reverse("peergroups:meeting_themes", kwargs={"pk": statement.meeting_id})


def _theme_saved(request, form, save) -> bool:
    """On a valid post, `save(actor, theme, text)` from the form; a refusal goes on the form."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        save(
            actor=request.user,
            theme=form.cleaned_data["theme"],
            text=form.cleaned_data["statement"],
        )
    except ValidationError as error:
        add_service_error(form, error)
    except services.ThemeRefused as refused:
        form.add_error(None, str(refused))
    else:
        return True
    return False


@login_required_view
@require_http_methods(["GET", "POST"])
def meeting_themes(request: HttpRequest, pk: int) -> HttpResponse:
    """A meeting's themes for the organisation: what is drafted, released, and a new one."""
    meeting = get_meeting_for_user(request.user, pk, facilitate=True)
    meeting.when_text = meeting_when(meeting)
    if not _held(meeting):
        messages.error(request, _("Themes can be agreed once the meeting has taken place."))
        return redirect(meeting.get_absolute_url())
    form = ThemeStatementForm(posted(request), themes=theme_choices(meeting.group.organisation_id))
    if _theme_saved(request, form, functools.partial(services.theme_draft, meeting=meeting)):
        if meeting.group.facilitators.count() > 1:
            text = _("The theme is saved. Your co-facilitator has been asked to agree it.")
        else:
            text = _("The theme is saved. Release it when you are ready.")
        messages.success(request, text)
        return redirect("peergroups:meeting_themes", pk=meeting.pk)
    # Each with why this facilitator may not release it ("" when they may).
    statements = [
        (statement, services.release_refusal(user=request.user, statement=statement))
        for statement in meeting_theme_statements(request.user, meeting)
    ]
    record = group_record_for_user(request.user, meeting)
    return render(
        request,
        "peergroups/themes/meeting.html",
        {
            "meeting": meeting,
            "group": meeting.group,
            "statements": statements,
            "form": form,
            "systemic_issues": record.systemic_issues if record else "",
            "named": _named(meeting),
        },
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def theme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_theme_statement_for_user(request.user, pk)
    if statement.state != ThemeStatement.State.DRAFT:
        messages.error(request, _("Only a theme waiting to be agreed can be changed."))
        return redirect(_themes_url(statement))
    meeting = statement.meeting
    meeting.when_text = meeting_when(meeting)
    form = ThemeStatementForm(
        posted(request),
        themes=theme_choices(meeting.group.organisation_id),
        initial={"theme": statement.theme, "statement": statement.statement},
    )
    if _theme_saved(request, form, functools.partial(services.theme_change, statement=statement)):
        messages.success(request, _("The theme is changed."))
        return redirect(_themes_url(statement))
    return render(
        request,
        "peergroups/themes/edit.html",
        {"statement": statement, "meeting": meeting, "group": meeting.group, "form": form},
    )


def _confirm(request, pk: int, action, done: str, template: str, **context) -> HttpResponse:
    """A theme's confirmation page on GET; on POST, `action` (a service), then its list."""
    statement = get_theme_statement_for_user(request.user, pk)
    if request.method == "POST":
        try:
            action(actor=request.user, statement=statement)
        except services.ThemeRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, done)
        return redirect(_themes_url(statement))
    meeting = statement.meeting
    meeting.when_text = meeting_when(meeting)
    context = {name: value(statement) for name, value in context.items()}
    return render(
        request,
        template,
        {"statement": statement, "meeting": meeting, "group": meeting.group, **context},
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def theme_release(request: HttpRequest, pk: int) -> HttpResponse:
    """Shows exactly what the organisation will see; releasing is a button press."""
    return _confirm(
        request,
        pk,
        services.theme_release,
        _(
            "The theme is released. The organisation's wellbeing leads and "
            "programme admins can now read it."
        ),
        "peergroups/themes/release.html",
        refusal=lambda statement: services.release_refusal(user=request.user, statement=statement),
        named=lambda statement: _named(statement.meeting),
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def theme_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _confirm(
        request,
        pk,
        services.theme_withdraw,
        _("The theme is withdrawn."),
        "peergroups/themes/withdraw.html",
    )


@login_required_view
@require_GET
def themes_report(request: HttpRequest) -> HttpResponse:
    """Released themes of the organisation's groups, for its wellbeing leads and admins."""
    organisations = themes_organisations_for(request.user)
    if not organisations:
        raise PermissionDenied
    form = ThemePeriodForm(request.GET or None, organisations=organisations)
    organisation, period = form.chosen()
    periods = themes_by_period(
        released_themes_for(organisation), period=period, time_zone=organisation.time_zone
    )
    return render(
        request,
        "peergroups/themes/report.html",
        {
            "organisation": organisation,
            "form": form,
            "period": period,
            "periods": periods,
            "minimum": disclosure.MINIMUM_PEOPLE,
            "rounding_note": disclosure.ROUNDING_NOTE,
        },
    )


# --- Facilitators from outside the organisation -------------------------------------


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET", "POST"])
def external_facilitators(request: HttpRequest) -> HttpResponse:
    organisation = admin_home_organisation(request.user)
    form = ExternalFacilitatorForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            external = external_services.external_facilitator_invite(
                actor=request.user, organisation=organisation, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "%(name)s can now facilitate your groups, and an invitation has been "
                    "sent to %(email)s. Choose them as a facilitator on a group's page."
                )
                % {"name": external.user.get_full_name(), "email": external.user.email},
            )
            return redirect("peergroups:external_facilitators")
    return render(
        request,
        "peergroups/themes/external.html",
        {
            "organisation": organisation,
            "externals": external_facilitators_visible_to(request.user).order_by(
                "user__first_name", "user__last_name", "pk"
            ),
            "form": form,
        },
    )


@role_required(Role.PROGRAMME_ADMIN)
@require_POST
def external_facilitator_end(request: HttpRequest, pk: int) -> HttpResponse:
    external = get_external_facilitator_for_user(request.user, pk)
    try:
        external_services.external_facilitator_end(actor=request.user, external=external)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s can no longer facilitate your groups.")
            % {"name": external.user.get_full_name()},
        )
    return redirect("peergroups:external_facilitators")
