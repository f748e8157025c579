"""Issue 3's journey on the demo data, in Chromium, with axe on every page.

A Band 7 nurse asks a supervisor for supervision, both accept the agreement,
her home page says to book and she books a Teams session and gets the invite,
home shows it with its link, she moves it (the invite updates), the supervisor
logs it, home asks her to confirm it and she does, gives feedback from the
session's page and sees her own answers there (the supervisor does not), and has
one session left, writes a reflection on it with the themes of the Code and
downloads it as a revalidation PDF; she books her last session, moves it inside
the notice period (warned that it stays late) and cancels the moved session,
which still counts as late; with none left the booking page says so before
offering any time (issue 15); a Band 5 nurse is pointed to the PNA route.
A real Celery worker (in this process, on the configured broker) sends the emails.
"""

import datetime
import re
import time

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from supervision.models import Session
from tests.browser.people import Person
from tests.pdf_pages import box_beside, pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


AMARA_OR_HELEN = {"amara.okafor@westfield.example", "helen.marsh@westfield.example"}


def wait_for_mail(count, timeout=30):
    """The supervision calendar emails to the nurse and her supervisor (the demo
    has another pair).

    Only those with a supervision invite: the demo's monthly wellbeing prompts
    reach them too, whenever the worker runs outside quiet hours (21:00 to
    08:00), and so do the invites of the demo's groups they belong to.
    """

    def theirs():
        return [
            m
            for m in mail.outbox
            if m.to[0] in AMARA_OR_HELEN
            and m.subject.startswith("Supervision")  # not the demo groups' invites
            and any(a[0] == "invite.ics" for a in m.attachments)
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

    # Her home page says what to do next; she books the first free Teams slot.
    nurse.go("/")
    nurse.click("link", "Helen Marsh accepted — book a session")
    expect(page.locator("h1")).to_contain_text("Book supervision with Helen Marsh")
    expect(page.get_by_text("2 of 2 sessions left until 31 March")).to_be_visible()
    page.get_by_role("radio").first.check()
    nurse.click("button", "Book this session")
    expect(page.locator("h1")).to_contain_text("Supervision with Helen Marsh")
    expect(
        page.get_by_role("link", name=re.compile("Join online \\(Microsoft Teams\\)"))
    ).to_be_visible()
    session = Session.objects.get(supervisee__email=demo["Staff member (supervisee)"])

    # Home now shows the next session, its time and the way to join it.
    nurse.go("/")
    expect(page.get_by_text("accepted — book a session")).to_have_count(0)
    next_session = page.locator("#next-session")
    expect(next_session).to_contain_text("with Helen Marsh")
    expect(
        next_session.get_by_role("link", name="Join online (Microsoft Teams)")
    ).to_have_attribute("href", session.meeting_link)
    nurse.go(session.get_absolute_url())

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

        # Her home page asks her to confirm the record; she does, and has one session left.
        nurse.go("/")
        nurse.click("link", re.compile("^Confirm the record of your session on"))
        expect(page.get_by_text("Book a debrief with the team.")).to_be_visible()
        nurse.click("button", "Confirm the record")
        page.get_by_label("Your comment (optional)").fill("Helpful, thank you.")
        nurse.click("button", "Confirm")
        expect(page.get_by_text("The session record is confirmed")).to_be_visible()

        # The session's page offers feedback, then shows her own answers; Helen's does not.
        nurse.click("button", "Give feedback")
        for radio in page.get_by_role("radio", name="4", exact=True).all():
            radio.check()
        page.get_by_label("What helped?").fill("Time to think about the ward move.")
        nurse.click("button", "Send feedback")
        expect(page.locator("h1")).to_contain_text("Supervision with Helen Marsh")
        feedback = page.locator("#feedback ~ .nhsuk-summary-list")
        expect(page.get_by_role("heading", name="Your feedback")).to_be_visible()
        expect(feedback).to_contain_text("Time to think about the ward move.")
        expect(feedback).to_contain_text("4 out of 5")
        supervisor.go(session.get_absolute_url())
        expect(supervisor.page.get_by_text("Time to think about the ward move.")).to_have_count(0)
        expect(supervisor.page.get_by_role("button", name="Give feedback")).to_have_count(0)
        nurse.go("/")
        expect(page.locator("#your-supervision")).to_contain_text(
            "1 of 2 sessions left until 31 March"
        )

        # She writes a reflection on it, with the themes of the Code, and
        # downloads it for revalidation.
        nurse.go("/journal/")
        nurse.click("link", "Gibbs' reflective cycle")
        page.get_by_label("Title").fill("Supervision after the ward move")
        page.get_by_label("Description").fill("We talked about the move and the team.")
        page.get_by_label("Action plan").fill("Book a debrief with the team.")
        page.get_by_label("Prioritise people").check()
        page.get_by_label("Link it to one of your supervision sessions").select_option(
            str(session.pk)
        )
        nurse.click("button", "Save reflection")
        expect(page.get_by_text("Prioritise people")).to_be_visible()
        nurse.go("/journal/export/")
        page.get_by_label("Supervision after the ward move").check()
        with page.expect_download() as download:
            page.get_by_role("button", name="Download as PDF").click()
        pdf = download.value.path().read_bytes()
        assert "Supervision after the ward move" in pdf_text(pdf)
        assert box_beside(pdf, "Prioritise people") == "ticked"
        assert box_beside(pdf, "Preserve safety") == "empty"

        # A second booking is fine; a third is refused with the reason.
        page.goto(agreement_url)
        nurse.click("button", "Book a session")
        page.get_by_role("radio").first.check()
        nurse.click("button", "Book this session")
        expect(page.locator("h1")).to_contain_text("Supervision with Helen Marsh")
        second = Session.objects.filter(supervisee=session.supervisee).latest("created_at")

    # Inside the notice period she moves the second session (warned that it stays
    # late), then cancels the moved session: still late, so it stays used up.
    with time_machine.travel(second.starts_at - datetime.timedelta(hours=3), tick=True):
        nurse.go(second.get_absolute_url())
        nurse.click("button", "Move this session")
        expect(page.get_by_text("Inside the notice period")).to_be_visible()
        page.get_by_role("radio").last.check()
        page.get_by_label("Why are you moving it?").fill("Short-staffed on the ward")
        nurse.click("button", "Move to this time")
        expect(page.get_by_text("The session has moved")).to_be_visible()
        second.refresh_from_db()
        assert second.moved_late
        assert second.starts_at - timezone.now() > datetime.timedelta(days=1)
        nurse.click("button", "Cancel this session")
        expect(page.get_by_text("Late cancellation")).to_be_visible()
        page.get_by_label("Reason").fill("Still short-staffed")
        nurse.click("button", "Cancel the session")
        second.refresh_from_db()
        assert second.status == Session.Status.CANCELLED
        assert second.late_cancellation
        expect(page.locator("main")).to_contain_text("late")
        expect(page.get_by_role("link", name=re.compile("Join online"))).to_have_count(0)
        # With none left, the booking page says so before offering any time.
        page.goto(agreement_url)
        nurse.click("button", "Book a session")
        callout = page.locator("#no-sessions-left")
        expect(callout).to_contain_text("You have no sessions left")
        expect(callout).to_contain_text("You have used all 2 of your sessions")
        expect(callout).to_contain_text("renews on 1 April")
        expect(page.get_by_role("radio")).to_have_count(0)
        expect(page.get_by_role("button", name="Book this session")).to_have_count(0)


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
