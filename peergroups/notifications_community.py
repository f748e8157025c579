"""The one notification the learning community sends: a reply to your question.

It never carries what anyone wrote (not the title, not the reply): only that
there is a reply, in which community, and a link into the app, where access is
checked again. One per reply, once: the outbox keeps one row per reply.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.models import StaffProfile
from notifications import registry
from notifications.services import dispatch_soon, notification_schedule

from .models import CommunityReply

REPLY = "community_reply"


def _reply(notification) -> CommunityReply | None:
    return (
        CommunityReply.objects.select_related("thread", "thread__community")
        .filter(pk=notification.target_id)
        .first()
    )


def _replied(notification):
    reply = _reply(notification)
    if (
        reply is None
        or reply.hidden_at is not None
        or reply.thread.hidden_at is not None
        or reply.thread.author_id != notification.recipient_id
    ):
        return None
    community = reply.thread.community
    return registry.Message(
        subject=str(_("Someone has replied to your question in %(community)s"))
        % {"community": community.name},
        template=REPLY,
        context={"community": community.name},
        organisation_name=community.name,
        url=reverse("peergroups:community_thread", args=[reply.thread_id]),
    )


KINDS = [
    registry.Kind(
        REPLY, _("Replies to your questions in a learning community"), _replied, prompt=False
    ),
]


def reply_posted(reply: CommunityReply) -> None:
    """Tell the thread's author, unless they wrote the reply (or have left)."""
    author = reply.thread.author
    if author is None or author.pk == reply.author_id or not author.is_active:
        return
    profile = StaffProfile.objects.filter(user=author).select_related("organisation").first()
    notification_schedule(
        recipient=author,
        kind=REPLY,
        target=reply,
        due_at=reply.created_at or timezone.now(),
        organisation_id=profile.organisation_id if profile else None,
        time_zone=profile.organisation.time_zone if profile else None,
    )
    dispatch_soon()
