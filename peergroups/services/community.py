"""The learning community's threads: ask, reply, and a moderator's hiding.

Views hand over objects fetched through peergroups/permissions/community.py.
The audit log names records only, never what anyone wrote.
"""

from django.db import transaction
from django.utils import timezone

from audit.services import audit_log

from .. import notifications_community
from ..models import CommunityReply, CommunityThread, HideReason, LearningCommunity


@transaction.atomic
def thread_create(*, actor, community: LearningCommunity, title: str, body: str):
    thread = CommunityThread.objects.create(
        community=community, author=actor, title=title, body=body
    )
    audit_log(
        actor=actor,
        action="community.thread_added",
        target=thread,
        summary=f"Thread {thread.pk} added to learning community {community.pk}",
    )
    return thread


@transaction.atomic
def reply_create(*, actor, thread: CommunityThread, body: str) -> CommunityReply:
    reply = CommunityReply.objects.create(thread=thread, author=actor, body=body)
    audit_log(
        actor=actor,
        action="community.reply_added",
        target=reply,
        summary=f"Reply {reply.pk} added to thread {thread.pk}",
    )
    notifications_community.reply_posted(reply)
    return reply


@transaction.atomic
def hide(*, actor, item: CommunityThread | CommunityReply, reason: str):
    """A moderator removes a thread or reply from view; the text stays stored."""
    item = type(item).objects.select_for_update().get(pk=item.pk)
    if item.hidden_at is None:
        item.hidden_by = actor
        item.hidden_at = timezone.now()
        item.hidden_reason = HideReason(reason)
        item.save(update_fields=["hidden_by", "hidden_at", "hidden_reason"])
        audit_log(
            actor=actor,
            action="community.hidden",
            target=item,
            summary=f"{item} removed by a moderator",
            details={"reason": item.hidden_reason},
        )
    return item
