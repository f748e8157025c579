"""Issue 15, "Records keep their meaning", on the demo data, in Chromium, with axe on every page.

A nurse logs an improvement idea; Sam Whitaker, the programme admin, moves it
along and responds in his own name, then removes a patient's name from the
nurse's words, giving the reason: the idea shows "Edited by Sam Whitaker
(programme admin)" beside "Logged by". Sam then rewords a feedback question
people have answered: he is told first what happens, and the past answers keep
the words they were given under.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from feedback.models import FeedbackQuestion, ImprovementIdea
from feedback.services.feedback import feedback_submit, questions_for
from kernel.models import Programme, StaffProfile
from supervision.models import Session
from tests.browser.people import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAFE = "I felt safe and able to speak openly"
REWORDED = "I could talk about anything that mattered to me"


def test_an_admin_edit_is_shown_and_a_reworded_question_keeps_its_answers(
    browser, live_server, demo, check_accessibility
):
    nurse = Person(browser, live_server, demo["Staff member (supervisee)"], check_accessibility)
    nurse.go("/ideas/new/")
    nurse.page.get_by_label("Title").fill("Handover checklist for nights")
    nurse.page.get_by_label("Describe the idea").fill("Mrs Jones in bed 4 waited an hour.")
    nurse.click("button", "Save")
    idea = ImprovementIdea.objects.get(title="Handover checklist for nights")
    author = idea.author
    assert author is not None

    sam = Person(browser, live_server, demo["Programme admin"], check_accessibility)
    sam.go(f"/ideas/{idea.pk}/edit/")
    # His own fields first; the nurse's words are folded away behind a reason.
    expect(sam.page.get_by_label("Describe the idea")).to_be_hidden()
    sam.page.get_by_label("In progress").check()
    sam.page.get_by_label("Response from the programme team (optional)").fill(
        "We will trial it on Ward 7 in January."
    )
    sam.page.get_by_text("Edit what", exact=False).click()
    sam.check(sam.page)
    sam.page.get_by_label("Describe the idea").fill("A patient waited an hour.")
    sam.click("button", "Save")
    # No reason given: refused, the field named, nothing saved.
    expect(sam.page.get_by_text("There is a problem")).to_be_visible()
    expect(sam.page.locator(".nhsuk-error-summary")).to_contain_text(
        "Choose why you are changing what the author wrote"
    )
    idea.refresh_from_db()
    assert idea.description == "Mrs Jones in bed 4 waited an hour."
    sam.page.get_by_label("To remove personal or identifying details").check()
    sam.click("button", "Save")
    expect(sam.page.get_by_text("Edited by Sam Whitaker (programme admin) on")).to_be_visible()

    nurse.go(f"/ideas/{idea.pk}/")
    expect(nurse.page.get_by_text("A patient waited an hour.")).to_be_visible()
    expect(nurse.page.get_by_text("Edited by Sam Whitaker (programme admin) on")).to_be_visible()
    expect(nurse.page.get_by_text("We will trial it on Ward 7 in January.")).to_be_visible()

    # A question people have answered, reworded.
    programme = Programme.objects.get(name__startswith="Band 7 and 8")
    helen = StaffProfile.objects.get(user__email=demo["Supervisor"]).user
    start = (timezone.now() - datetime.timedelta(days=2)).replace(minute=0, second=0)
    session = Session.objects.create(
        programme=programme,
        supervisor=helen,
        supervisee=author,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        status=Session.Status.ATTENDED,
        meeting_link="https://teams.microsoft.com/l/meetup-join/demo",
    )
    answers = {q: 2 for q in questions_for(programme) if q.kind == "rating"}
    feedback_submit(author=author, session=session, answers=answers)
    safe = FeedbackQuestion.objects.get(programme=programme, text=SAFE)

    sam.go(f"/feedback/questions/item/{safe.pk}/edit/")
    expect(
        sam.page.get_by_text("People have already answered this question.", exact=False)
    ).to_be_visible()
    sam.page.get_by_label("Question").fill(REWORDED)
    sam.click("button", "Save")
    expect(sam.page.get_by_text("Reworded", exact=True)).to_be_visible()
    expect(sam.page.get_by_text(f"now as “{REWORDED}”", exact=False)).to_be_visible()
    safe.refresh_from_db()
    assert safe.text == SAFE
    assert safe.retired
    assert next(q.text for q in questions_for(programme)) == REWORDED
