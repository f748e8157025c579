"""The supporters' learning library (seed 001): programme admins curate, staff browse.

Files are never served from MEDIA_URL: they download through `resource_file`,
which checks that the person may see the resource.
"""

import mimetypes
from pathlib import PurePath

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from kernel.forms import add_service_error, posted
from kernel.models import Role
from kernel.permissions import (
    admin_home_organisation,
    get_own_profile,
    login_required_view,
    organisations_where,
    role_required,
)

from ..peer_forms import ResourceForm
from ..permissions.community import communities_for_sharing, communities_listed_for
from ..permissions.peer_support import get_resource_for_user, resources_visible_to
from ..services import resources as services


def _files(request):
    return request.FILES if request.method == "POST" else None


def _fields(data: dict) -> dict:
    fields = {name: data[name] for name in ("title", "description", "link", "audience", "category")}
    # Only when the form offered communities to share with: otherwise leave them be.
    fields["communities"] = data.get("communities")
    return fields


@login_required_view
@require_safe
def resource_list(request: HttpRequest) -> HttpResponse:
    resources = list(
        resources_visible_to(request.user)
        .select_related("organisation")
        .order_by("category", "title", "pk")
    )
    curated = set(organisations_where(request.user, Role.PROGRAMME_ADMIN))
    profile = get_own_profile(request.user)
    return render(
        request,
        "peergroups/resources/list.html",
        {
            "resources": resources,
            "curated": curated,
            "can_add": bool(curated),
            "own_organisation_id": profile.organisation_id if profile else None,
            "communities": communities_listed_for(request.user),
        },
    )


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET", "POST"])
def resource_add(request: HttpRequest) -> HttpResponse:
    organisation = admin_home_organisation(request.user)
    form = ResourceForm(
        posted(request), _files(request), communities=communities_for_sharing(organisation.pk)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.resource_create(
                actor=request.user,
                organisation=organisation,
                file=form.cleaned_data["file"],
                **_fields(form.cleaned_data),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The resource has been added."))
            return redirect("peergroups:resources")
    return render(
        request,
        "peergroups/resources/form.html",
        {"form": form, "title": _("Add a resource"), "button": _("Add resource")},
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def resource_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resource = get_resource_for_user(request.user, pk, write=True)
    initial = {name: getattr(resource, name) for name in services.FIELDS}
    initial["communities"] = list(resource.communities.all())
    form = ResourceForm(
        posted(request),
        _files(request),
        initial=initial,
        current_file=resource.file.name,
        communities=communities_for_sharing(resource.organisation_id),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.resource_update(
                actor=request.user,
                resource=resource,
                file=form.cleaned_data["file"],
                remove_file=form.cleaned_data.get("remove_file", False),
                **_fields(form.cleaned_data),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The resource has been saved."))
            return redirect("peergroups:resources")
    return render(
        request,
        "peergroups/resources/form.html",
        {
            "form": form,
            "resource": resource,
            "title": _("Change a resource"),
            "button": _("Save resource"),
        },
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def resource_delete(request: HttpRequest, pk: int) -> HttpResponse:
    resource = get_resource_for_user(request.user, pk, write=True)
    if request.method == "POST":
        services.resource_delete(actor=request.user, resource=resource)
        messages.success(request, _("The resource has been deleted."))
        return redirect("peergroups:resources")
    return render(request, "peergroups/resources/delete.html", {"resource": resource})


@login_required_view
@require_safe
def resource_file(request: HttpRequest, pk: int) -> FileResponse:
    resource = get_resource_for_user(request.user, pk)
    if not resource.file:
        raise Http404
    try:
        handle = resource.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    name = PurePath(resource.file.name).name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    # Always a download: an uploaded file is never rendered as a page of this site.
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
