"""Seeds 000 and 003 in the browser, on the demo data, with axe on every page: a junior
doctors' peer group that only doctors can join, asks those who were there how it went,
and measures its impact with SWEMWBS for its leads."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from feedback.models import FeedbackResponse, MeasureResponse
from kernel.models import Grade
from nonprod.impact import GROUP_NAME, demo_doctor
from peergroups.models import Group, Membership
from tests.browser.people import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _new_doctor(group):
    """A junior doctor just starting at the trust: not in the group yet."""
    return demo_doctor(
        group.organisation,
        "Gabriel",
        "Stone",
        "Emergency department",
        "Foundation doctor (FY1)",
        Grade.FY1,
    )


def answer_every_statement(person, answer):
    for fieldset in person.page.locator("fieldset").all():
        fieldset.get_by_label(answer, exact=True).check()


def test_only_doctors_join_members_give_feedback_and_leads_see_the_change(
    browser, live_server, demo, check_accessibility
):
    group = Group.objects.get(name=GROUP_NAME)
    newcomer = _new_doctor(group)

    # A nurse finds the group, and is told why she cannot ask to join it.
    nurse = Person(browser, live_server, demo["Staff member (supervisee)"], check_accessibility)
    nurse.go("/groups/")
    nurse.click("link", GROUP_NAME)
    expect(nurse.page.get_by_text("This group is not open to your profession.")).to_be_visible()
    expect(nurse.page.get_by_role("button", name="Ask to join")).to_have_count(0)

    # A consultant is a doctor, but not a junior one: told which grades it is for.
    consultant = Person(
        browser, live_server, demo["Consultant (not a junior doctor)"], check_accessibility
    )
    consultant.go(group.get_absolute_url())
    expect(
        consultant.page.get_by_text(re.compile(r"^This group is only for doctors in Foundation"))
    ).to_be_visible()
    expect(consultant.page.get_by_role("button", name="Ask to join")).to_have_count(0)

    # The facilitator adds a doctor by email; a nurse's email is refused, saying why.
    facilitator = Person(browser, live_server, demo["Group facilitator"], check_accessibility)
    facilitator.go(group.get_absolute_url())
    facilitator.click("link", "Add someone to the group")
    facilitator.page.get_by_label("Their work email address").fill(
        demo["Staff member (supervisee)"]
    )
    facilitator.click("button", "Add to the group")
    expect(
        facilitator.page.get_by_text("this group is not open to their profession")
    ).to_have_count(
        2  # the error summary and the field
    )
    facilitator.page.get_by_label("Their work email address").fill(newcomer.email)
    facilitator.click("button", "Add to the group")
    expect(facilitator.page.get_by_text("Gabriel Stone is now a member.")).to_be_visible()
    assert Membership.objects.get(group=group, user=newcomer).state == "active"

    # The newcomer answers the programme's wellbeing questions, and sees their own score.
    doctor = Person(browser, live_server, newcomer.email, check_accessibility)
    doctor.go("/wellbeing/")
    doctor.click("link", re.compile("^Answer now"))
    answer_every_statement(doctor, "Often")
    doctor.click("button", "Save my answers")
    expect(doctor.page.get_by_text("Only you can see them")).to_be_visible()
    doctor.click("link", re.compile("^See your scores"))
    expect(doctor.page.get_by_role("cell", name="28")).to_be_visible()
    assert MeasureResponse.objects.get(author=newcomer).raw_score == 28

    # Ife, who was at the last meeting, gives feedback and reads her own answers back.
    ife = Person(browser, live_server, demo["Junior doctor"], check_accessibility)
    ife.go(group.get_absolute_url())
    ife.click("link", re.compile("^Give feedback"))
    for fieldset in ife.page.locator("fieldset").all():
        fieldset.get_by_label(re.compile("^5")).check()
    ife.page.get_by_label("What helped?").fill("Hearing I was not the only one.")
    ife.click("button", "Send feedback")
    expect(ife.page.get_by_role("heading", name="Your answers")).to_be_visible()
    expect(ife.page.get_by_text("Hearing I was not the only one.")).to_be_visible()
    assert FeedbackResponse.objects.filter(author__email=demo["Junior doctor"]).count() == 1

    # The facilitator sees the group's released totals, never who said what.
    facilitator.go("/feedback/summary/")
    expect(facilitator.page.get_by_role("heading", name=GROUP_NAME)).to_be_visible()
    assert "Hearing I was not the only one." not in facilitator.page.content()

    # The wellbeing lead sees the change since joining, as a protected average.
    lead = Person(browser, live_server, demo["Wellbeing lead"], check_accessibility)
    lead.click("link", "Wellbeing since joining")
    expect(
        lead.page.get_by_role("heading", name="Peer support groups for junior doctors")
    ).to_be_visible()
    expect(lead.page.get_by_text("About 3 months after joining")).to_be_visible()

    # The programme admin sees how the measure and the group's rule are set.
    admin = Person(browser, live_server, demo["Programme admin"], check_accessibility)
    admin.go(reverse("supervision:manage_programmes"))
    admin.click("link", "Wellbeing measure for Peer support groups for junior doctors")
    expect(admin.page.get_by_label("Statement 1")).to_have_value(re.compile("^SWEMWBS statement 1"))
    admin.go(reverse("peergroups:group_edit", args=[group.pk]))
    expect(admin.page.get_by_label("Doctor", exact=True)).to_be_checked()
    expect(admin.page.get_by_label("Foundation year 2 (FY2)")).to_be_checked()
    expect(admin.page.get_by_label("Consultant")).not_to_be_checked()
