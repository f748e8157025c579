"""Issue 6's journey on the demo data, in Chromium, with axe on every page.

After a logged session the nurse gets the feedback prompt, gives feedback,
writes a Gibbs reflection and downloads it as a revalidation PDF; the
supervisor sees aggregates only in a released batch of three different people; a
wellbeing check-in answering yes creates a peer-support request.
"""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from feedback.models import FeedbackResponse, WellbeingCheckIn
from feedback.services.feedback import feedback_submit, questions_for
from kernel.models import Programme, StaffProfile
from notifications.services import outside_quiet_hours
from peergroups.models import SupportRequest
from supervision.models import Session, SessionRecord
from supervision.notifications import plan_follow_ups
from tests.browser.people import Person
from tests.outbox import deliver_due
from tests.pdf_pages import box_beside, pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _logged_session(programme, supervisor, supervisee, days_ago):
    start = (timezone.now() - datetime.timedelta(days=days_ago)).replace(
        minute=0, second=0, microsecond=0
    )
    session = Session.objects.create(
        programme=programme,
        supervisor=supervisor,
        supervisee=supervisee,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        status=Session.Status.ATTENDED,
        meeting_link="https://teams.microsoft.com/l/meetup-join/demo",
    )
    SessionRecord.objects.create(session=session, actual_minutes=60, logged_by=supervisor)
    return session


def test_feedback_reflection_and_wellbeing(browser, live_server, demo, check_accessibility):
    nurse_profile = StaffProfile.objects.get(user__email=demo["Staff member (supervisee)"])
    helen = StaffProfile.objects.get(user__email=demo["Supervisor"]).user
    programme = Programme.objects.get(name__startswith="Band 7 and 8")
    session = _logged_session(programme, helen, nurse_profile.user, days_ago=2)

    # The outbox prompts her for feedback: due when the session ends, or at 08:00
    # if it ends in quiet hours, so the test reads the same at any time of day.
    plan_follow_ups(session, session.starts_at - datetime.timedelta(days=1))
    due = outside_quiet_hours(session.ends_at, "Europe/London")
    with time_machine.travel(due + datetime.timedelta(minutes=1), tick=False):
        deliver_due()
    (prompt,) = [
        m
        for m in mail.outbox
        if m.subject == "How was your supervision?" and m.to == [nurse_profile.user.email]
    ]
    found = re.search(r"https?://\S+/feedback/sessions/\d+/", str(prompt.body))
    assert found is not None
    link = found.group(0)

    nurse = Person(browser, live_server, demo["Staff member (supervisee)"], check_accessibility)
    nurse.go("/" + link.split("://", 1)[1].split("/", 1)[1])
    for radio in nurse.page.get_by_role("radio", name="5 - Strongly agree or excellent").all():
        radio.check()
    nurse.page.get_by_label("What helped?").fill("Being listened to without judgement.")
    nurse.click("button", "Send feedback")
    expect(nurse.page.get_by_text("Thank you", exact=False).first).to_be_visible()
    assert FeedbackResponse.objects.filter(author=nurse_profile.user).count() == 1

    # Helen sees nothing until three different people have responded and their
    # month has ended (a batch), and never the text.
    supervisor = Person(browser, live_server, demo["Supervisor"], check_accessibility)
    supervisor.go("/feedback/summary/")
    expect(supervisor.page.get_by_text("No feedback has been released to you yet")).to_be_visible()
    for days, email in ((3, "chidi.obi@westfield.example"), (4, "jordan.lee@westfield.example")):
        other = StaffProfile.objects.get(user__email=email).user
        other_session = _logged_session(programme, helen, other, days_ago=days)
        answers = {q: 4 for q in questions_for(programme) if q.kind == "rating"}
        feedback_submit(author=other, session=other_session, answers=answers)
    supervisor.go("/feedback/summary/")
    expect(supervisor.page.get_by_text("No feedback has been released to you yet")).to_be_visible()
    # The three responses as if given last month: that month's batch is released.
    last_month = timezone.localtime().replace(day=1, hour=12) - datetime.timedelta(days=3)
    FeedbackResponse.objects.filter(supervisor=helen).update(submitted_at=last_month)
    supervisor.go("/feedback/summary/")
    page = supervisor.page.content()
    assert "Being listened to without judgement" not in page
    assert "Amara" not in page
    expect(supervisor.page.get_by_text("from 3 people").first).to_be_visible()
    expect(supervisor.page.get_by_text("4.3").first).to_be_visible()

    # A Gibbs reflection with the themes of the Code it is relevant to, linked to
    # the session (a cancelled one is not offered), exported as an NMC reflective
    # account PDF with the nurse's NMC PIN on it.
    cancelled = Session.objects.create(
        programme=programme,
        supervisor=helen,
        supervisee=nurse_profile.user,
        starts_at=session.starts_at - datetime.timedelta(days=7),
        ends_at=session.ends_at - datetime.timedelta(days=7),
        status=Session.Status.CANCELLED,
        cancelled_at=session.starts_at - datetime.timedelta(days=8),
    )
    nurse.go("/journal/")
    nurse.click("link", "Gibbs' reflective cycle")
    nurse.page.get_by_label("Title").fill("Breaking bad news on nights")
    nurse.page.get_by_label("Description").fill("A relative arrived after the death.")
    nurse.page.get_by_label("Analysis").fill("I learned to slow down and sit with them.")
    nurse.page.get_by_label("Action plan").fill("Ask for a quiet room early.")
    nurse.page.get_by_label("Practise effectively").check()
    nurse.page.get_by_label("Preserve safety").check()
    link_choice = nurse.page.get_by_label("Link it to one of your supervision sessions")
    offered = link_choice.locator("option").evaluate_all("options => options.map(o => o.value)")
    assert str(session.pk) in offered
    assert str(cancelled.pk) not in offered
    link_choice.select_option(str(session.pk))
    nurse.click("button", "Save reflection")
    expect(nurse.page.get_by_text("Practise effectively, Preserve safety")).to_be_visible()

    nurse.go("/journal/export/")
    nurse.click("link", "Add your NMC PIN")
    nurse.page.get_by_label("NMC PIN").fill("12A345")
    nurse.click("button", "Save NMC PIN")
    expect(nurse.page.get_by_role("alert")).to_contain_text(
        "Enter your NMC PIN in the correct format, like 12A3456B"
    )
    nurse.page.get_by_label("NMC PIN").fill("12a 3456b")
    nurse.click("button", "Save NMC PIN")
    expect(nurse.page.get_by_text("Your NMC PIN is saved.")).to_be_visible()
    nurse.click("link", "Export reflections for revalidation")
    expect(nurse.page.get_by_text("Your NMC PIN, 12A3456B, is printed")).to_be_visible()
    nurse.page.get_by_label("Breaking bad news on nights").check()
    with nurse.page.expect_download() as download:
        nurse.page.get_by_role("button", name="Download as PDF").click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    assert b"Reflective accounts form" in pdf
    assert re.search(r"NMC Pin\s+12A3456B", pdf_text(pdf))
    themes = [
        "Prioritise people",
        "Practise effectively",
        "Preserve safety",
        "Promote professionalism and trust",
    ]
    assert [box_beside(pdf, theme) for theme in themes] == ["empty", "ticked", "ticked", "empty"]
    # The printable page marks the same themes.
    nurse.click("button", "Show printable page")
    expect(nurse.page.locator(".journal-box--ticked")).to_have_count(2)
    expect(nurse.page.get_by_text("12A3456B")).to_be_visible()

    # A wellbeing check-in that asks for a peer supporter creates a request.
    nurse.go("/wellbeing/check-in/")
    nurse.page.get_by_label("2: Low").check()
    nurse.page.get_by_role("radio", name="Yes").check()
    nurse.page.get_by_label(re.compile("^I agree that a peer supporter")).check()
    nurse.page.get_by_label("Phone call").check()
    nurse.page.get_by_label("Contact details (if you answered yes)").fill("Ward 7, after 4pm")
    nurse.click("button", "Save my check-in")
    expect(
        nurse.page.get_by_text("We have asked for a peer supporter", exact=False)
    ).to_be_visible()
    checkin = WellbeingCheckIn.objects.get(author=nurse_profile.user)
    assert checkin.support_request_id is not None
    assert SupportRequest.objects.filter(
        pk=checkin.support_request_id, requester=nurse_profile.user
    ).exists()
