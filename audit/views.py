"""Browsing the audit trail (programme admins, their organisations only)."""

import datetime

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.csv_export import csv_response
from kernel.models import Role
from kernel.permissions import organisations_where, role_required

from .forms import AuditFilterForm
from .permissions import audit_entries_visible_to, names_for, organisation_names_for
from .presenters import present, query_ids
from .services import audit_log_export

PAGE_SIZE = 50


def _local_midnight(day: datetime.date) -> datetime.datetime:
    """The start of `day` in the organisation's zone (the active one), as an aware time."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def _filtered(entries, form: AuditFilterForm):
    if not form.is_valid():
        return entries
    data = form.cleaned_data
    if data["action"]:
        entries = entries.filter(action=data["action"])
    if data["actor"].strip():
        entries = entries.filter(actor__email__icontains=data["actor"].strip())
    if data["date_from"]:
        entries = entries.filter(created_at__gte=_local_midnight(data["date_from"]))
    if data["date_to"]:
        next_day = data["date_to"] + datetime.timedelta(days=1)
        entries = entries.filter(created_at__lt=_local_midnight(next_day))
    return entries


def _log_for(request: HttpRequest):
    """The entries the admin may see, filtered as asked: (form, entries, {org id: name})."""
    visible = audit_entries_visible_to(request.user)
    actions = list(visible.order_by("action").values_list("action", flat=True).distinct())
    form = AuditFilterForm(request.GET or None, actions=actions)
    entries = _filtered(visible, form).select_related("actor").order_by("-created_at", "-id")
    organisations = {}
    if len(organisations_where(request.user, Role.PROGRAMME_ADMIN)) > 1:
        organisations = organisation_names_for(request.user)
    return form, entries, organisations


@role_required(Role.PROGRAMME_ADMIN)
def log(request: HttpRequest) -> HttpResponse:
    """Who changed what, newest first, 50 a page, in words. Times in the organisation's zone."""
    form, entries, organisations = _log_for(request)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    names = names_for(request.user, query_ids(shown))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {
            "filter_form": form,
            "page": page,
            "entries": present(shown, names=names, organisations=organisations),
            "query": query.urlencode(),
            "several_organisations": bool(organisations),
        },
    )


@role_required(Role.PROGRAMME_ADMIN)
def export(request: HttpRequest) -> HttpResponse:
    """The filtered log as a CSV file (times in the organisation's zone); audited itself."""
    form, entries, organisations = _log_for(request)
    if form.is_bound and not form.is_valid():
        # The page shows the error summary naming the field; no file of the wrong entries.
        return redirect(f"{reverse('audit:log')}?{request.GET.urlencode()}")
    with_filters = entries.filter(details__has_key="filters").values_list("details", flat=True)
    names = names_for(request.user, query_ids(_Details(d) for d in with_filters.iterator()))
    rows = [
        [
            timezone.localtime(view.when).strftime("%Y-%m-%d %H:%M:%S %Z"),
            view.who,
            view.action,
            view.summary,
            view.target,
            view.details,
            *([view.organisation] if organisations else []),
            view.ip_address,
        ]
        for view in present(
            entries.iterator(chunk_size=2000), names=names, organisations=organisations
        )
    ]
    audit_log_export(
        actor=request.user,
        organisation_ids=sorted(organisations_where(request.user, Role.PROGRAMME_ADMIN)),
        count=len(rows),
        filters=_filters_query(request),
    )
    header = [
        _("When"),
        _("Who"),
        _("Action"),
        _("Summary"),
        _("Record"),
        _("Details"),
        *([_("Organisation")] if organisations else []),
        _("IP address"),
    ]
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    return csv_response(f"audit-log-{stamp}.csv", header, rows)


class _Details:
    """Stands in for an entry when only its details were fetched (query_ids reads them)."""

    def __init__(self, details):
        self.details = details


def _filters_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
