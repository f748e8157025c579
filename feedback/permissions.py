"""Who may give, and who may see the totals of, feedback on sessions.

Feedback is its author's alone. The form answers 404 to anyone outside the
session (so its existence never leaks) and 403 to the person who ran it; the
totals are for supervisors and facilitators, about the sessions they ran.
"""

from typing import TYPE_CHECKING

from django.db.models import Q
from django.http import Http404

from kernel.models import Role
from kernel.permissions import has_role, programmes_managed_by
from peergroups.permissions import get_meeting_attended_by, meetings_facilitated_by
from supervision.permissions import get_session_for_user

from .models import FeedbackQuestion, FeedbackResponse

if TYPE_CHECKING:  # annotations only: feedback reads no other app's tables
    from peergroups.models import GroupSession
    from supervision.models import Session

__all__ = [
    "get_meeting_for_feedback",
    "get_question_for_admin",
    "get_session_for_feedback",
    "may_see_summary",
    "responses_about",
]


def get_session_for_feedback(user, pk: int) -> "Session":
    """A session the user was supervised in: 404 for strangers, 403 for its supervisor."""
    return get_session_for_user(user, pk, as_role="supervisee")


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


def responses_about(user):
    """Responses on the sessions the user supervised or the meetings they facilitated.

    For totals only: callers never show who wrote one or what it said.
    """
    meetings = meetings_facilitated_by(user).values("pk")
    return FeedbackResponse.objects.filter(
        Q(session__isnull=False, session__supervisor=user) | Q(group_session_id__in=meetings)
    )


def get_question_for_admin(user, pk: int) -> FeedbackQuestion:
    """A feedback question of a programme the user administers; 404 otherwise."""
    try:
        return FeedbackQuestion.objects.select_related("programme__organisation").get(
            pk=pk, programme__in=programmes_managed_by(user)
        )
    except FeedbackQuestion.DoesNotExist:
        raise Http404 from None
