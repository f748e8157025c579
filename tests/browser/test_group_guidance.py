"""Issue 16, "never left guessing", on the demo data in Chromium, with axe on every page."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from notifications.models import Notification
from peergroups.models import Group, GroupSession, Membership
from tests.browser.people import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_facilitator_completes_last_months_meeting_from_the_home_prompt(
    browser, live_server, demo, check_accessibility
):
    tom = Person(browser, live_server, demo["Group facilitator"], check_accessibility)
    tom.click("link", "1 past meeting needs its register or record")
    expect(tom.page.get_by_role("heading", name="Meetings to complete")).to_be_visible()
    tom.click("link", re.compile("^Take the register"))
    for radio in tom.page.get_by_role("radio", name="Present").all():
        radio.check()
    tom.click("button", "Save the register")
    tom.go(reverse("peergroups:meetings_to_complete"))
    tom.click("link", re.compile("^Write the record"))
    tom.page.get_by_label(re.compile("^Restorative")).check()
    tom.click("button", "Save the record")
    tom.go(reverse("supervision:home"))
    expect(
        tom.page.get_by_text(re.compile("past meetings? needs? (its|their) register"))
    ).to_have_count(0)
    meeting = GroupSession.objects.get(
        group__name="Peer supporters' reflective group", ends_at__lt=timezone.now()
    )
    assert meeting.register.filter(status="present").count() == 2
    assert hasattr(meeting, "record")


def test_a_member_sees_her_group_meetings_and_her_place_on_the_waiting_list(
    browser, live_server, demo, check_accessibility
):
    grace = Person(browser, live_server, demo["Peer supporter"], check_accessibility)
    expect(grace.page.get_by_role("heading", name="Your group meetings")).to_be_visible()
    expect(grace.page.get_by_role("link", name=re.compile("^Join online")).first).to_be_visible()
    grace.go(reverse("supervision:sessions"))
    expect(grace.page.get_by_role("heading", name="Group meetings coming up")).to_be_visible()
    expect(grace.page.get_by_text("Peer supporters' reflective group").first).to_be_visible()

    group = Group.objects.get(name="Tuesday reflective practice group")
    nurse = Person(browser, live_server, demo["Staff member (supervisee)"], check_accessibility)
    nurse.go(group.get_absolute_url())
    expect(
        nurse.page.get_by_text("Every month on the second Tuesday, 14:00\u201315:30")
    ).to_be_visible()
    expect(nurse.page.get_by_text("0 places left of 8")).to_be_visible()
    nurse.click("button", "Ask to join")
    tom = Person(browser, live_server, demo["Group facilitator"], check_accessibility)
    tom.go(group.get_absolute_url())
    tom.click("button", "Accept Amara Okafor")
    nurse.go(group.get_absolute_url())
    expect(nurse.page.get_by_text("Your place: on the waiting list, number 1.")).to_be_visible()
    waiting = Membership.objects.get(group=group, user__email=demo["Staff member (supervisee)"])
    assert Notification.objects.for_target(waiting).filter(kind="group_waiting").count() == 1


def test_an_admin_changes_a_groups_schedule_then_closes_it(
    browser, live_server, demo, check_accessibility
):
    group = Group.objects.get(name="Preceptorship group")
    people = group.memberships.filter(state="active").count() + group.facilitators.count()
    changed = Notification.objects.for_target(group).filter(kind="group_changed")
    told_at_setting_up = changed.count()  # the facilitators, when the group was set up
    admin = Person(browser, live_server, demo["Programme admin"], check_accessibility)
    admin.go(group.get_absolute_url())
    expect(
        admin.page.get_by_text("Every month on the first Thursday, 10:00\u201311:30")
    ).to_be_visible()

    admin.click("button", "Change the group")
    admin.page.get_by_label("Which week of the month").select_option(label="Third")
    admin.click("button", "Save")
    expect(
        admin.page.get_by_text("Every month on the third Thursday, 10:00\u201311:30")
    ).to_be_visible()
    assert changed.count() - told_at_setting_up == people  # one each, not one per meeting
    assert not Notification.objects.filter(kind="group_meeting_changed").exists()

    admin.click("button", "Close the group")
    admin.click("button", "Close the group")  # without a reason
    expect(
        admin.page.get_by_role("link", name="Enter the reason for closing the group")
    ).to_be_visible()
    admin.page.get_by_label("Why is the group closing?").fill("The preceptees have all qualified.")
    admin.click("button", "Close the group")
    expect(admin.page.get_by_text(re.compile("^This group closed on"))).to_be_visible()
    assert Notification.objects.for_target(group).filter(kind="group_closed").count() == people

    admin.go(reverse("peergroups:groups"))
    expect(admin.page.get_by_role("link", name="Preceptorship group")).to_have_count(0)
    admin.click("link", "Closed groups")
    expect(admin.page.get_by_role("link", name="Preceptorship group")).to_be_visible()
    expect(admin.page.get_by_role("link", name="Bank staff reflective group")).to_be_visible()
