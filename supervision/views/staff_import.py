"""Importing staff from ESR: upload a file, read the dry run, apply it, watch it run."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kernel.csv_export import csv_response
from kernel.forms import posted
from kernel.models import Role
from kernel.permissions import admin_home_organisation, role_required

from ..models import StaffImport
from ..permissions import get_staff_import_for_admin, staff_imports_visible_to
from ..services import staff_import as services
from ..staff_import.columns import COLUMNS
from ..staff_import_forms import (
    StaffImportApplyForm,
    StaffImportColumnsForm,
    StaffImportUploadForm,
)

# The dry run's lists, one at a time, a page of each.
SECTIONS = {
    "problems": gettext_lazy("Rows with errors"),
    "new": gettext_lazy("New people"),
    "changed": gettext_lazy("Changes"),
    "leavers": gettext_lazy("Leavers"),
    "returning": gettext_lazy("Returning"),
}
SECTION_PAGE = 100
HISTORY = 12


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET", "POST"])
def staff_import(request: HttpRequest) -> HttpResponse:
    organisation = admin_home_organisation(request.user)
    form = StaffImportUploadForm(
        posted(request), request.FILES if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        checked = services.staff_import_check(
            actor=request.user,
            organisation=organisation,
            file_name=upload.name,
            raw=upload.read(),
            whole_organisation=form.cleaned_data["whole_organisation"],
        )
        return redirect("supervision:staff_import_detail", pk=checked.pk)
    imports = staff_imports_visible_to(request.user).filter(organisation=organisation)[:HISTORY]
    return render(
        request,
        "supervision/people/import.html",
        {"form": form, "organisation": organisation, "imports": imports},
    )


def _section(request: HttpRequest, plan: dict) -> tuple[str, object]:
    """The list the page shows: the one asked for, else the first with anything in it."""
    asked = request.GET.get("show", "")
    if asked not in SECTIONS:
        asked = next((name for name in SECTIONS if plan.get(name)), "new")
    page = Paginator(plan.get(asked, []), SECTION_PAGE).get_page(request.GET.get("page"))
    return asked, page


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET"])
def staff_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    checked = get_staff_import_for_admin(request.user, pk)
    plan = checked.plan
    shown, page = _section(request, plan)
    counts = plan.get("counts", {})
    tabs = [
        {"key": key, "label": label, "count": counts.get(key, 0), "current": key == shown}
        for key, label in SECTIONS.items()
    ]
    return render(
        request,
        "supervision/people/import_detail.html",
        {
            "staff_import": checked,
            "plan": plan,
            "counts": counts,
            "tabs": tabs,
            "shown": shown,
            "shown_label": SECTIONS[shown],
            "page": page,
            "query": f"show={shown}",
            "file_problem_items": [{"text": plan["file_problem"]}]
            if plan.get("file_problem")
            else [],
            "apply_form": StaffImportApplyForm(),
            "can_apply": checked.status in (StaffImport.Status.CHECKED, StaffImport.Status.FAILED)
            and bool(checked.content),
        },
    )


@role_required(Role.PROGRAMME_ADMIN)
@require_POST
def staff_import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    checked = get_staff_import_for_admin(request.user, pk)
    form = StaffImportApplyForm(request.POST)
    invite_new = form.is_valid() and form.cleaned_data["invite_new"]
    try:
        services.staff_import_apply(actor=request.user, staff_import=checked, invite_new=invite_new)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("The changes are being applied. This page shows how far it has got."),
        )
    return redirect("supervision:staff_import_detail", pk=checked.pk)


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET", "POST"])
def staff_import_columns(request: HttpRequest) -> HttpResponse:
    organisation = admin_home_organisation(request.user)
    form = StaffImportColumnsForm(
        posted(request), initial=services.staff_import_columns(organisation)
    )
    if request.method == "POST" and form.is_valid():
        services.staff_import_columns_save(
            actor=request.user, organisation=organisation, columns=form.cleaned_data
        )
        messages.success(request, _("The column names have been saved."))
        return redirect("supervision:staff_import")
    return render(
        request,
        "supervision/people/import_columns.html",
        {"form": form, "organisation": organisation, "columns": COLUMNS},
    )


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET"])
def staff_import_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The dry run's errors and changes as CSV, one line per error or change (each
    cell made safe for a spreadsheet by kernel.csv_export)."""
    checked = get_staff_import_for_admin(request.user, pk)
    plan = checked.plan
    lines: list[list] = []
    if plan.get("file_problem"):
        lines.append([_("File"), "", "", "", "", plan["file_problem"]])
    for item in plan.get("problems", []):
        lines.append([SECTIONS["problems"], item["row"], "", "", item["column"], item["message"]])
    for item in plan.get("new", []):
        details = ", ".join(
            value
            for value in (item["email"], item["job_title"], item["department"], item["band"])
            if value
        )
        lines.append([SECTIONS["new"], item["row"], item["number"], item["name"], "", details])
    for item in plan.get("changed", []):
        for detail, old, new in item["changes"]:
            lines.append(
                [
                    SECTIONS["changed"],
                    item["row"],
                    item["number"],
                    item["name"],
                    detail,
                    f"{old} \u2192 {new}",
                ]
            )
    for key in ("leavers", "returning"):
        for item in plan.get(key, []):
            lines.append(
                [SECTIONS[key], item["row"] or "", item["number"], item["name"], "", item["reason"]]
            )
    header = [
        _("List"),
        _("Row"),
        _("Staff number"),
        _("Name"),
        _("Column or detail"),
        _("Details"),
    ]
    preamble = [
        [_("ESR import dry run"), checked.file_name],
        [_("Checked"), checked.uploaded_at.isoformat()],
    ]
    return csv_response(f"esr-import-{checked.pk}.csv", header, lines, preamble)
