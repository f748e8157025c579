"""Who may see wellbeing check-ins and improvement ideas. Views fetch through here.

A check-in is its author's alone: no URL takes someone else's check-in, and the
only queryset is the user's own. An idea is seen by its author's department and
by the programme admins of its organisation; anyone else gets 404. Those who
can see it but did not write it (and do not administer it) get 403 on edit.
What each of the author and the admins may change is `idea_rights`.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from kernel.models import Department, Role
from kernel.permissions import get_own_profile, organisations_where

from .models import ImprovementIdea, WellbeingCheckIn


def own_checkins(user) -> QuerySet[WellbeingCheckIn]:
    """The user's own check-ins; nobody else's, whatever their role."""
    if not user.is_authenticated:
        return WellbeingCheckIn.objects.none()
    return WellbeingCheckIn.objects.filter(author=user)


def checkins_for_lead(user) -> QuerySet[WellbeingCheckIn]:
    """Check-ins of the organisations where the user is a wellbeing lead.

    For aggregates only: callers pass them through disclosure control and never
    show one, nor who wrote it.
    """
    return WellbeingCheckIn.objects.filter(
        organisation_id__in=organisations_where(user, Role.WELLBEING_LEAD)
    )


def department_names_for_lead(user, pks) -> dict[int, str]:
    """{pk: name} of those departments, of the organisations the user leads wellbeing in."""
    departments = Department.objects.filter(
        pk__in=pks, organisation_id__in=organisations_where(user, Role.WELLBEING_LEAD)
    )
    return dict(departments.values_list("pk", "name"))


def ideas_visible_to(user) -> QuerySet[ImprovementIdea]:
    """Ideas of the user's own department, their own, and every idea of the
    organisations they administer."""
    if not user.is_authenticated:
        return ImprovementIdea.objects.none()
    scope = Q(author=user) | Q(organisation_id__in=organisations_where(user, Role.PROGRAMME_ADMIN))
    profile = get_own_profile(user)
    if profile is not None and profile.department_id is not None:
        scope |= Q(organisation_id=profile.organisation_id, department_id=profile.department_id)
    return ImprovementIdea.objects.filter(scope)


@dataclass(frozen=True)
class IdeaRights:
    """What one person may change on one idea.

    The title, description, team and "came out of supervision" are the
    author's words. The author changes them freely. A programme admin of the
    idea's organisation changes the status and writes the programme team's
    response; they change the author's words only with a reason, and the idea
    then shows that they did (`feedback.services.ideas.idea_update` holds them to it).
    """

    author: bool
    admin: bool

    @property
    def change(self) -> bool:
        return self.author or self.admin

    @property
    def respond(self) -> bool:
        return self.admin

    @property
    def words_need_reason(self) -> bool:
        """Whether a change to the author's words is an edit by someone else."""
        return not self.author


def idea_rights(user, idea: ImprovementIdea) -> IdeaRights:
    author = user.is_authenticated and idea.author_id == user.pk
    admin = idea.organisation_id in organisations_where(user, Role.PROGRAMME_ADMIN)
    return IdeaRights(author=author, admin=admin)


def can_change_idea(user, idea: ImprovementIdea) -> bool:
    """The author and programme admins of the idea's organisation."""
    return idea_rights(user, idea).change


def get_idea_for_user(user, pk: int, *, write: bool = False) -> ImprovementIdea:
    """One idea the user may see (404 otherwise); with write=True, 403 unless they may change it."""
    try:
        idea = (
            ideas_visible_to(user)
            .select_related("author", "department", "words_edited_by", "responded_by")
            .get(pk=pk)
        )
    except ImprovementIdea.DoesNotExist:
        raise Http404 from None
    if write and not can_change_idea(user, idea):
        raise PermissionDenied
    return idea
