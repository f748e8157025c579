"""Who may see a learning community, its shared resources and its threads. Views fetch through here.

A community spans organisations by design, so the rule is its own: a person sees
a community (its member organisations, the resources shared with it, its
threads) if and only if they hold the peer supporter role, or coordinate peer
support (programme admin), in one of its member organisations. Everyone else,
staff and superusers included: 404. Moderators are the community's named
coordinators, each of whom must still coordinate in a member organisation.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404

from kernel.models import Role
from kernel.permissions import organisations_where

from ..models import CommunityReply, CommunityThread, LearningCommunity

__all__ = [
    "can_moderate",
    "communities_for_sharing",
    "communities_listed_for",
    "communities_visible_to",
    "community_organisations",
    "get_community_for_user",
    "get_reply_for_moderator",
    "get_thread_for_moderator",
    "get_thread_for_user",
    "thread_replies",
    "threads_of",
]


def community_organisations(user) -> list[int]:
    """The organisations through which the user may take part in learning communities."""
    if not user.is_authenticated:
        return []
    return sorted(
        {
            *organisations_where(user, Role.PEER_SUPPORTER),
            *organisations_where(user, Role.PROGRAMME_ADMIN),
        }
    )


def communities_visible_to(user):
    """The communities with a member organisation the user supports or coordinates in."""
    return LearningCommunity.objects.filter(
        pk__in=LearningCommunity.objects.filter(
            organisations__in=community_organisations(user)
        ).values("pk")
    )


def communities_listed_for(user) -> list[LearningCommunity]:
    """The user's communities by name, for the links on the resources, peer support and
    home pages. No query for someone who takes part in none."""
    if not community_organisations(user):
        return []
    return list(communities_visible_to(user).order_by("name").only("pk", "name"))


def communities_for_sharing(organisation_id: int):
    """The communities an organisation belongs to: those it may share a resource with."""
    return LearningCommunity.objects.filter(organisations=organisation_id).order_by("name")


def get_community_for_user(user, pk: int) -> LearningCommunity:
    try:
        return communities_visible_to(user).get(pk=pk)
    except LearningCommunity.DoesNotExist:
        raise Http404 from None


def can_moderate(user, community: LearningCommunity) -> bool:
    """A named coordinator of the community who still coordinates in a member organisation."""
    if not user.is_authenticated:
        return False
    return (
        community.coordinators.filter(pk=user.pk).exists()
        and community.organisations.filter(
            pk__in=organisations_where(user, Role.PROGRAMME_ADMIN)
        ).exists()
    )


def threads_of(community: LearningCommunity):
    """A community's threads, newest first, with author and number of replies shown."""
    return (
        CommunityThread.objects.filter(community=community)
        .select_related("author")
        .annotate(reply_count=Count("replies", filter=Q(replies__hidden_at__isnull=True)))
        .order_by("-created_at", "-pk")
    )


def thread_replies(thread: CommunityThread):
    return thread.replies.select_related("author").order_by("created_at", "pk")


def get_thread_for_user(user, pk: int) -> CommunityThread:
    try:
        return (
            CommunityThread.objects.filter(community__in=communities_visible_to(user))
            .select_related("community", "author")
            .get(pk=pk)
        )
    except CommunityThread.DoesNotExist:
        raise Http404 from None


def get_thread_for_moderator(user, pk: int) -> CommunityThread:
    """A thread the user sees (404 otherwise) and moderates (403 otherwise)."""
    thread = get_thread_for_user(user, pk)
    if not can_moderate(user, thread.community):
        raise PermissionDenied
    return thread


def get_reply_for_moderator(user, pk: int) -> CommunityReply:
    try:
        reply = (
            CommunityReply.objects.filter(thread__community__in=communities_visible_to(user))
            .select_related("thread", "thread__community", "author")
            .get(pk=pk)
        )
    except CommunityReply.DoesNotExist:
        raise Http404 from None
    if not can_moderate(user, reply.thread.community):
        raise PermissionDenied
    return reply
