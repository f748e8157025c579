"""Browsing the audit trail (programme admins, their organisations only)."""

import datetime

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kernel.models import Role
from kernel.permissions import organisations_where, role_required

from .forms import AuditFilterForm
from .permissions import audit_entries_visible_to, organisation_names_for

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


@role_required(Role.PROGRAMME_ADMIN)
def log(request: HttpRequest) -> HttpResponse:
    """Who changed what, newest first, 50 a page. Times in the organisation's zone."""
    visible = audit_entries_visible_to(request.user)
    actions = list(visible.order_by("action").values_list("action", flat=True).distinct())
    form = AuditFilterForm(request.GET or None, actions=actions)
    entries = _filtered(visible, form).select_related("actor").order_by("-created_at", "-id")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    organisations = {}
    if len(organisations_where(request.user, Role.PROGRAMME_ADMIN)) > 1:
        organisations = organisation_names_for(request.user)
    for entry in page.object_list:
        entry.organisation_name = organisations.get(entry.organisation_id, "")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {
            "filter_form": form,
            "page": page,
            "query": query.urlencode(),
            "several_organisations": bool(organisations),
        },
    )
