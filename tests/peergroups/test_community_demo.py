"""The demo has seed 001's learning community ready: Westfield and Northgate together."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from peergroups.models import CommunityThread, LearningCommunity

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_two_hospital_learning_community(capsys):
    call_command("demo_data", force=True)
    community = LearningCommunity.objects.get(name="North region peer support learning community")
    assert set(community.organisations.values_list("slug", flat=True)) == {
        "westfield",
        "northgate",
    }
    assert community.coordinators.count() == 2
    thread = CommunityThread.objects.get(community=community)
    assert thread.replies.count() == 1
    client = Client()
    client.force_login(get_user_model().objects.get(email="grace.adeyemi@westfield.example"))
    library = client.get(reverse("peergroups:resources")).content.decode()
    assert "Shared by Northgate Community Health" in library
    page = client.get(reverse("peergroups:community_thread", args=[thread.pk])).content.decode()
    assert "Keeping in touch when someone goes quiet" in page
    assert "Leah" in page
