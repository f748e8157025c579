"""Who answers a programme's wellbeing measure, who sets it up, who sees its aggregates.

Each person's answers and scores are theirs alone: the only answers a view
reads are the user's own. Leads (wellbeing leads, and programme admins of the
programme) get a measure's responses only to hand to
`feedback.aggregates_measures`, which shows the change of 5 or more people at
a time and nobody's own. Out of scope answers 404; in scope but not allowed 403.
"""

import datetime

from django.db.models import Q, QuerySet
from django.http import Http404

from kernel.models import Programme, Role
from kernel.permissions import get_programme_for_admin, organisations_where
from peergroups.permissions import programme_members_joined
from supervision.permissions import programme_supervisees_joined

from .models import MeasureResponse, WellbeingMeasure


def participants_joined(programme_ids, user_ids=None) -> dict[tuple[int, int], datetime.datetime]:
    """{(programme id, person id): when they joined} for everyone taking part in these
    programmes: members of their groups and supervisees in their agreements."""
    joined = programme_members_joined(programme_ids, user_ids)
    for key, when in programme_supervisees_joined(programme_ids, user_ids).items():
        joined[key] = min(joined[key], when) if key in joined else when
    return joined


def measures_for_participant(user) -> list[tuple[WellbeingMeasure, datetime.datetime]]:
    """The measures being asked of the user, with when they joined each programme."""
    if not user.is_authenticated:
        return []
    measures = {
        measure.programme_id: measure
        for measure in WellbeingMeasure.objects.filter(is_active=True).select_related(
            "programme__organisation"
        )
    }
    joined = participants_joined(measures, [user.pk])
    return sorted(
        ((measures[programme_id], when) for (programme_id, _user), when in joined.items()),
        key=lambda pair: pair[0].programme.name,
    )


def get_measure_for_participant(
    user, programme_pk: int
) -> tuple[WellbeingMeasure, datetime.datetime]:
    """A programme's measure the user is asked to answer, with when they joined; 404 for
    anyone not taking part (whether or not the programme has one never leaks)."""
    for measure, joined in measures_for_participant(user):
        if measure.programme_id == programme_pk:
            return measure, joined
    raise Http404


def own_measure_responses(user, measure: WellbeingMeasure | None = None) -> QuerySet:
    """The user's own answers, oldest first; nobody else's, whatever their role."""
    if not user.is_authenticated:
        return MeasureResponse.objects.none()
    responses = MeasureResponse.objects.filter(author=user)
    if measure is not None:
        responses = responses.filter(measure=measure)
    return responses.order_by("measure_id", "occasion")


def get_programme_measure_for_admin(
    user, programme_pk: int
) -> tuple[Programme, WellbeingMeasure | None]:
    """A programme the user administers (404 otherwise) and its measure, if it has one."""
    programme = get_programme_for_admin(user, programme_pk)
    return programme, WellbeingMeasure.objects.filter(programme=programme).first()


def measures_for_lead(user) -> QuerySet[WellbeingMeasure]:
    """Measures whose aggregates the user may see: every programme of the organisations
    they are wellbeing lead in, and the programmes they administer."""
    return (
        WellbeingMeasure.objects.filter(
            Q(programme__organisation_id__in=organisations_where(user, Role.WELLBEING_LEAD))
            | Q(programme__organisation_id__in=organisations_where(user, Role.PROGRAMME_ADMIN))
        )
        .select_related("programme__organisation")
        .order_by("programme__organisation__name", "programme__name")
    )


def responses_for_aggregate(measures) -> QuerySet[MeasureResponse]:
    """Every response to these measures (from `measures_for_lead`): only for
    `feedback.aggregates_measures.change_summaries`, never shown one by one."""
    return MeasureResponse.objects.filter(measure__in=list(measures))
