"""Quality-improvement ideas: logging them, moving them along, responding to them.

An idea may come out of supervision but never records which session; the
audit log names ids, statuses and which fields changed, never the words.
The author's words stay theirs: see `idea_update`.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_log
from kernel.models import StaffProfile

from ..models import ImprovementIdea
from ..notifications_ideas import idea_changed_by_someone_else
from ..permissions_wellbeing import idea_rights

Status = ImprovementIdea.Status
EditReason = ImprovementIdea.EditReason

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


def _as_typed(value: str) -> str:
    """The text without surrounding spaces, and with the line endings browsers post (CRLF)
    made plain, so that sending the same words back is never taken for a change."""
    return value.replace("\r\n", "\n").strip()


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
        title=_as_typed(title),
        description=_as_typed(description),
        team=_as_typed(team),
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


def _check_change(rights, *, words: bool, responding: bool, edit_reason: str) -> None:
    """The rule for who may change what on an idea (see `IdeaRights`); raises when refused."""
    if not rights.change:
        raise PermissionDenied(
            _("Only the person who logged this idea and the programme admins can change it.")
        )
    if responding and not rights.respond:
        raise PermissionDenied(_("Only a programme admin can respond to an idea."))
    if words and rights.words_need_reason and edit_reason not in EditReason.values:
        raise ValidationError(
            {
                "edit_reason": _("Choose why you are changing what the author wrote"),
            }
        )


def _word_changes(idea: ImprovementIdea, **proposed) -> dict:
    """Those of the author's words that `proposed` changes (None: left as it is)."""
    typed = {
        name: _as_typed(value) if isinstance(value, str) else value
        for name, value in proposed.items()
    }
    return {
        name: value
        for name, value in typed.items()
        if value is not None and value != getattr(idea, name)
    }


def _check_status(previous: str, status: str) -> None:
    if status not in allowed_statuses(previous):
        raise ValidationError(
            {
                "status": _("An idea that is “%(old)s” cannot move to “%(new)s”.")
                % {"old": Status(previous).label, "new": dict(Status.choices).get(status, status)}
            }
        )


@transaction.atomic
def idea_update(
    *,
    actor,
    idea: ImprovementIdea,
    status: str | None = None,
    title: str | None = None,
    description: str | None = None,
    team: str | None = None,
    from_supervision: bool | None = None,
    response: str | None = None,
    edit_reason: str = "",
) -> ImprovementIdea:
    """Change an idea: the one way every page takes, so the rule holds on every path.

    None leaves a field as it is. The author changes their own words and the
    status. A programme admin changes the status and the programme team's
    response; they may change the author's words (title, description, team,
    "came out of supervision") only giving an `edit_reason`, and the idea then
    shows who edited it and when. Anyone else is refused (PermissionDenied).
    The audit entry names the fields changed, never the words; the author is
    told through the outbox when someone else changed their idea.
    """
    idea = ImprovementIdea.objects.select_for_update().get(pk=idea.pk)
    rights = idea_rights(actor, idea)
    words = _word_changes(
        idea, title=title, description=description, team=team, from_supervision=from_supervision
    )
    response = None if response is None else _as_typed(response)
    responding = response is not None and response != idea.response
    _check_change(rights, words=bool(words), responding=responding, edit_reason=edit_reason)
    previous = idea.status
    status = previous if status is None else status
    _check_status(previous, status)
    now = timezone.now()
    for name, value in words.items():
        setattr(idea, name, value)
    by_someone_else = bool(words) and rights.words_need_reason
    if by_someone_else:
        idea.words_edited_by, idea.words_edited_at = actor, now
        idea.words_edit_reason = edit_reason
    if responding:
        idea.response = response or ""
        idea.responded_by, idea.responded_at = (actor, now) if response else (None, None)
    idea.status = status
    idea.full_clean()
    idea.save()
    changed = sorted([*words, *(["response"] if responding else [])])
    _audit_update(actor, idea, previous, changed, edit_reason if by_someone_else else "")
    if not rights.author and idea.author_id is not None and (changed or status != previous):
        idea_changed_by_someone_else(
            idea, actor=actor, words=bool(words), status=status != previous, response=responding
        )
    return idea


def _audit_update(actor, idea: ImprovementIdea, previous: str, changed, edit_reason: str) -> None:
    """Ids, statuses and the names of the fields changed: never the words."""
    details = {"status": idea.status, "previous_status": previous, "changed": changed}
    if edit_reason:  # someone else edited the author's words
        details["edit_reason"] = edit_reason
    audit_log(
        actor=actor,
        action="idea.words_edited" if edit_reason else "idea.updated",
        target=idea,
        organisation_id=idea.organisation_id,
        summary=(
            f"Improvement idea {idea.pk}: the author's words edited by someone else"
            if edit_reason
            else f"Improvement idea {idea.pk} updated ({idea.status})"
        ),
        details=details,
    )
