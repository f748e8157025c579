"""Issue 5's journeys on the demo data, in Chromium, with axe on every page."""

import datetime
import re

import pytest
import time_machine
from playwright.sync_api import expect

from peergroups.models import Group, GroupSession, Membership, SupportRequest
from tests.browser.people import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_nurse_waits_for_a_place_takes_it_and_the_facilitator_keeps_the_register(
    browser, live_server, demo, worker, check_accessibility
):
    group = Group.objects.get(name="Tuesday reflective practice group")
    nurse = Person(browser, live_server, demo["Staff member (supervisee)"], check_accessibility)
    nurse.go("/groups/")
    nurse.click("link", "Tuesday reflective practice group")
    nurse.click("button", "Ask to join")

    facilitator = Person(browser, live_server, demo["Group facilitator"], check_accessibility)
    facilitator.go(group.get_absolute_url())
    facilitator.click("button", "Accept Amara Okafor")
    expect(facilitator.page.get_by_role("heading", name="Waiting list")).to_be_visible()
    assert Membership.objects.get(group=group, user__email__startswith="amara").state == "waiting"

    # A member leaves; the place is offered to the nurse, who accepts it.
    membership = Membership.objects.filter(group=group, state="active").order_by("pk").first()
    assert membership is not None
    leaver = membership.user
    member = Person(browser, live_server, leaver.email, check_accessibility)
    member.go(group.get_absolute_url())
    member.click("link", "Leave the group")
    member.page.get_by_label("Why are you leaving? (optional)").fill("Changing shifts")
    member.click("button", "Leave the group")

    nurse.go(group.get_absolute_url())
    nurse.click("button", "Accept or decline the place")
    nurse.click("button", "Accept the place")
    assert Membership.objects.get(group=group, user__email__startswith="amara").state == "active"

    # After the next meeting, the facilitator takes the register and writes the record.
    meeting = GroupSession.objects.filter(group=group).order_by("starts_at").first()
    assert meeting is not None
    with time_machine.travel(meeting.starts_at + datetime.timedelta(hours=2), tick=True):
        # Weeks later: both sign in again.
        facilitator = Person(browser, live_server, demo["Group facilitator"], check_accessibility)
        nurse = Person(browser, live_server, demo["Staff member (supervisee)"], check_accessibility)
        facilitator.go(meeting.get_absolute_url())
        facilitator.click("button", "Take the register")
        for radio in facilitator.page.get_by_role("radio", name="Present").all():
            radio.check()
        facilitator.click("button", "Save the register")
        facilitator.go(meeting.get_absolute_url())
        facilitator.click("button", "Write the record")
        facilitator.page.get_by_label(re.compile("^Restorative")).check()
        facilitator.page.get_by_label("Workload").check()
        facilitator.page.get_by_label("Systemic issues to raise with the organisation").fill(
            "Breaks are routinely missed on night shifts."
        )
        facilitator.click("button", "Save the record")
        nurse.go(meeting.get_absolute_url())
        expect(
            nurse.page.get_by_text("Breaks are routinely missed on night shifts.")
        ).to_be_visible()
    assert meeting.register.filter(status="present").count() == 8


def test_a_junior_doctor_is_supported_after_an_adverse_event(
    browser, live_server, demo, check_accessibility
):
    doctor = Person(browser, live_server, demo["Junior doctor"], check_accessibility)
    doctor.go("/peer-support/")
    doctor.click("button", "Ask for peer support")
    doctor.page.get_by_label("An adverse event or medical error").check()
    doctor.page.get_by_label("Phone call").check()
    doctor.page.get_by_label("Contact details").fill("07700 900123, after 6pm")
    doctor.page.get_by_label(re.compile("^Anything you would like")).fill("A drug error on nights")
    doctor.click("button", "Send request")
    support_request = SupportRequest.objects.get(requester__email=demo["Junior doctor"])

    # The coordinator sees that it exists and when, not what it is about.
    coordinator = Person(browser, live_server, demo["Programme admin"], check_accessibility)
    coordinator.go(support_request.get_absolute_url())
    content = coordinator.page.content()
    assert "drug error" not in content
    assert "07700 900123" not in content
    coordinator.click("button", "Assign a supporter")
    # Grace works in maternity, not the emergency department.
    coordinator.page.get_by_label(re.compile("^Grace Adeyemi")).check()
    coordinator.click("button", "Assign supporter")
    support_request.refresh_from_db()
    assert support_request.supporter is not None
    assert support_request.supporter.email == demo["Peer supporter"]

    supporter = Person(browser, live_server, demo["Peer supporter"], check_accessibility)
    for note in ("Called; talked it through.", "Follow-up: sleeping better."):
        supporter.go(support_request.get_absolute_url())
        expect(supporter.page.get_by_text("A drug error on nights")).to_be_visible()
        supporter.click("button", "Log a check-in")
        supporter.page.get_by_label("Phone call").check()
        supporter.page.get_by_label("Notes (optional)").fill(note)
        supporter.click("button", "Log check-in")
    supporter.go(support_request.get_absolute_url())
    supporter.click("button", "Close the support")
    supporter.page.get_by_label("No further support needed").check()
    supporter.click("button", "Close the support")
    support_request.refresh_from_db()
    assert support_request.status == "closed"
    assert support_request.checkins.count() == 2
