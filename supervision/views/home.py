from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Agreement, Role, Session, StaffProfile
from ..permissions import (
    get_own_profile,
    login_required_view,
    organisations_where,
    roles_by_organisation,
    sessions_visible_to,
    user_roles,
)
from .supervisors import programme_offers


def _supervisor_context(user, now):
    mine = Session.objects.filter(supervisor=user)
    return {
        "to_log": mine.unlogged(now).count(),
        "supervising_next": mine.upcoming(now)
        .select_related("programme__organisation", "supervisee")
        .order_by("starts_at")[:5],
        "agreements_waiting": Agreement.objects.current()
        .filter(supervisor=user, supervisor_accepted_at__isnull=True)
        .select_related("supervisee", "programme"),
    }


def _wellbeing_by_department(user, now):
    """Check-ins of the last 3 months by department; `disclosure` hides rows under 5 people."""
    from feedback.aggregates_wellbeing import wellbeing_aggregate
    from feedback.models import WellbeingCheckIn

    from ..models import Department

    organisations = organisations_where(user, Role.WELLBEING_LEAD)
    rows = wellbeing_aggregate(
        WellbeingCheckIn.objects.filter(
            organisation_id__in=organisations, created_at__gte=now - timedelta(days=92)
        ),
        group_by="department_id",
    )
    names = dict(
        Department.objects.filter(pk__in=[r["group"] for r in rows if r["group"]]).values_list(
            "pk", "name"
        )
    )
    return [{**row, "name": names.get(row["group"], _("No department"))} for row in rows]


@login_required_view
def home(request: HttpRequest) -> HttpResponse:
    """One page per person that says what to do next, section by role."""
    user = request.user
    roles = user_roles(user)
    now = timezone.now()
    profile = get_own_profile(user)
    context = {
        "profile": profile,
        "roles": roles,
        "role_labels": sorted(Role(role).label for role in roles),
        "roles_elsewhere": len(roles_by_organisation(user)) > 1,
    }
    if profile is not None:
        context["upcoming"] = (
            sessions_visible_to(user)
            .filter(supervisee=user)
            .upcoming(now)
            .select_related("programme__organisation", "supervisor")
            .order_by("starts_at")[:5]
        )
        context["offers"] = programme_offers(user)
        context["to_confirm"] = Session.objects.filter(
            supervisee=user, record__isnull=False, record__supervisee_confirmed_at__isnull=True
        ).count()
        context["agreements_to_accept"] = (
            Agreement.objects.current()
            .filter(supervisee=user, supervisee_accepted_at__isnull=True)
            .select_related("supervisor")
        )
    if Role.SUPERVISOR in roles:
        context.update(_supervisor_context(user, now))
    if Role.FACILITATOR in roles:
        from peergroups.summaries import facilitator_summary

        context["facilitating"] = facilitator_summary(user)
    if Role.PEER_SUPPORTER in roles:
        from peergroups.summaries import supporter_summary

        context["supporting"] = supporter_summary(user)
    if Role.WELLBEING_LEAD in roles:
        context["wellbeing_rows"] = _wellbeing_by_department(user, now)
    if Role.PROGRAMME_ADMIN in roles:
        staff = StaffProfile.objects.in_organisations(
            organisations_where(user, Role.PROGRAMME_ADMIN)
        )
        context["staff_counts"] = {
            "active": staff.active().count(),
            "invited": staff.invited().count(),
        }
    return render(request, "supervision/home.html", context)
