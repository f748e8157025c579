"""Telling a person that someone else changed their improvement idea, through the outbox.

The message says what changed (their words, the status, the programme team's
response) and who changed it, with a link; never the words themselves.
"""

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications import registry
from notifications.services import dispatch_soon, notification_schedule

KIND = "idea_changed"


def _idea_changed(notification):
    from .models import ImprovementIdea

    idea = (
        ImprovementIdea.objects.select_related("organisation", "words_edited_by")
        .filter(pk=notification.target_id, author_id=notification.recipient_id)
        .first()
    )
    if idea is None or not notification.recipient.is_active:
        return None
    payload = notification.payload
    editor = get_user_model().objects.filter(pk=payload.get("by")).first()
    return registry.Message(
        subject=str(
            _("%(name)s changed your improvement idea") % {"name": editor or _("A programme admin")}
        ),
        template="idea_changed",
        context={
            "idea": idea,
            "editor": editor,
            "words": payload.get("words", False),
            "status": payload.get("status", False),
            "response": payload.get("response", False),
            "time_zone": idea.organisation.time_zone,
        },
        organisation_name=idea.organisation.name,
        url=idea.get_absolute_url(),
    )


KINDS = [
    registry.Kind(
        KIND,
        _("Someone else changes your improvement idea or responds to it"),
        _idea_changed,
        prompt=False,
    ),
]


def idea_changed_by_someone_else(idea, *, actor, words: bool, status: bool, response: bool) -> None:
    """Tell the idea's author, once, that `actor` changed it and what they changed."""
    notification_schedule(
        recipient=idea.author,
        kind=KIND,
        target=idea,
        due_at=timezone.now(),
        organisation_id=idea.organisation_id,
        payload={"by": actor.pk, "words": words, "status": status, "response": response},
        time_zone=idea.organisation.time_zone,
    )
    dispatch_soon()
