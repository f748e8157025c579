"""Who may see and change the themes groups feed back to their organisation.

A statement, draft or released, is in scope for the facilitators of its group
only: anyone else gets 404, its group's members and programme admins included
(a draft is not yet the organisation's). Released statements reach the host
organisation's wellbeing leads and programme admins only on the themes page,
through `released_themes_for`, which carries no record text and no name but
what disclosure.group_named allows.

External facilitators are listed and managed by the programme admins of the
organisation that invited them; anyone else gets 403 (the list) or 404 (one).
"""

from django.db.models import Q
from django.http import Http404

from kernel.models import Organisation, Role
from kernel.permissions import organisations_where

from ..models import Attendance, ExternalFacilitator, ThemeStatement

__all__ = [
    "external_facilitators_visible_to",
    "get_external_facilitator_for_user",
    "get_theme_statement_for_user",
    "meeting_theme_statements",
    "released_themes_for",
    "themes_organisations_for",
]


def _facilitated(user):
    return ThemeStatement.objects.filter(meeting__group__facilitators=user)


def get_theme_statement_for_user(user, pk: int) -> ThemeStatement:
    """A statement of a group the user facilitates; 404 for everyone else."""
    try:
        return (
            _facilitated(user)
            .select_related("meeting__group__organisation", "theme", "drafted_by")
            .get(pk=pk)
        )
    except ThemeStatement.DoesNotExist:
        raise Http404 from None


def meeting_theme_statements(user, meeting) -> list[ThemeStatement]:
    """The statements of a meeting, for its facilitators (none for anyone else)."""
    return list(
        _facilitated(user)
        .filter(meeting=meeting)
        .exclude(state=ThemeStatement.State.WITHDRAWN)
        .select_related("theme", "drafted_by", "released_by")
        .order_by("pk")
    )


def themes_organisations_for(user) -> list[Organisation]:
    """The organisations whose released themes the user reads: as wellbeing lead or admin."""
    ids = {
        *organisations_where(user, Role.WELLBEING_LEAD),
        *organisations_where(user, Role.PROGRAMME_ADMIN),
    }
    return list(Organisation.objects.filter(pk__in=ids).order_by("name"))


def released_themes_for(organisation: Organisation) -> list[dict]:
    """Every released statement of the organisation's groups, with the facts the themes
    page needs and nothing else: theme, text, when the meeting was, which group and
    how many people were marked present. Two queries.

    `organisation` is one of themes_organisations_for(user).
    """
    statements = list(
        ThemeStatement.objects.filter(
            meeting__group__organisation=organisation, state=ThemeStatement.State.RELEASED
        )
        .select_related("theme", "meeting__group")
        .order_by("pk")
    )
    present: dict[int, set[int]] = {}
    for meeting_id, user_id in Attendance.objects.filter(
        Q(session_id__in={s.meeting_id for s in statements}),
        status=Attendance.Status.PRESENT,
    ).values_list("session_id", "user_id"):
        present.setdefault(meeting_id, set()).add(user_id)
    return [
        {
            "theme": s.theme.name,
            "statement": s.statement,
            "starts_at": s.meeting.starts_at,
            "group": s.meeting.group.name,
            "present": present.get(s.meeting_id, set()),
        }
        for s in statements
    ]


def external_facilitators_visible_to(user):
    """External facilitators of the organisations the user administers."""
    return ExternalFacilitator.objects.filter(
        organisation_id__in=organisations_where(user, Role.PROGRAMME_ADMIN)
    ).select_related("user", "organisation")


def get_external_facilitator_for_user(user, pk: int) -> ExternalFacilitator:
    try:
        return external_facilitators_visible_to(user).get(pk=pk)
    except ExternalFacilitator.DoesNotExist:
        raise Http404 from None
