"""The demo has a ready example of seed 004 (`make run`): an external facilitator's
reflective practice group with released themes, and one waiting to be agreed."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from kernel.models import StaffProfile
from nonprod.seed004 import EXTERNAL, GROUP_NAME
from peergroups.models import ExternalFacilitator, Group, ThemeStatement

pytestmark = pytest.mark.django_db


def test_the_demo_has_released_themes_and_an_external_facilitator(client, capsys):
    call_command("demo_data", force=True)
    call_command("demo_data", force=True)  # idempotent
    assert "External facilitator (independent practitioner)" in capsys.readouterr().out
    external = ExternalFacilitator.objects.get(user__email=EXTERNAL[2])
    assert not StaffProfile.objects.filter(user=external.user).exists()
    group = Group.objects.get(name=GROUP_NAME)
    assert set(group.facilitators.values_list("email", flat=True)) == {
        EXTERNAL[2],
        "tom.fletcher@westfield.example",
    }
    statements = ThemeStatement.objects.filter(meeting__group=group)
    assert statements.filter(state="released").count() == 3
    waiting = statements.get(state="draft")
    assert waiting.drafted_by == external.user  # for Tom to agree and release

    lead = StaffProfile.objects.get(user__email="ruth.ellison@westfield.example").user
    client.force_login(lead)
    page = client.get(reverse("peergroups:themes"), {"period": "month"}).content.decode()
    assert "breaks being skipped" in page
    assert GROUP_NAME in page  # 6 were present
    assert "group not named" in page  # the meeting with 3 present
    assert "Study leave" not in page  # not yet agreed
