"""Themes a group feeds back to its organisation (seed 004): drafted, agreed, released.

One rule decides who may release a statement (`release_refusal`): a facilitator
of the group who did not write its current text, or the group's only
facilitator. Releasing is always a facilitator's own action; nothing releases a
statement on its own, and the meeting's record is never copied into one.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_log

from .. import notifications_themes as notify
from ..models import GroupSession, ThemeStatement


class ThemeRefused(Exception):
    """A change to a theme statement that cannot be made; the message says why."""


def _facilitator_ids(meeting: GroupSession) -> set[int]:
    return set(meeting.group.facilitators.values_list("pk", flat=True))


def release_refusal(*, user, statement: ThemeStatement) -> str:
    """Why `user` may not release `statement` now, or "" when they may."""
    if statement.state != ThemeStatement.State.DRAFT:
        return _("This theme is no longer waiting to be agreed.")
    facilitators = _facilitator_ids(statement.meeting)
    if user.pk not in facilitators:
        return _("Only the group's facilitators can release its themes.")
    if len(facilitators) > 1 and statement.drafted_by_id == user.pk:
        return _(
            "Your co-facilitator needs to agree this theme before it is released, "
            "because you wrote it. They have been asked to."
        )
    return ""


def _check(meeting: GroupSession, theme, text: str, now) -> str:
    if meeting.status == GroupSession.Status.CANCELLED or meeting.starts_at > now:
        raise ValidationError(_("Themes can be agreed once the meeting has taken place."))
    if theme.organisation_id != meeting.group.organisation_id or not theme.is_active:
        raise ValidationError({"theme": _("Select a theme from the list")})
    text = text.strip()
    if not text:
        raise ValidationError({"statement": _("Enter the statement")})
    return text


@transaction.atomic
def theme_draft(*, actor, meeting: GroupSession, theme, text: str, now=None):
    """A facilitator writes a theme for the organisation; co-facilitators are asked to agree."""
    now = now or timezone.now()
    meeting = GroupSession.objects.select_related("group__organisation").get(pk=meeting.pk)
    text = _check(meeting, theme, text, now)
    draft = ThemeStatement(
        meeting=meeting, theme=theme, statement=text, drafted_by=actor, drafted_at=now
    )
    draft.full_clean()
    draft.save()
    audit_log(
        actor=actor,
        action="group.theme_drafted",
        target=draft,
        organisation_id=meeting.group.organisation_id,
        summary=f"Theme drafted for group meeting {meeting.pk}",
        details={"theme_id": theme.pk},
    )
    notify.theme_to_agree(draft)
    return draft


def _locked(statement: ThemeStatement) -> ThemeStatement:
    return (
        ThemeStatement.objects.select_for_update(of=("self",))
        .select_related("meeting__group__organisation")
        .get(pk=statement.pk)
    )


@transaction.atomic
def theme_change(*, actor, statement: ThemeStatement, theme, text: str, now=None):
    """Change a draft. Whoever changes it becomes its writer: the other facilitator agrees."""
    now = now or timezone.now()
    statement = _locked(statement)
    if statement.state != ThemeStatement.State.DRAFT:
        raise ThemeRefused(_("Only a theme waiting to be agreed can be changed."))
    statement.theme = theme
    statement.statement = _check(statement.meeting, theme, text, now)
    statement.drafted_by = actor
    statement.drafted_at = now
    statement.full_clean()
    statement.save()
    audit_log(
        actor=actor,
        action="group.theme_changed",
        target=statement,
        organisation_id=statement.meeting.group.organisation_id,
        summary=f"Theme {statement.pk} changed before release",
        details={"theme_id": theme.pk},
    )
    notify.theme_to_agree(statement)
    return statement


@transaction.atomic
def theme_release(*, actor, statement: ThemeStatement, now=None):
    """Release a draft to the organisation's wellbeing leads and programme admins."""
    statement = _locked(statement)
    refusal = release_refusal(user=actor, statement=statement)
    if refusal:
        raise ThemeRefused(refusal)
    statement.state = ThemeStatement.State.RELEASED
    statement.released_by = actor
    statement.released_at = now or timezone.now()
    statement.save(update_fields=["state", "released_by", "released_at"])
    audit_log(
        actor=actor,
        action="group.theme_released",
        target=statement,
        organisation_id=statement.meeting.group.organisation_id,
        summary=f"Theme {statement.pk} released to the organisation",
    )
    notify.theme_released(statement)
    return statement


@transaction.atomic
def theme_withdraw(*, actor, statement: ThemeStatement, now=None):
    """Take a theme back: a draft goes, a released one leaves the organisation's page."""
    statement = _locked(statement)
    if actor.pk not in _facilitator_ids(statement.meeting):
        raise ThemeRefused(_("Only the group's facilitators can withdraw its themes."))
    if statement.state == ThemeStatement.State.WITHDRAWN:
        raise ThemeRefused(_("This theme has already been withdrawn."))
    was = statement.state
    statement.state = ThemeStatement.State.WITHDRAWN
    statement.withdrawn_at = now or timezone.now()
    statement.save(update_fields=["state", "withdrawn_at"])
    audit_log(
        actor=actor,
        action="group.theme_withdrawn",
        target=statement,
        organisation_id=statement.meeting.group.organisation_id,
        summary=f"Theme {statement.pk} withdrawn",
        details={"was": was},
    )
    return statement
