"""The demo's junior doctors' peer group (seeds 000 and 003) is ready on `make run`: limited
to doctors, with feedback released to its facilitators, a wellbeing measure whose change
its leads can read, and Ife asked for her feedback and her first answers."""

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from feedback.notifications_measures import plan_measure_prompts
from nonprod.impact import GROUP_NAME
from peergroups.models import Group
from tests.outbox import deliver_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("demo_data", force=True)
    return {
        user.email.split("@")[0]: user
        for user in get_user_model().objects.filter(email__endswith="@westfield.example")
    }


def test_the_junior_doctors_group_plays_end_to_end_on_the_demo_data(client, demo):
    group = Group.objects.get(name=GROUP_NAME)
    assert group.eligible_professions == ["doctor"]
    assert group.eligible_grades == ["fy1", "fy2", "st1_2"]  # FY1 to ST2
    assert group.memberships.filter(state="active").count() == 7
    # A nurse is told the group is not for her; the demo junior doctor is a member.
    client.force_login(demo["amara.okafor"])
    assert "This group is not open to your profession." in (
        client.get(group.get_absolute_url()).content.decode()
    )
    # A consultant is told which grades it is for, and cannot ask.
    client.force_login(demo["marcus.reid"])
    page = client.get(group.get_absolute_url()).content.decode()
    assert "This group is only for doctors in Foundation year 1 (FY1)" in page
    assert "Ask to join" not in page
    # Ife (FY2) is not pointed down the Band 5 and 6 nurses' PNA route.
    client.force_login(demo["ife.adebayo"])
    page = client.get(reverse("supervision:programmes")).content.decode()
    assert "This programme is not open to your profession." in page
    assert "through the PNA programme" not in page
    # The facilitators see released totals of their meetings' feedback.
    client.force_login(demo["tom.fletcher"])
    totals = dict(client.get(reverse("feedback:summary")).context["groups"])[group]
    assert totals is not None
    assert totals.people >= 3
    # The wellbeing lead sees the released change since joining, and nobody's scores.
    client.force_login(demo["ruth.ellison"])
    summaries = client.get(reverse("feedback:wellbeing_impact")).context["summaries"]
    [summary] = [s for s in summaries if s.measure.programme_id == group.programme_id]
    [row] = summary.rows
    assert row.people.value == 5
    assert not row.mean_change.hidden
    # Ife is asked how the last meeting went: the demo delivered that itself, in the
    # app and without email (nonprod/outbox.py), so a newcomer's first `make run` is quiet.
    ife = demo["ife.adebayo"]
    client.force_login(ife)
    assert escape(f"How was {GROUP_NAME}?") in (
        client.get(reverse("notifications:list")).content.decode()
    )
    # Her first answers to the wellbeing measure are asked for by email, outside quiet
    # hours (a demo loaded at night keeps the prompt for the morning).
    morning = (timezone.localtime() + datetime.timedelta(days=1)).replace(hour=10, minute=0)
    with time_machine.travel(morning):
        plan_measure_prompts()
        deliver_due()
    subjects = [m.subject for m in mail.outbox if m.to == [ife.email]]
    assert any(subject.startswith("A few questions about how you are") for subject in subjects)
    page = client.get(reverse("feedback:wellbeing")).content.decode()
    assert "Due now: the first time" in page
    assert "Give feedback" in client.get(group.get_absolute_url()).content.decode()
