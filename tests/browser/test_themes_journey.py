"""Seed 004 in the browser on the demo data, with axe on every page: an external
facilitator writes a theme, her co-facilitator agrees and releases it, and the
wellbeing lead reads it, never the group's record."""

import pytest
from playwright.sync_api import expect

from nonprod.seed004 import GROUP_NAME
from peergroups.models import Group, ThemeStatement
from tests.browser.people import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXTERNAL = "External facilitator (independent practitioner)"


def test_facilitators_release_a_theme_and_the_wellbeing_lead_reads_it(
    browser, live_server, demo, check_accessibility
):
    group = Group.objects.get(name=GROUP_NAME)
    meeting = ThemeStatement.objects.filter(meeting__group=group, state="draft").get().meeting
    themes_page = f"/groups/meetings/{meeting.pk}/themes/"

    # The independent practitioner sees her group, and none of the trust's others.
    morag = Person(browser, live_server, demo[EXTERNAL], check_accessibility)
    morag.go("/groups/")
    expect(morag.page.get_by_role("link", name=GROUP_NAME)).to_be_visible()
    expect(morag.page.get_by_role("link", name="Tuesday reflective practice group")).to_have_count(
        0
    )
    morag.go(meeting.get_absolute_url())
    morag.click("button", "Themes for the organisation")
    expect(morag.page.get_by_text("Do not name or describe people")).to_be_visible()
    morag.page.get_by_label("Conflict").check()
    morag.page.get_by_label("What the organisation should hear").fill(
        "Disagreements about bed moves are left for the night team to settle."
    )
    morag.click("button", "Save the theme")
    expect(morag.page.get_by_text("Your co-facilitator has been asked to agree it")).to_be_visible()

    # Tom agrees and releases both themes she wrote.
    tom = Person(browser, live_server, demo["Group facilitator"], check_accessibility)
    for _ in range(2):
        tom.go(themes_page)
        tom.click("button", "Agree and release")  # the first waiting: its preview page
        expect(
            tom.page.get_by_role("heading", name="What the organisation will see")
        ).to_be_visible()
        expect(tom.page.get_by_text("Not named: fewer than 5 people")).to_be_visible()
        tom.click("button", "Agree and release")
        expect(tom.page.get_by_text("The theme is released")).to_be_visible()
    assert not ThemeStatement.objects.filter(meeting=meeting, state="draft").exists()

    # The wellbeing lead reads the released themes by month, the group not named.
    lead = Person(browser, live_server, demo["Wellbeing lead"], check_accessibility)
    lead.go("/")
    lead.click("link", "Themes from groups")
    lead.page.get_by_label("Month").check()
    lead.click("button", "Show")
    expect(lead.page.get_by_text("Study leave is hard to take")).to_be_visible()
    expect(lead.page.get_by_text("Disagreements about bed moves")).to_be_visible()
    content = lead.page.content()
    assert "We talked about a hard month on the wards." not in content  # the record
    assert GROUP_NAME in content  # the meetings with 6 present name it
