"""Seed 001's learning community in the browser on the demo data, with axe on every page:
a Westfield supporter finds Northgate's shared guide, reads an answer from Northgate,
asks a question, and the coordinator removes it."""

import pytest
from playwright.sync_api import expect

from peergroups.models import CommunityThread
from tests.browser.people import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMMUNITY = "North region peer support learning community"


def test_a_supporter_asks_the_community_and_a_coordinator_moderates(
    browser, live_server, demo, check_accessibility
):
    grace = Person(browser, live_server, demo["Peer supporter"], check_accessibility)
    # The community is linked from her home page and the peer support page too.
    for path in ("/", "/peer-support/"):
        grace.go(path)
        expect(grace.page.get_by_role("link", name=COMMUNITY)).to_be_visible()
    grace.go("/resources/")
    expect(grace.page.get_by_text("Shared by Northgate Community Health").first).to_be_visible()
    grace.click("link", COMMUNITY)
    expect(grace.page.get_by_text("Northgate Community Health", exact=True)).to_be_visible()
    grace.click("button", "Questions and answers")
    grace.click("link", "Keeping in touch when someone goes quiet")
    expect(grace.page.get_by_text("I wait three or four days")).to_be_visible()
    grace.click("link", "Back")
    grace.click("button", "Ask a question")
    expect(grace.page.get_by_text("anything that could identify a person").first).to_be_visible()
    grace.page.get_by_label("Title").fill("Supporting someone through an inquest")
    grace.page.get_by_label("Your question").fill("How do others prepare a colleague?")
    grace.click("button", "Post your question")
    expect(grace.page.get_by_text("Your question has been posted")).to_be_visible()
    thread = CommunityThread.objects.order_by("-pk").first()
    assert thread is not None
    assert thread.title == "Supporting someone through an inquest"

    sam = Person(browser, live_server, demo["Programme admin"], check_accessibility)
    sam.go(thread.get_absolute_url())
    sam.click("link", "Remove this question")
    sam.page.get_by_label("It is not about peer support").check()
    sam.click("button", "Remove it")
    expect(sam.page.get_by_role("heading", name="Removed by a moderator")).to_be_visible()

    grace.go(thread.get_absolute_url())
    expect(grace.page.get_by_role("heading", name="Removed by a moderator")).to_be_visible()
    expect(grace.page.get_by_text("How do others prepare")).to_have_count(0)
