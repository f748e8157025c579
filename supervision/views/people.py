"""The people directory: programme admins add, invite, edit and deactivate staff."""

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.leavers import anonymisation_due_at
from kernel.forms import posted
from kernel.models import Role
from kernel.permissions import (
    admin_home_organisation,
    departments_listed_for,
    get_staff_for_user,
    organisations_where,
    role_grants_of,
    role_required,
    staff_page_for_user,
    staff_visible_to,
    with_directory_columns,
)

from ..forms import DeactivateForm, PeopleFilterForm, RolesForm, StaffForm
from ..presenters import people_rows
from ..services import people as people_services
from ..staff_import_forms import LineManagerSearchForm

PAGE_SIZE = 50


def _filtered_people(request: HttpRequest, form: PeopleFilterForm):
    people = with_directory_columns(staff_visible_to(request.user))
    if not form.is_valid():
        return people
    data = form.cleaned_data
    if data["q"]:
        for word in data["q"].split():
            people = people.filter(
                Q(user__first_name__icontains=word)
                | Q(user__last_name__icontains=word)
                | Q(user__email__icontains=word)
                | Q(employee_number__iexact=word)
            )
    if data["department"]:
        people = people.filter(department=data["department"])
    if data["role"]:
        people = people.filter(
            user__role_grants__role=data["role"],
            user__role_grants__organisation=F("organisation"),
        )
    status = data["status"]
    if status == "active":
        people = people.active().exclude(pk__in=people.invited().values("pk"))
    elif status == "invited":
        people = people.invited()
    elif status == "deactivated":
        people = people.deactivated()
    return people


def _with_roles(people: list) -> list:
    """Each person with `roles`: the roles they hold in their own organisation, in
    words, in role order. One query of plain values for the page: prefetching the
    grants as model instances cost a tenth of the page (bench/inprocess.py)."""
    labels = dict(Role.choices)
    held: dict[tuple[int, int], list[str]] = defaultdict(list)
    for user_id, organisation_id, role in role_grants_of(people):
        held[user_id, organisation_id].append(str(labels.get(role, role)))
    for person in people:
        person.roles = ", ".join(held.get((person.user_id, person.organisation_id), ()))
    return people


@role_required(Role.PROGRAMME_ADMIN)
def people_list(request: HttpRequest) -> HttpResponse:
    form = PeopleFilterForm(request.GET or None, departments=departments_listed_for(request.user))
    number = request.GET.get("page")
    if form.is_valid() and any(form.cleaned_data.values()):
        page = Paginator(_filtered_people(request, form), PAGE_SIZE).get_page(number)
    else:  # as it opens (or filters it cannot read: all staff, as _filtered_people)
        page = staff_page_for_user(request.user, number, per_page=PAGE_SIZE)
    page.object_list = _with_roles(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    several = len(organisations_where(request.user, Role.PROGRAMME_ADMIN)) > 1
    return render(
        request,
        "supervision/people/list.html",
        {
            "filter_form": form,
            "page": page,
            "rows": people_rows(page.object_list, several_organisations=several),
            "query": query.urlencode(),
            "several_organisations": several,
        },
    )


@role_required(Role.PROGRAMME_ADMIN)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_staff_for_user(request.user, pk)
    grants = profile.user.role_grants.select_related("organisation")
    # Attendance facts only: when, which programme, what happened. The record
    # of what was discussed is never fetched here.
    sessions = (
        profile.user.sessions_as_supervisee.filter(
            programme__organisation_id=profile.organisation_id
        )
        .select_related("programme__organisation")
        .order_by("-starts_at")[:50]
    )
    return render(
        request,
        "supervision/people/detail.html",
        {
            "person": profile,
            "grants": grants,
            "sessions": sessions,
            # Leavers only: when the nightly task will remove their private text.
            "anonymise_at": None if profile.user.is_active else anonymisation_due_at(profile.user),
        },
    )


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET", "POST"])
def person_add(request: HttpRequest) -> HttpResponse:
    organisation = admin_home_organisation(request.user)
    form = StaffForm(
        posted(request), organisation=organisation, colleagues=_staff_of(request, organisation)
    )
    if request.method == "POST" and form.is_valid():
        try:
            profile = people_services.staff_invite(
                actor=request.user, organisation=organisation, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s has been added and an invitation sent to %(email)s.")
                % {"name": profile.user.get_full_name(), "email": profile.user.email},
            )
            return redirect("supervision:person", pk=profile.pk)
    return render(
        request, "supervision/people/form.html", {"form": form, "organisation": organisation}
    )


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_staff_for_user(request.user, pk)
    form = StaffForm(
        posted(request),
        organisation=profile.organisation,
        colleagues=_staff_of(request, profile.organisation),
        instance=profile,
    )
    if request.method == "POST" and form.is_valid():
        try:
            people_services.staff_update(actor=request.user, profile=profile, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("supervision:person", pk=profile.pk)
    return render(request, "supervision/people/form.html", {"form": form, "person": profile})


LINE_MANAGER_MATCHES = 30


def _staff_of(request: HttpRequest, organisation):
    return staff_visible_to(request.user).filter(organisation=organisation)


def _line_manager_matches(request: HttpRequest, profile, query: str):
    """Active colleagues in the person's organisation matching every word of `query`
    by name, email, staff number or department (the person themselves left out)."""
    people = (
        _staff_of(request, profile.organisation)
        .active()
        .exclude(pk=profile.pk)
        .select_related("user", "department")
    )
    for word in query.split():
        people = people.filter(
            Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(user__email__icontains=word)
            | Q(employee_number__iexact=word)
            | Q(department__name__icontains=word)
        )
    return people


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET", "POST"])
def person_line_manager(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose a line manager by searching: each match shows their staff number,
    department and job title, so two people of the same name are told apart."""
    profile = get_staff_for_user(request.user, pk)
    error = ""
    if request.method == "POST":
        chosen = request.POST.get("manager", "")
        manager = None
        if chosen:
            if chosen.isdigit():
                manager = _line_manager_matches(request, profile, "").filter(pk=chosen).first()
            if manager is None:
                error = _("Select a line manager from the list")
        if not error:
            try:
                people_services.staff_update(
                    actor=request.user,
                    profile=profile,
                    first_name=profile.user.first_name,
                    last_name=profile.user.last_name,
                    line_manager=manager,
                )
            except ValidationError as refused:
                error = refused.messages[0]
            else:
                messages.success(request, _("The line manager has been changed."))
                return redirect("supervision:person", pk=profile.pk)
    form = LineManagerSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    matches = (
        list(_line_manager_matches(request, profile, query)[:LINE_MANAGER_MATCHES]) if query else []
    )
    for match in matches:
        # What a screen reader hears on the button: enough to tell namesakes apart.
        match.told_apart = ", ".join(
            part
            for part in (
                match.user.get_full_name(),
                match.employee_number and _("staff number %s") % match.employee_number,
                match.department.name if match.department else "",
            )
            if part
        )
    return render(
        request,
        "supervision/people/line_manager.html",
        {
            "person": profile,
            "form": form,
            "query": query,
            "matches": matches,
            "more": len(matches) == LINE_MANAGER_MATCHES,
            "error_items": [{"text": error, "href": "#id_q"}] if error else [],
            "error": error,
        },
    )


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET", "POST"])
def person_roles(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_staff_for_user(request.user, pk)
    current = list(
        profile.user.role_grants.filter(organisation=profile.organisation).values_list(
            "role", flat=True
        )
    )
    form = RolesForm(posted(request), initial={"roles": current})
    if request.method == "POST" and form.is_valid():
        try:
            people_services.staff_roles_set(
                actor=request.user, profile=profile, roles=form.cleaned_data["roles"]
            )
        except ValidationError as error:
            form.add_error("roles", error)
        else:
            messages.success(request, _("Roles updated."))
            return redirect("supervision:person", pk=profile.pk)
    return render(request, "supervision/people/roles.html", {"form": form, "person": profile})


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET", "POST"])
def person_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_staff_for_user(request.user, pk)
    form = DeactivateForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            people_services.staff_deactivate(
                actor=request.user, profile=profile, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s can no longer sign in. Their history is kept.")
                % {"name": profile.user.get_full_name()},
            )
            return redirect("supervision:person", pk=profile.pk)
    return render(request, "supervision/people/deactivate.html", {"form": form, "person": profile})


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["POST"])
def person_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_staff_for_user(request.user, pk)
    try:
        people_services.staff_reactivate(actor=request.user, profile=profile)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request, _("%(name)s can sign in again.") % {"name": profile.user.get_full_name()}
        )
    return redirect("supervision:person", pk=profile.pk)


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["POST"])
def person_invite(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_staff_for_user(request.user, pk)
    if not profile.user.is_active or profile.has_accepted_invitation:
        messages.error(
            request, _("Only people who have not yet set a password can be sent an invitation.")
        )
    else:
        people_services.staff_invitation_resend(actor=request.user, profile=profile)
        messages.success(
            request,
            _("A new invitation has been sent to %(email)s.") % {"email": profile.user.email},
        )
    return redirect("supervision:person", pk=profile.pk)
