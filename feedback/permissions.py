"""Who may give, and who may see the totals of, feedback on sessions.

Feedback is its author's alone. The form answers 404 to anyone outside the
session (so its existence never leaks) and 403 to the person who ran it; the
totals are for supervisors and facilitators, about the sessions they ran.
"""

from typing import TYPE_CHECKING

from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _

from kernel.models import Role
from kernel.permissions import has_role, programmes_managed_by
from peergroups.permissions import (
    get_meeting_attended_by,
    groups_facilitated_by,
)
from supervision.permissions import get_session_for_user, sessions_visible_to

from .models import FeedbackAnswer, FeedbackQuestion, FeedbackResponse

if TYPE_CHECKING:  # annotations only: feedback reads no other app's tables
    from peergroups.models import Group, GroupSession
    from supervision.models import Session

__all__ = [
    "get_meeting_for_feedback",
    "get_question_for_admin",
    "get_session_for_feedback",
    "may_see_summary",
    "own_answers",
    "responses_by_group_facilitated",
    "responses_on_sessions_supervised_by",
    "sessions_awaiting_feedback",
]


def get_session_for_feedback(user, pk: int) -> "Session":
    """A session the user was supervised in: 404 for strangers, 403 for its supervisor."""
    return get_session_for_user(user, pk, as_role="supervisee")


def sessions_awaiting_feedback(user, *, now, since):
    """Sessions the user was supervised in, held and ended since `since`, with no feedback
    from them yet."""
    given = FeedbackResponse.objects.filter(author=user, session__isnull=False)
    return (
        sessions_visible_to(user)
        .filter(supervisee=user, ends_at__gte=since)
        .happened(now)
        .exclude(pk__in=given.values("session_id"))
    )


def get_meeting_for_feedback(user, pk: int) -> "GroupSession":
    """A group meeting the user was marked present at; 403 for its facilitators, else 404."""
    return get_meeting_attended_by(user, pk)


def may_see_summary(user) -> bool:
    """Supervisors and facilitators see the totals of feedback on what they ran."""
    return (
        has_role(user, Role.SUPERVISOR)
        or has_role(user, Role.FACILITATOR)
        or user.facilitated_groups.exists()
    )


def responses_on_sessions_supervised_by(user):
    """Responses on the one-to-one sessions the user supervised.

    For totals only: callers never show who wrote one or what it said.
    """
    return FeedbackResponse.objects.filter(session__isnull=False, session__supervisor=user)


def responses_by_group_facilitated(user) -> list[tuple["Group", object]]:
    """(group, its responses) for each group the user facilitates, by group.

    Each group's totals stand alone, and none is added to another or to the
    one-to-one totals: a sum across them, set beside a co-facilitator's view of
    the same group, would give away the part that differs.
    """
    return [
        (group, FeedbackResponse.objects.filter(group_session_id__in=group.sessions.values("pk")))
        for group in groups_facilitated_by(user)
    ]


def _answer_row(answer: FeedbackAnswer) -> dict[str, str]:
    if answer.rating is not None:
        value = _("%(rating)s out of 5") % {"rating": answer.rating}
    else:
        value = answer.text
    return {"question": answer.question.text, "answer": value}


def own_answers(user, *, session=None, meeting=None) -> list[dict[str, str]] | None:
    """The user's own feedback on a session or meeting, as the pages show it back to them:
    a row per answer (the question, and the rating "4 out of 5" or the words), in the
    questions' order.

    None when they have given no feedback on it; an empty list when they gave feedback
    that holds no answers (every question left blank, or none asked). Keyed by the
    author: nobody else's feedback can come back from here, so the session's supervisor
    asking gets None, never the supervisee's answers.
    """
    responses = FeedbackResponse.objects.filter(author=user)
    if session is not None:
        responses = responses.filter(session=session)
    else:
        responses = responses.filter(group_session_id=meeting.pk)
    answers = FeedbackAnswer.objects.select_related("question").order_by(
        "question__position", "question__pk"
    )
    response = responses.prefetch_related(Prefetch("answers", queryset=answers)).first()
    if response is None:
        return None
    return [_answer_row(answer) for answer in response.answers.all()]


def get_question_for_admin(user, pk: int) -> FeedbackQuestion:
    """A feedback question of a programme the user administers; 404 otherwise."""
    try:
        return FeedbackQuestion.objects.select_related("programme__organisation").get(
            pk=pk, programme__in=programmes_managed_by(user)
        )
    except FeedbackQuestion.DoesNotExist:
        raise Http404 from None
