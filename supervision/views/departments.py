from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kernel.forms import posted
from kernel.models import Role
from kernel.permissions import (
    admin_home_organisation,
    departments_visible_to,
    get_department_for_user,
    role_required,
)

from ..forms import DepartmentForm
from ..services import organisations as organisation_services


@role_required(Role.PROGRAMME_ADMIN)
def department_list(request: HttpRequest) -> HttpResponse:
    departments = (
        departments_visible_to(request.user)
        .select_related("organisation")
        .annotate(staff_count=Count("staff"))
        .order_by("organisation__name", "name")
    )
    return render(request, "supervision/departments/list.html", {"departments": departments})


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET", "POST"])
def department_add(request: HttpRequest) -> HttpResponse:
    organisation = admin_home_organisation(request.user)
    form = DepartmentForm(posted(request), organisation=organisation)
    if request.method == "POST" and form.is_valid():
        department = organisation_services.department_create(
            actor=request.user, organisation=organisation, **form.cleaned_data
        )
        messages.success(request, _("%(name)s has been added.") % {"name": department.name})
        return redirect("supervision:departments")
    return render(request, "supervision/departments/form.html", {"form": form})


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET", "POST"])
def department_edit(request: HttpRequest, pk: int) -> HttpResponse:
    department = get_department_for_user(request.user, pk)
    form = DepartmentForm(
        posted(request), organisation=department.organisation, instance=department
    )
    if request.method == "POST" and form.is_valid():
        organisation_services.department_update(
            actor=request.user, department=department, **form.cleaned_data
        )
        messages.success(request, _("The changes have been saved."))
        return redirect("supervision:departments")
    return render(
        request, "supervision/departments/form.html", {"form": form, "department": department}
    )
