"""The engagement report, its CSV files, per-person compliance and coverage targets."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from audit.services import audit_log
from kernel.csv_export import csv_response
from kernel.models import Role
from kernel.permissions import get_own_profile
from peergroups import reporting as group_reporting
from supervision import reporting as supervision_reporting

from . import caption
from .forms import ComplianceFilterForm, ReportFilterForm, TargetsForm
from .headline import period_words
from .permissions import (
    REPORT_ROLES,
    report_choices,
    report_organisations,
    reports_required,
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

PAGE_SIZE = 50


def _filters(request: HttpRequest, form_class=ReportFilterForm, roles=REPORT_ROLES):
    organisations = report_organisations(request.user, roles)
    profile = get_own_profile(request.user)
    data = request.GET.copy()
    own = profile.organisation_id if profile is not None else None
    if "organisation" not in data and any(org.pk == own for org in organisations):
        data["organisation"] = str(own)
    return form_class(data, **report_choices(organisations))


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _describe(scope) -> dict:
    """What every page of a report says about what produced it."""
    return {
        "caption": caption.caption(scope),
        "generated": caption.generated(scope),
        "incomplete": bool(incomplete_months(scope)),
    }


@reports_required(*REPORT_ROLES)
def engagement(request: HttpRequest) -> HttpResponse:
    form = _filters(request)
    query = _query(request)
    scope = body = None
    context = {}
    if form.is_valid():
        scope = form.scope()
        context = _describe(scope)
        body = cached_report_html(
            scope,
            lambda report: render_to_string(
                "reports/includes/report.html", {"report": report, "query": query}
            ),
            query,
            get_language(),
        )
    return render(
        request,
        "reports/engagement.html",
        {
            **context,
            "form": form,
            "scope": scope,
            "body": body,
            "query": query,
            "organisation": form.cleaned_data.get("organisation") if scope else None,
            "is_admin": bool(report_organisations(request.user, [Role.PROGRAMME_ADMIN])),
        },
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
        context = _describe(scope)
        report = cached_engagement_report(scope)
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
    found = table_for_export(scope, table)
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


def _compliance_rows(form: ComplianceFilterForm):
    """Eligible people with how many sessions and meetings they had, in two queries' worth."""
    scope = form.scope()
    programmes = [
        p for p in supervision_reporting.programmes(scope) if p.modality in ("one_to_one", "group")
    ]
    sessions, last_session = supervision_reporting.attended_per_person(scope)
    meetings, last_meeting = group_reporting.present_per_person(scope)
    people = (
        supervision_reporting.population(scope)
        .filter(supervision_reporting.eligible_for_any_q(programmes))
        .select_related("user", "department")
        .annotate(
            sessions=sessions,
            meetings=meetings,
            last_session=last_session,
            last_meeting=last_meeting,
        )
        .order_by("user__last_name", "user__first_name", "pk")
    )
    status = form.cleaned_data.get("status")
    had = Q(sessions__gt=0) | Q(meetings__gt=0)
    if status == "with":
        people = people.filter(had)
    elif status == "without":
        people = people.exclude(had)
    return scope, people


def _last(person):
    dates = [d for d in (person.last_session, person.last_meeting) if d is not None]
    return max(dates) if dates else None


@reports_required(Role.PROGRAMME_ADMIN)
def compliance(request: HttpRequest) -> HttpResponse:
    form = _filters(request, ComplianceFilterForm, [Role.PROGRAMME_ADMIN])
    page = None
    if form.is_valid():
        scope, people = _compliance_rows(form)
        page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
        for person in page.object_list:
            person.last = _last(person)
        audit_log(
            actor=request.user,
            action="report.compliance_viewed",
            target=form.cleaned_data["organisation"],
            summary=f"Viewed per-person compliance, page {page.number}",
            organisation_id=scope.organisation_id,
            details={"filters": _query(request)},
        )
    return render(
        request,
        "reports/compliance.html",
        {"form": form, "page": page, "query": _query(request)},
    )


@reports_required(Role.PROGRAMME_ADMIN)
def compliance_export(request: HttpRequest) -> HttpResponse:
    form = _filters(request, ComplianceFilterForm, [Role.PROGRAMME_ADMIN])
    if not form.is_valid():
        raise Http404
    scope, people = _compliance_rows(form)
    rows = []
    for person in people.iterator(chunk_size=2000):
        last = _last(person)
        rows.append(
            [
                person.user.get_full_name() or person.user.email,
                person.employee_number,
                person.user.email,
                person.department.name if person.department else "",
                person.get_band_display(),
                person.get_profession_display(),
                person.sessions,
                person.meetings,
                timezone.localtime(last).date().isoformat() if last else "",
                "yes" if person.sessions or person.meetings else "no",
            ]
        )
    audit_log(
        actor=request.user,
        action="report.compliance_exported",
        target=form.cleaned_data["organisation"],
        summary=f"Exported per-person compliance ({len(rows)} people)",
        organisation_id=scope.organisation_id,
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
    ]
    name = f"compliance-{scope.first_month:%Y-%m}-to-{scope.last_month:%Y-%m}.csv"
    return csv_response(name, header, rows)


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
