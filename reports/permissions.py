"""Who may see which reports. Views fetch through here.

Wellbeing leads and programme admins see the engagement report of their
organisations (aggregates only, small numbers suppressed). Only programme
admins see per-person compliance: who has and hasn't had supervision, never
what was said.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404

from kernel.models import Department, Organisation, Programme, Role
from kernel.permissions import organisations_where, redirect_to_login, staff_visible_to
from kernel.prepared import PreparedForIds, as_read

REPORT_ROLES = (Role.WELLBEING_LEAD, Role.PROGRAMME_ADMIN)


def report_organisation_ids(user, roles=REPORT_ROLES) -> set[int]:
    """The ids of the organisations whose reports the user may see, for the roles
    given (from the roles read once a request: no query)."""
    return {org for role in roles for org in organisations_where(user, role)}


def report_organisations(user, roles=REPORT_ROLES):
    """Organisations whose reports the user may see, for the roles given."""
    return Organisation.objects.filter(pk__in=report_organisation_ids(user, roles)).order_by("name")


def report_choices(organisations) -> dict:
    """What a report's filters offer: `organisations` (from report_organisations) and
    their departments and programmes; keyword arguments for ReportFilterForm."""
    return {
        "organisations": organisations,
        "departments": Department.objects.filter(organisation__in=organisations).order_by("name"),
        "programmes": Programme.objects.filter(organisation__in=organisations).order_by("name"),
    }


def _organisations_by_id(ids):
    return Organisation.objects.filter(pk__in=ids).order_by("name")


# report_choices' three lists for the organisations of these ids, each read through a
# query built once for each number of organisations (kernel.prepared).
_choices_of = {
    "organisations": PreparedForIds(_organisations_by_id),
    **{
        name: PreparedForIds(lambda ids, name=name: report_choices(_organisations_by_id(ids))[name])
        for name in ("departments", "programmes")
    },
}


def report_choices_of(user, roles=REPORT_ROLES) -> dict:
    """report_choices(report_organisations(user, roles)), each list read already through
    a query built once (the filter form then asks for nothing)."""
    ids = report_organisation_ids(user, roles)
    choices = report_choices(_organisations_by_id(ids))
    return {name: as_read(queryset, _choices_of[name](ids)) for name, queryset in choices.items()}


def target_programmes_for(user):
    """Programmes whose coverage targets the user may set: those of the organisations
    whose reports they see, peer support apart (it has no coverage to measure)."""
    return Programme.objects.filter(organisation__in=report_organisations(user)).exclude(
        modality="peer_support"
    )


def reports_required(*roles):
    """View decorator: sign-in required, then 403 unless the user holds one of `roles`."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request)
            if not any(organisations_where(request.user, role) for role in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def staff_for_admin(user, organisation, ids: list[int]):
    """The staff of `organisation` with these ids, for a programme admin of it; 404 if
    any of them is not (another organisation's person, or nobody)."""
    people = staff_visible_to(user).filter(organisation=organisation, pk__in=ids)
    if people.count() != len(ids):
        raise Http404
    return people
