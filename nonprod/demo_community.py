"""Seed 001's learning community in the demo: Westfield and Northgate's peer supporters.

Grace (Westfield's peer supporter login) sees Northgate's shared guide in her
library, and a question she asked with an answer from Leah at Northgate. Sam
(Westfield) and Joanna (Northgate), each their trust's peer-support
coordinator, moderate.
"""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

NAME = "North region peer support learning community"


def load_learning_community(organisations) -> None:
    from peergroups.models import CommunityReply, CommunityThread, LearningCommunity, Resource

    User = get_user_model()
    community, created = LearningCommunity.objects.get_or_create(name=NAME)
    if not created:
        return
    westfield, northgate = organisations["westfield"], organisations["northgate"]
    community.organisations.add(westfield, northgate)
    community.coordinators.add(
        User.objects.get(email="sam.whitaker@westfield.example"),
        User.objects.get(email="joanna.price@northgate.example"),
    )
    joanna = User.objects.get(email="joanna.price@northgate.example")
    guide, _ = Resource.objects.get_or_create(
        organisation=northgate,
        title="Defusing after a traumatic event: a supporter's checklist",
        defaults={
            "description": "Northgate's one-page checklist for the first conversation "
            "within 72 hours, and when to signpost to occupational health.",
            "link": "https://www.england.nhs.uk/supporting-our-nhs-people/",
            "audience": Resource.Audience.SUPPORTERS,
            "category": "After an adverse event",
            "created_by": joanna,
        },
    )
    guide.communities.add(community)
    grace = User.objects.get(email="grace.adeyemi@westfield.example")
    leah = User.objects.get(email="leah.carter@northgate.example")
    thread = CommunityThread.objects.create(
        community=community,
        author=grace,
        title="Keeping in touch when someone goes quiet",
        body="A colleague I support has stopped answering after our first call. How long "
        "do you leave it before trying again, and how do you word the message?",
    )
    reply = CommunityReply.objects.create(
        thread=thread,
        author=leah,
        body="I wait three or four days, then send a short text that needs no answer: "
        "that I'm still here and they can get in touch whenever suits them.",
    )
    # A question from a few days ago, answered the next day.
    asked = timezone.now() - datetime.timedelta(days=3)
    CommunityThread.objects.filter(pk=thread.pk).update(created_at=asked)
    CommunityReply.objects.filter(pk=reply.pk).update(created_at=asked + datetime.timedelta(days=1))
