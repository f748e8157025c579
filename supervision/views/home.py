import datetime
from typing import Any

from django.db.models import Count, Window
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.http import AuthenticatedHttpRequest
from kernel.models import Role
from kernel.permissions import (
    get_own_profile,
    login_required_view,
    roles_by_organisation,
    staff_visible_to,
    user_roles,
)
from kernel.prepared import PreparedQuery

from ..home_sections import SUPERVISEE, sections_for
from ..permissions import agreements_visible_to, sessions_visible_to, supervisees_of
from ..standards import standing_of, standings
from .supervisors import programme_offers

# Records to confirm listed one by one on the home page; the rest are on the sessions page.
LISTED = 5
# What the next session says of how to join it (supervision/home/next_sessions.html).
_HOW_TO_JOIN = ("mode", "meeting_link", "location")

# A member of staff's next sessions: the same query on every view of their home page,
# its SQL built once per process (kernel/prepared.py).
_next_sessions_of = PreparedQuery(
    lambda user_id, now: (
        sessions_visible_to(user_id)
        .filter(supervisee=user_id)
        .upcoming(now)
        .listed(*_HOW_TO_JOIN)
        .order_by("starts_at")[:5]
    ),
    types=(int, datetime.datetime),
)


# One query for both lists of agreements: a person has few that have not ended.
_agreements_of = PreparedQuery(
    lambda user_id: (
        agreements_visible_to(user_id)
        .filter(supervisee=user_id)
        .current()
        .with_first_session()
        .select_related("supervisor")
    )
)
# The first few records to confirm, each with how many there are in all (a window
# count over every row, taken before the limit): one query, not a count and a list.
_records_to_confirm_of = PreparedQuery(
    lambda user_id: (
        sessions_visible_to(user_id)
        .filter(
            supervisee=user_id, record__isnull=False, record__supervisee_confirmed_at__isnull=True
        )
        .listed()
        .annotate(to_confirm=Window(Count("pk")))
        .order_by("starts_at")[:LISTED]
    )
)


def _supervisee_context(user, profile, now):
    """What a member of staff does next: accept, book, join, confirm (feedback: a section).
    Each list's SQL is built once per process (kernel/prepared.py)."""
    current = _agreements_of(user.pk)
    records_to_confirm = _records_to_confirm_of(user.pk)
    return {
        "upcoming": _next_sessions_of(user.pk, now),
        "offers": programme_offers(user),
        "to_confirm": records_to_confirm[0].to_confirm if records_to_confirm else 0,
        "records_to_confirm": records_to_confirm,
        "agreements_to_accept": [a for a in current if a.supervisee_accepted_at is None],
        "agreements_to_book": [a for a in current if a.awaiting_first_session],
        "standing": standing_of(profile, now=now),
    }


def _supervisor_context(user, now):
    mine = sessions_visible_to(user).filter(supervisor=user)
    return {
        "to_log": mine.unlogged(now).count(),
        "supervising_next": mine.upcoming(now).listed(*_HOW_TO_JOIN).order_by("starts_at")[:5],
        "agreements_waiting": agreements_visible_to(user)
        .current()
        .filter(supervisor=user, supervisor_accepted_at__isnull=True)
        .select_related("supervisee", "programme"),
        "supervisees_due": supervisees_due(user, now),
    }


def supervisees_due(user, now) -> list:
    """The user's supervisees who are due soon or overdue for supervision, soonest due
    first, each with `standing`: the same few queries however many they supervise."""
    supervisees = supervisees_of(user)
    found = {pk: s for pk, s in standings(supervisees, now=now).items() if s.needs_attention}
    people = list(supervisees.filter(pk__in=found).select_related("user"))
    for person in people:
        person.standing = found[person.pk]
    return sorted(people, key=lambda p: (p.standing.due_on, p.user.last_name, p.pk))


@login_required_view
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """One page per person that says what to do next, section by role."""
    user = request.user
    roles = user_roles(user)
    now = timezone.now()
    profile = get_own_profile(user)
    context: dict[str, Any] = {
        "profile": profile,
        "roles": roles,
        "role_labels": sorted(Role(role).label for role in roles),
        "roles_elsewhere": len(roles_by_organisation(user)) > 1,
    }
    audience = set(roles)
    if profile is not None:
        context.update(_supervisee_context(user, profile, now))
        audience.add(SUPERVISEE)
    if Role.SUPERVISOR in roles:
        context.update(_supervisor_context(user, now))
    context.update(sections_for(user, audience, now))
    if Role.PROGRAMME_ADMIN in roles:
        staff = staff_visible_to(user)
        context["staff_counts"] = {
            "active": staff.active().count(),
            "invited": staff.invited().count(),
        }
    return render(request, "supervision/home.html", context)
