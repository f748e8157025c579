"""Quality-improvement ideas: logging them and moving them along.

An idea may come out of supervision but never records which session; the
audit log names ids and statuses only.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_log
from kernel.models import StaffProfile

from ..models import ImprovementIdea

Status = ImprovementIdea.Status

# idea → in progress → done / parked; a parked idea can be picked up again,
# and a finished one reopened.
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    Status.IDEA: (Status.IN_PROGRESS, Status.PARKED),
    Status.IN_PROGRESS: (Status.DONE, Status.PARKED, Status.IDEA),
    Status.PARKED: (Status.IDEA, Status.IN_PROGRESS),
    Status.DONE: (Status.IN_PROGRESS,),
}


def allowed_statuses(current: str) -> list[str]:
    """The current status and those it may move to, in the choices' order."""
    allowed = {current, *NEXT_STATUSES.get(current, ())}
    return [value for value in Status.values if value in allowed]


@transaction.atomic
def idea_create(
    *, actor, title: str, description: str, team: str = "", from_supervision: bool = False
) -> ImprovementIdea:
    """Log an idea for the author's organisation and department."""
    profile = StaffProfile.objects.filter(user=actor).first()
    if profile is None:
        raise ValidationError(_("Only staff of an organisation can log an idea."))
    idea = ImprovementIdea(
        author=actor,
        organisation_id=profile.organisation_id,
        department_id=profile.department_id,
        title=title.strip(),
        description=description.strip(),
        team=team.strip(),
        from_supervision=from_supervision,
    )
    idea.full_clean()
    idea.save()
    audit_log(
        actor=actor,
        action="idea.created",
        target=idea,
        organisation_id=idea.organisation_id,
        summary=f"Improvement idea {idea.pk} logged",
        details={"status": idea.status},
    )
    return idea


@transaction.atomic
def idea_update(
    *,
    actor,
    idea: ImprovementIdea,
    title: str,
    description: str,
    team: str = "",
    from_supervision: bool = False,
    status: str,
) -> ImprovementIdea:
    """Change an idea and move its status along. Callers have checked who may."""
    idea = ImprovementIdea.objects.select_for_update().get(pk=idea.pk)
    previous = idea.status
    if status not in allowed_statuses(previous):
        raise ValidationError(
            {
                "status": _("An idea that is “%(old)s” cannot move to “%(new)s”.")
                % {"old": Status(previous).label, "new": dict(Status.choices).get(status, status)}
            }
        )
    idea.title = title.strip()
    idea.description = description.strip()
    idea.team = team.strip()
    idea.from_supervision = from_supervision
    idea.status = status
    idea.full_clean()
    idea.save()
    audit_log(
        actor=actor,
        action="idea.updated",
        target=idea,
        organisation_id=idea.organisation_id,
        summary=f"Improvement idea {idea.pk} updated ({idea.status})",
        details={"status": idea.status, "previous_status": previous},
    )
    return idea
