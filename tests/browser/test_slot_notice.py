"""A supervisor adding a slot that starts inside the minimum notice is told why, on the
form (issue 15), in Chromium with axe on every page."""

import datetime
import zoneinfo

import pytest
import time_machine
from playwright.sync_api import expect

from supervision.models import AvailabilitySlot
from tests.browser.people import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONDON = zoneinfo.ZoneInfo("Europe/London")


def test_a_slot_inside_the_notice_is_refused_with_the_reason(
    browser, live_server, demo, check_accessibility
):
    tomorrow = datetime.datetime.now(LONDON).date() + datetime.timedelta(days=1)
    ten = datetime.datetime.combine(tomorrow, datetime.time(10), tzinfo=LONDON)
    with time_machine.travel(ten, tick=True):
        helen = Person(browser, live_server, demo["Supervisor"], check_accessibility)
        helen.go("/supervising/availability/")
        helen.click("link", "Add a single slot")
        page = helen.page
        page.get_by_label("Day").fill(str(tomorrow.day))
        page.get_by_label("Month").fill(str(tomorrow.month))
        page.get_by_label("Year").fill(str(tomorrow.year))
        page.get_by_label("Start time").fill("10:30")
        page.get_by_label("End time").fill("11:30")
        helen.click("button", "Add slot")
        reason = (
            "The slot must start at least 1 hour from now, because people need 1 hour's "
            "notice to book"
        )
        expect(page.locator(".nhsuk-error-summary")).to_contain_text(reason)
        expect(page.locator("#div_id_start_time")).to_contain_text(reason)
        assert not AvailabilitySlot.objects.filter(supervisor__email=demo["Supervisor"]).exists()

        page.get_by_label("Start time").fill("11:30")  # the clock has moved on since 10:00
        page.get_by_label("End time").fill("12:30")
        helen.click("button", "Add slot")
        expect(page.get_by_text("The slot has been added.")).to_be_visible()
