"""The notifications about a group's themes for the organisation, through the outbox.

A facilitator is asked to agree a theme their co-facilitator wrote, and is told
when one they wrote has been released. Neither message carries the statement:
it is read in the app, behind sign-in.
"""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications import registry
from notifications.services import dispatch_soon, notification_schedule

from .models import ThemeStatement


def _statement(notification) -> ThemeStatement | None:
    return (
        ThemeStatement.objects.select_related("meeting__group__organisation")
        .filter(pk=notification.target_id)
        .first()
    )


def _message(statement, subject, template) -> registry.Message:
    group = statement.meeting.group
    return registry.Message(
        subject=str(subject % {"group": group.name}),
        template=f"group_{template}",
        context={"group": group, "time_zone": group.organisation.time_zone},
        organisation_name=group.organisation.name,
        url=reverse("peergroups:session", kwargs={"pk": statement.meeting_id}),
    )


def _still_facilitating(notification, statement) -> bool:
    return statement.meeting.group.facilitators.filter(pk=notification.recipient_id).exists()


def _to_agree(notification):
    statement = _statement(notification)
    if statement is None or statement.state != ThemeStatement.State.DRAFT:
        return None  # released or withdrawn since: nothing left to agree
    if not _still_facilitating(notification, statement):
        return None
    return _message(statement, _("%(group)s: a theme for the organisation to agree"), "theme_agree")


def _released(notification):
    statement = _statement(notification)
    if statement is None or statement.state != ThemeStatement.State.RELEASED:
        return None
    if not _still_facilitating(notification, statement):
        return None
    return _message(statement, _("%(group)s: a theme was released"), "theme_released")


KINDS = [
    registry.Kind(
        "group_theme_to_agree",
        _("A theme for the organisation is waiting for you to agree (facilitators)"),
        _to_agree,
    ),
    registry.Kind(
        "group_theme_released",
        _("A theme you wrote was released to the organisation (facilitators)"),
        _released,
    ),
]


def _tell(statement: ThemeStatement, kind: str, user_ids) -> None:
    group = statement.meeting.group
    now = timezone.now()
    for user_id in user_ids:
        notification_schedule(
            recipient=get_user_model()(pk=user_id),
            kind=kind,
            target=statement,
            due_at=now,
            organisation_id=group.organisation_id,
            time_zone=group.organisation.time_zone,
        )
    dispatch_soon()


def theme_to_agree(statement: ThemeStatement) -> None:
    """Ask the group's other facilitators to agree the theme (none when there is one)."""
    others = statement.meeting.group.facilitators.exclude(pk=statement.drafted_by_id)
    _tell(statement, "group_theme_to_agree", others.values_list("pk", flat=True))


def theme_released(statement: ThemeStatement) -> None:
    """Tell the theme's writer, when someone else released it."""
    if statement.drafted_by_id and statement.drafted_by_id != statement.released_by_id:
        _tell(statement, "group_theme_released", [statement.drafted_by_id])
