"""The engagement report, its CSV files, per-person compliance and coverage targets."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audit.services import audit_log
from kernel.csv_export import csv_response
from kernel.models import Role
from kernel.permissions import get_own_profile
from kernel.responses import render_with_piece
from supervision.services.standards import standard_nudge

from . import caption
from .compliance import compliance_all, compliance_page, nudge_words
from .forms import ComplianceFilterForm, ReportFilterForm, TargetsForm
from .headline import period_words
from .permissions import (
    REPORT_ROLES,
    report_choices_of,
    report_organisation_ids,
    reports_required,
    staff_for_admin,
    target_programmes_for,
)
from .report import (
    cached_engagement_report,
    cached_report_html,
    incomplete_months,
    table_for_export,
)
from .reporting import coverage_targets
from .services import coverage_target_set


def _filters(request: HttpRequest, form_class=ReportFilterForm, roles=REPORT_ROLES):
    profile = get_own_profile(request.user)
    data = request.GET.copy()
    own = profile.organisation_id if profile is not None else None
    if "organisation" not in data and own in report_organisation_ids(request.user, roles):
        data["organisation"] = str(own)
    return form_class(data, **report_choices_of(request.user, roles))


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _describe(scope, backlog=None) -> dict:
    """What every page of a report says about what produced it, and what its figures do
    not include yet (reports.report.caught_up)."""
    return {
        "caption": caption.caption(scope),
        "generated": caption.generated(scope),
        "incomplete": bool(incomplete_months(scope)),
        "backlog": caption.backlog_words(scope, backlog),
    }


@reports_required(*REPORT_ROLES)
def engagement(request: HttpRequest) -> HttpResponse:
    form = _filters(request)
    query = _query(request)
    scope = body = None
    context = {}
    if form.is_valid():
        scope = form.scope()
        body, backlog = cached_report_html(
            scope,
            lambda report: render_to_string(
                "reports/includes/report.html", {"report": report, "query": query}
            ),
            query,
            get_language(),
        )
        context = _describe(scope, backlog)
    return render_with_piece(
        request,
        "reports/engagement.html",
        {
            **context,
            "form": form,
            "scope": scope,
            "body": body,
            "query": query,
            "organisation": form.cleaned_data.get("organisation") if scope else None,
            "is_admin": bool(report_organisation_ids(request.user, [Role.PROGRAMME_ADMIN])),
        },
        "body",
    )


@reports_required(*REPORT_ROLES)
def summary(request: HttpRequest) -> HttpResponse:
    """One page for a board: headline figures, their SPC icons, departments."""
    form = _filters(request)
    query = _query(request)
    report = None
    context = {}
    if form.is_valid():
        scope = form.scope()
        report, backlog = cached_engagement_report(scope)
        context = _describe(scope, backlog)
    return render(
        request,
        "reports/summary.html",
        {
            **context,
            "form": form,
            "report": report,
            "departments": report.tables.get("coverage-departments") if report else None,
            "query": query,
        },
    )


@reports_required(*REPORT_ROLES)
def export(request: HttpRequest, table: str) -> HttpResponse:
    form = _filters(request)
    if not form.is_valid():
        raise Http404
    scope = form.scope()
    found, backlog = table_for_export(scope, table)
    if found is None:
        raise Http404
    items = caption.filter_items(scope)
    period = period_words(scope.first_month, scope.last_month)
    if incomplete_months(scope):
        period = _("%(period)s (the last month is not over yet)") % {"period": period}
    preamble = [
        [_("Engagement report"), found.title],
        [_("Organisation"), caption.organisation_name(scope)],
        [_("Period"), period],
        [_("Filters"), caption.filters_words(items)],
        [_("Generated"), caption.generated(scope)],
        *[[_("Note"), note] for note in found.footnotes],
        *([[_("Note"), caption.backlog_words(scope, backlog)]] if backlog else []),
    ]
    header = [found.row_header, *[label for _, label in found.columns]]
    has_totals = any(row.total is not None for row in found.rows)
    if has_totals:
        header.append(found.total_label)
    rows = []
    for row in [*found.rows, *([found.totals] if found.totals else [])]:
        values = [row.label, *[str(c.shown) if c.hidden else c.value for c in row.cells]]
        if has_totals:
            total = row.total
            values.append(
                "" if total is None else (str(total.shown) if total.hidden else total.value)
            )
        rows.append(values)
    return csv_response(caption.file_name(scope, table, items), header, rows, preamble)


def _compliance_form(request: HttpRequest) -> ComplianceFilterForm:
    return _filters(request, ComplianceFilterForm, [Role.PROGRAMME_ADMIN])


@reports_required(Role.PROGRAMME_ADMIN)
def compliance(request: HttpRequest) -> HttpResponse:
    form = _compliance_form(request)
    page = found = None
    if form.is_valid():
        found, page = compliance_page(form, request.GET.get("page"))
        audit_log(
            actor=request.user,
            action="report.compliance_viewed",
            target=form.cleaned_data["organisation"],
            summary=f"Viewed per-person compliance, page {page.number}",
            organisation_id=found.scope.organisation_id,
            details={"filters": _query(request)},
        )
    return render(
        request,
        "reports/compliance.html",
        {
            "form": form,
            "page": page,
            "compliance": found,
            "period": period_words(found.scope.first_month, found.scope.last_month)
            if found
            else "",
            "query": _query(request),
        },
    )


def _day(moment) -> str:
    return timezone.localtime(moment).date().isoformat() if moment else ""


@reports_required(Role.PROGRAMME_ADMIN)
def compliance_export(request: HttpRequest) -> HttpResponse:
    form = _compliance_form(request)
    if not form.is_valid():
        raise Http404
    found, people = compliance_all(form)
    rows = [
        [
            person.user.get_full_name() or person.user.email,
            person.employee_number,
            person.user.email,
            person.department.name if person.department else "",
            person.get_band_display(),
            person.get_profession_display(),
            person.sessions,
            person.meetings,
            _day(person.last),
            "yes" if person.sessions or person.meetings else "no",
            person.standing.label,
            person.standing.due_on.isoformat() if person.standing.due_on else "",
            person.booked,
            person.allowance_left if found.shows_allowance else "",
        ]
        for person in people
    ]
    audit_log(
        actor=request.user,
        action="report.compliance_exported",
        target=form.cleaned_data["organisation"],
        summary=f"Exported per-person compliance ({len(rows)} people)",
        organisation_id=found.scope.organisation_id,
        details={"filters": _query(request)},
    )
    header = [
        _("Name"),
        _("Staff number"),
        _("Email"),
        _("Department"),
        _("Band"),
        _("Profession"),
        _("One-to-one sessions attended"),
        _("Group meetings attended"),
        _("Last session"),
        _("Had supervision"),
        _("Status"),
        _("Next supervision due by"),
        _("Booked, not yet held"),
        _("Allowance left"),
    ]
    scope = found.scope
    name = f"compliance-{scope.first_month:%Y-%m}-to-{scope.last_month:%Y-%m}.csv"
    return csv_response(name, header, rows)


@reports_required(Role.PROGRAMME_ADMIN)
@require_POST
def compliance_nudge(request: HttpRequest) -> HttpResponse:
    """Send a reminder to the people ticked: each due soon or overdue person once per
    reason per due date, through the outbox; the rest are counted and said."""
    form = _compliance_form(request)
    back = reverse("reports:compliance") + (f"?{_query(request)}" if request.GET else "")
    if not form.is_valid():
        raise Http404
    organisation = form.cleaned_data["organisation"]
    ids = _ids(request.POST.getlist("people"))
    if not ids:
        messages.error(request, _("Select at least one person to send a reminder to."))
        return redirect(back)
    people = staff_for_admin(request.user, organisation, ids)
    result = standard_nudge(
        actor=request.user,
        organisation=organisation,
        people=people,
        programme=form.cleaned_data.get("programme"),
    )
    messages.success(request, nudge_words(result))
    return redirect(back)


def _ids(values) -> list[int]:
    """Ticked ids; anything that is not a number is a bad request's, and a 404."""
    try:
        return sorted({int(value) for value in values})
    except ValueError:
        raise Http404 from None


@reports_required(*REPORT_ROLES)
@require_http_methods(["GET", "POST"])
def targets(request: HttpRequest) -> HttpResponse:
    programmes = list(
        target_programmes_for(request.user)
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )
    form = TargetsForm(
        request.POST if request.method == "POST" else None,
        programmes=programmes,
        current=coverage_targets(programmes),
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            for programme, percent in form.targets():
                coverage_target_set(actor=request.user, programme=programme, percent=percent)
        messages.success(request, _("Coverage targets saved."))
        return redirect("reports:engagement")
    return render(request, "reports/targets.html", {"form": form})
