"""Programme admins set up programmes, grant extra sessions and keep the list of themes."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from kernel.eligibility import eligibility_words
from kernel.forms import add_service_error, posted
from kernel.models import PeriodKind, Programme, Role
from kernel.permissions import (
    admin_home_organisation,
    get_programme_for_admin,
    get_theme_for_admin,
    organisations_where,
    programmes_managed_by,
    role_required,
    staff_visible_to,
    themes_managed_by,
)

from ..allowances import Allowance, allowance
from ..manage_forms import ExtraRevokeForm, ExtraSessionForm, ProgrammeForm, ThemeForm
from ..permissions import get_extra_for_admin
from ..services import programmes as programme_services


def _day(date) -> str:
    return formats.date_format(date, "j F Y")


def allowance_rule_words(programme: Programme) -> str:
    """'2 sessions of 60 minutes until 31 March 2027', '... per rolling 12 months', 'No limit'."""
    count = programme.allowance_sessions
    if count is None:
        return _("No limit (sessions of %(minutes)s minutes)") % {
            "minutes": programme.session_minutes
        }
    values = {"count": count, "minutes": programme.session_minutes}
    if programme.period_kind == PeriodKind.ROLLING:
        return ngettext(
            "%(count)s session of %(minutes)s minutes per rolling %(months)s months",
            "%(count)s sessions of %(minutes)s minutes per rolling %(months)s months",
            count,
        ) % {**values, "months": programme.rolling_months}
    return ngettext(
        "%(count)s session of %(minutes)s minutes until %(end)s",
        "%(count)s sessions of %(minutes)s minutes until %(end)s",
        count,
    ) % {**values, "end": _day(programme.period_end)}


def _several_organisations(user) -> bool:
    return len(organisations_where(user, Role.PROGRAMME_ADMIN)) > 1


# --- Programmes ----------------------------------------------------------------


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET"])
def programme_list(request: HttpRequest) -> HttpResponse:
    programmes = (
        programmes_managed_by(request.user)
        .select_related("organisation")
        .prefetch_related("eligible_departments")
        .order_by("organisation__name", "name")
    )
    rows = [
        {
            "programme": programme,
            "eligible": eligibility_words(programme),
            "allowance": allowance_rule_words(programme),
        }
        for programme in programmes
    ]
    return render(
        request,
        "supervision/manage/programme_list.html",
        {"rows": rows, "several_organisations": _several_organisations(request.user)},
    )


def _programmes_of(request: HttpRequest, organisation):
    return programmes_managed_by(request.user).filter(organisation=organisation)


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET", "POST"])
def programme_add(request: HttpRequest) -> HttpResponse:
    organisation = admin_home_organisation(request.user)
    form = ProgrammeForm(
        posted(request), organisation=organisation, programmes=_programmes_of(request, organisation)
    )
    if request.method == "POST" and form.is_valid():
        try:
            programme = programme_services.programme_create(
                actor=request.user, organisation=organisation, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("%(name)s has been added.") % {"name": programme.name})
            return redirect("supervision:manage_programmes")
    return render(
        request,
        "supervision/manage/programme_form.html",
        {"form": form, "organisation": organisation},
    )


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET", "POST"])
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_programme_for_admin(request.user, pk)
    name = programme.name  # the heading keeps the saved name if saving fails
    form = ProgrammeForm(
        posted(request),
        organisation=programme.organisation,
        programmes=_programmes_of(request, programme.organisation),
        instance=programme,
    )
    if request.method == "POST" and form.is_valid():
        try:
            programme_services.programme_update(
                actor=request.user, programme=programme, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("supervision:manage_programmes")
    return render(
        request,
        "supervision/manage/programme_form.html",
        {"form": form, "programme": programme, "programme_name": name},
    )


# --- Extra sessions ------------------------------------------------------------


def _allowance_words(allowance_now: Allowance) -> str:
    return ngettext(
        "%(total)s session (%(left)s left)",
        "%(total)s sessions (%(left)s left)",
        allowance_now.total,
    ) % {"total": allowance_now.total, "left": allowance_now.left}


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET", "POST"])
def programme_extra_session(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_programme_for_admin(request.user, pk)
    limited = programme.allowance_sessions is not None
    people = (
        staff_visible_to(request.user)
        .filter(organisation_id=programme.organisation_id)
        .active()
        .select_related("user")
    )
    form = ExtraSessionForm(posted(request), people=people) if limited else None
    if form is not None and request.method == "POST" and form.is_valid():
        person = form.cleaned_data["person"].user
        before = allowance(programme, person)
        try:
            extra = programme_services.allowance_extra_grant(
                actor=request.user,
                programme=programme,
                user=person,
                sessions=form.cleaned_data["sessions"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            after = allowance(programme, person)
            name = person.get_full_name() or person.email
            messages.success(
                request,
                ngettext(
                    "%(name)s has %(count)s extra session until %(until)s.",
                    "%(name)s has %(count)s extra sessions until %(until)s.",
                    extra.sessions,
                )
                % {"name": name, "count": extra.sessions, "until": _day(extra.valid_until)}
                + " "
                + _("Their allowance was %(before)s and is now %(after)s.")
                % {"before": _allowance_words(before), "after": _allowance_words(after)},
            )
            return redirect("supervision:manage_programme_extra", pk=programme.pk)
    extras = programme.extras.select_related("user", "granted_by")[:20]
    return render(
        request,
        "supervision/manage/extra_session.html",
        {
            "programme": programme,
            "form": form,
            "extras": extras,
            "allowance_rule": allowance_rule_words(programme),
        },
    )


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET", "POST"])
def extra_session_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    extra = get_extra_for_admin(request.user, pk)
    programme = extra.programme
    back = redirect("supervision:manage_programme_extra", pk=programme.pk)
    if extra.is_revoked:
        messages.info(request, _("These extra sessions have already been revoked."))
        return back
    form = ExtraRevokeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            programme_services.allowance_extra_revoke(
                actor=request.user, extra=extra, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            person = extra.user
            messages.success(
                request,
                _("The extra sessions are revoked. %(name)s now has %(allowance)s.")
                % {
                    "name": person.get_full_name() or person.email,
                    "allowance": _allowance_words(allowance(programme, person)),
                },
            )
            return back
    return render(
        request,
        "supervision/manage/extra_revoke.html",
        {"programme": programme, "extra": extra, "form": form},
    )


# --- Themes --------------------------------------------------------------------


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET", "POST"])
def theme_list(request: HttpRequest) -> HttpResponse:
    organisation = admin_home_organisation(request.user)
    form = ThemeForm(organisation=organisation)
    if request.method == "POST":
        if request.POST.get("action") == "defaults":
            added = programme_services.themes_add_defaults(
                actor=request.user, organisation=organisation
            )
            messages.success(
                request,
                ngettext(
                    "%(count)s theme has been added.",
                    "%(count)s themes have been added.",
                    len(added),
                )
                % {"count": len(added)},
            )
            return redirect("supervision:manage_themes")
        form = ThemeForm(request.POST, organisation=organisation)
        if form.is_valid():
            try:
                theme = programme_services.theme_create(
                    actor=request.user, organisation=organisation, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error("name", error.messages)
            else:
                messages.success(request, _("%(name)s has been added.") % {"name": theme.name})
                return redirect("supervision:manage_themes")
    themes = list(themes_managed_by(request.user).select_related("organisation"))
    themes.sort(key=lambda theme: (theme.organisation.name, not theme.is_active, theme.name))
    return render(
        request,
        "supervision/manage/theme_list.html",
        {
            "form": form,
            "themes": themes,
            "organisation": organisation,
            "offer_defaults": not any(t.organisation_id == organisation.pk for t in themes),
            "several_organisations": _several_organisations(request.user),
        },
    )


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["POST"])
def theme_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    theme = get_theme_for_admin(request.user, pk)
    programme_services.theme_set_active(actor=request.user, theme=theme, active=not theme.is_active)
    if theme.is_active:
        messages.success(request, _("%(name)s is offered again.") % {"name": theme.name})
    else:
        messages.success(
            request,
            _("%(name)s has been retired. Sessions already tagged with it keep it.")
            % {"name": theme.name},
        )
    return redirect("supervision:manage_themes")
