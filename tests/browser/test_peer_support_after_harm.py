"""Seed 001 in Chromium on the demo data, axe on every page: urgent help comes first,
first contact is tracked, a supporter steps back, the requester withdraws."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from peergroups.models import PeerSupportSettings, SupportHandback, SupportRequest
from tests.browser.people import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def urgent_help_comes_first(person):
    """The first thing under the page's heading is the urgent care card."""
    first = person.page.locator("main h1 ~ *").first
    card = person.page.locator("#urgent-help")
    expect(card).to_be_visible()
    expect(card).to_have_class(re.compile("nhsuk-card--care--urgent"))
    expect(card.get_by_role("link", name="999", exact=True)).to_be_visible()
    assert first.evaluate(
        "(node) => node.id === 'urgent-help' || !!node.querySelector('#urgent-help')"
    )


def test_a_doctor_gets_urgent_help_first_and_a_supporter_tracks_first_contact(
    browser, live_server, demo, check_accessibility
):
    # The coordinator sets the trust's employee assistance line.
    coordinator = Person(browser, live_server, demo["Programme admin"], check_accessibility)
    coordinator.go("/peer-support/")
    # Kwame's colleague from the demo: first contact is overdue.
    expect(coordinator.page.get_by_text("Overdue").first).to_be_visible()
    coordinator.click(
        "link", "Peer support settings: urgent help contacts and the first-contact deadline"
    )
    coordinator.page.get_by_label("Employee assistance phone number (optional)").fill(
        "0808 157 0999"
    )
    coordinator.click("button", "Save settings")
    assert PeerSupportSettings.objects.get(organisation__slug="westfield").eap_phone == (
        "0808 157 0999"
    )

    # The junior doctor asks: where to get help now is the first thing on each page.
    doctor = Person(browser, live_server, demo["Junior doctor"], check_accessibility)
    doctor.go("/peer-support/")
    urgent_help_comes_first(doctor)
    doctor.click("button", "Ask for peer support")
    urgent_help_comes_first(doctor)
    expect(doctor.page.locator("#urgent-help")).to_contain_text("0808 157 0999")
    doctor.page.get_by_label("An adverse event or medical error").check()
    doctor.page.get_by_label("Phone call").check()
    doctor.page.get_by_label("Contact details").fill("07700 900123, after 6pm")
    doctor.click("button", "Send request")
    support_request = SupportRequest.objects.get(requester__email=demo["Junior doctor"])
    urgent_help_comes_first(doctor)
    # A change of mind about how to be reached.
    doctor.click("link", "Change")
    doctor.page.get_by_label("Video call").check()
    doctor.page.get_by_label("Contact details").fill("Teams, weekday lunchtimes")
    doctor.click("button", "Save changes")
    support_request.refresh_from_db()
    assert support_request.contact_mode == "teams"

    coordinator.go(support_request.get_absolute_url())
    coordinator.click("button", "Assign a supporter")
    coordinator.page.get_by_label(re.compile("^Grace Adeyemi")).check()
    coordinator.click("button", "Assign supporter")

    # The supporter: urgent help first, a safety route that records no details.
    supporter = Person(browser, live_server, demo["Peer supporter"], check_accessibility)
    supporter.go(support_request.get_absolute_url())
    urgent_help_comes_first(supporter)
    expect(supporter.page.get_by_text("Teams, weekday lunchtimes")).to_be_visible()
    supporter.click("link", "I am worried about this person's safety")
    urgent_help_comes_first(supporter)
    expect(supporter.page.locator("main textarea")).to_have_count(0)
    supporter.click("button", "Alert the coordinators")
    expect(
        supporter.page.get_by_text("The coordinators have been sent an urgent message")
    ).to_be_visible()

    # First contact, as a date.
    supporter.go(support_request.get_absolute_url())
    supporter.click("button", "Record first contact")
    urgent_help_comes_first(supporter)
    today = timezone.localdate()
    dates = supporter.page.get_by_role("group", name="Date of first contact")
    dates.get_by_label("Day").fill(str(today.day))
    dates.get_by_label("Month").fill(str(today.month))
    dates.get_by_label("Year").fill(str(today.year))
    supporter.click("button", "Save date of first contact")
    support_request.refresh_from_db()
    assert support_request.first_contacted_on == today

    # The coordinator sees the date and the safety concern, never the content.
    coordinator.go(support_request.get_absolute_url())
    expect(coordinator.page.get_by_text("Safety concern raised")).to_be_visible()
    content = coordinator.page.content()
    assert "Teams, weekday lunchtimes" not in content
    assert f"{today.day} {today.strftime('%B')} {today.year}" in content

    # The supporter steps back; the coordinator sees why; the doctor withdraws.
    supporter.go(support_request.get_absolute_url())
    supporter.click("link", "Hand back this request")
    urgent_help_comes_first(supporter)
    supporter.page.get_by_label(re.compile("^I cannot give the time")).check()
    supporter.click("button", "Hand back")
    assert SupportHandback.objects.get(request=support_request).reason == "no_time"
    coordinator.go(support_request.get_absolute_url())
    expect(coordinator.page.get_by_text("I cannot give the time at the moment")).to_be_visible()

    doctor.go(support_request.get_absolute_url())
    doctor.click("link", "Withdraw your request")
    urgent_help_comes_first(doctor)
    doctor.click("button", "Withdraw request")
    support_request.refresh_from_db()
    assert (support_request.status, support_request.outcome) == ("closed", "withdrawn")
