"""Issue 3's journey on the demo data, in Chromium, with axe on every page.

A Band 7 nurse asks a supervisor for supervision, both accept the agreement,
she books a Teams session and gets the invite, moves it (the invite updates),
the supervisor logs it, she confirms it and has one session left; a third
booking is refused with the reason; a Band 5 nurse is pointed to the PNA route.
A real Celery worker (in this process, on the configured broker) sends the emails.
"""

import datetime
import re
import time

import pytest
import time_machine
from django.core import mail
from playwright.sync_api import expect

from supervision.models import Session
from tests.browser.people import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


AMARA_OR_HELEN = {"amara.okafor@westfield.example", "helen.marsh@westfield.example"}


def wait_for_mail(count, timeout=30):
    """The calendar emails to the nurse and her supervisor (the demo has another pair).

    Only those with an invite: the demo's monthly wellbeing prompts reach them
    too, whenever the worker runs outside quiet hours (21:00 to 08:00).
    """

    def theirs():
        return [
            m
            for m in mail.outbox
            if m.to[0] in AMARA_OR_HELEN and any(a[0] == "invite.ics" for a in m.attachments)
        ]

    deadline = time.monotonic() + timeout
    while len(theirs()) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(theirs()) >= count, [m.subject for m in mail.outbox]
    return theirs()


def invite_of(message):
    return next(content for name, content, kind in message.attachments if name == "invite.ics")


def test_band_7_nurse_books_moves_and_confirms_supervision(
    browser, live_server, demo, worker, check_accessibility
):
    nurse = Person(browser, live_server, demo["Staff member (supervisee)"], check_accessibility)
    page = nurse.page
    expect(page.locator("#your-supervision")).to_contain_text("2 of 2 sessions left until 31 March")

    # Find Helen and ask her for supervision in the Band 7-8 programme.
    nurse.click("link", "Book supervision")
    nurse.click("link", "Find a supervisor")
    nurse.click("link", "Helen Marsh")
    page.get_by_role("button", name="Ask for supervision").first.click()
    nurse.check(page)
    expect(page.locator("h1")).to_contain_text("Supervision agreement with Helen Marsh")
    expect(page.get_by_text("Limits of confidentiality")).to_be_visible()
    nurse.click("button", "Accept this agreement")
    agreement_url = page.url

    supervisor = Person(browser, live_server, demo["Supervisor"], check_accessibility)
    supervisor.click("link", "Amara Okafor has asked you for supervision")
    supervisor.click("button", "Accept this agreement")
    expect(supervisor.page.get_by_text("You have both accepted the agreement")).to_be_visible()

    # Book the first free Teams slot.
    page.goto(agreement_url)
    nurse.click("button", "Book a session")
    page.get_by_role("radio").first.check()
    nurse.click("button", "Book this session")
    expect(page.locator("h1")).to_contain_text("Supervision with Helen Marsh")
    expect(
        page.get_by_role("link", name=re.compile("Join online \\(Microsoft Teams\\)"))
    ).to_be_visible()
    session = Session.objects.get(supervisee__email=demo["Staff member (supervisee)"])

    outbox = wait_for_mail(2)
    assert {m.to[0] for m in outbox} == {
        demo["Staff member (supervisee)"],
        demo["Supervisor"],
    }
    by_person = {m.to[0]: invite_of(m) for m in outbox}
    # The supervisor organises it: their own copy is published, not a request to themselves
    assert "METHOD:PUBLISH" in by_person[demo["Supervisor"]]
    first_invite = by_person[demo["Staff member (supervisee)"]]
    assert "METHOD:REQUEST" in first_invite
    assert "SEQUENCE:0" in first_invite
    assert "TZID=Europe/London" in first_invite
    assert "teams.microsoft.com" in first_invite
    found = re.search(r"UID:(\S+)", first_invite)
    assert found is not None
    uid = found.group(1)

    # Move it to another time: the same invite, a higher sequence.
    nurse.click("button", "Move this session")
    page.get_by_role("radio").nth(1).check()
    page.get_by_label("Why are you moving it?").fill("Clinic moved to Tuesday mornings")
    nurse.click("button", "Move to this time")
    expect(page.get_by_text("The session has moved")).to_be_visible()
    outbox = wait_for_mail(4)
    moved = [m for m in outbox if m.subject.startswith("Supervision moved")]
    assert len(moved) == 2
    moved_invite = invite_of(moved[0])
    assert f"UID:{uid}" in moved_invite
    assert "SEQUENCE:1" in moved_invite
    assert "Clinic moved to Tuesday mornings" in moved[0].body
    assert "has moved from " in moved[0].body  # both times, the old and the new
    session.refresh_from_db()

    # After the session, the supervisor logs it.
    with time_machine.travel(session.ends_at + datetime.timedelta(hours=2), tick=True):
        supervisor.go("/sessions/to-log/")
        supervisor.click("link", re.compile(session.starts_at.strftime("%Y")))
        supervisor.click("button", "Log this session")
        supervisor.page.get_by_label("Attended").check()
        supervisor.page.get_by_label("How long it lasted, in minutes").fill("55")
        supervisor.page.get_by_label(re.compile("^Restorative")).check()
        supervisor.page.get_by_label("Workload").check()
        supervisor.page.get_by_label("Agreed actions").fill("Book a debrief with the team.")
        supervisor.click("button", "Save the record")
        expect(supervisor.page.get_by_text("The session is logged")).to_be_visible()

        # The nurse confirms it and has one session left.
        nurse.go(f"/sessions/{session.pk}/")
        expect(page.get_by_text("Book a debrief with the team.")).to_be_visible()
        nurse.click("button", "Confirm the record")
        page.get_by_label("Your comment (optional)").fill("Helpful, thank you.")
        nurse.click("button", "Confirm")
        expect(page.get_by_text("The session record is confirmed")).to_be_visible()
        nurse.go("/")
        expect(page.locator("#your-supervision")).to_contain_text(
            "1 of 2 sessions left until 31 March"
        )

        # A second booking is fine; a third is refused with the reason.
        page.goto(agreement_url)
        nurse.click("button", "Book a session")
        page.get_by_role("radio").first.check()
        nurse.click("button", "Book this session")
        expect(page.locator("h1")).to_contain_text("Supervision with Helen Marsh")
        page.goto(agreement_url)
        nurse.click("button", "Book a session")
        page.get_by_role("radio").first.check()
        nurse.click("button", "Book this session")
        summary = page.locator(".nhsuk-error-summary")
        expect(summary).to_contain_text("You have used all 2 of your sessions")
        expect(summary).to_contain_text("renews on 1 April")


def test_band_5_nurse_is_pointed_to_the_pna_programme(
    browser, live_server, demo, check_accessibility
):
    nurse = Person(
        browser, live_server, demo["Staff member, band 5 (PNA route)"], check_accessibility
    )
    expect(nurse.page.locator("#your-supervision")).to_contain_text(
        "Band 5 and 6 staff reach supervision through the Professional Nurse Advocate"
    )
    nurse.go("/programmes/")
    nurse.click("link", "Go to Professional Nurse Advocate (PNA) programme")
    expect(nurse.page.get_by_role("link", name="Helen Marsh")).to_be_visible()
