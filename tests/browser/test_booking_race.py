"""Two nurses choose the same time with the same supervisor (issue 15), in Chromium with
axe on every page: the first to book gets it; the other is told plainly and sees a fresh
list without that time, and her allowance as it is."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kernel.models import Programme, StaffProfile
from supervision.models import Agreement, AllowanceExtra, Session
from tests.browser.people import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TAKEN = "That time has just been booked by someone else. Choose another time."


def _agreement(programme, supervisor, supervisee) -> Agreement:
    now = timezone.now()
    return Agreement.objects.create(
        programme=programme,
        supervisor=supervisor,
        supervisee=supervisee,
        start_date=timezone.localdate(),
        review_date=timezone.localdate() + datetime.timedelta(days=300),
        supervisor_accepted_at=now,
        supervisee_accepted_at=now,
    )


def test_the_loser_of_a_booking_race_sees_the_time_gone(
    browser, live_server, demo, check_accessibility
):
    programme = Programme.objects.get(name__startswith="Band 7 and 8")
    helen = StaffProfile.objects.get(user__email=demo["Supervisor"]).user
    amara = StaffProfile.objects.get(user__email=demo["Staff member (supervisee)"]).user
    chidi = StaffProfile.objects.get(user__email="chidi.obi@westfield.example").user
    amaras = _agreement(programme, helen, amara)
    chidis = _agreement(programme, helen, chidi)
    # Chidi's two sessions with Daniel Moss use up his allowance: one more, granted.
    AllowanceExtra.objects.create(
        programme=programme,
        user=chidi,
        sessions=1,
        reason="Extra support this quarter",
        valid_from=timezone.localdate() - datetime.timedelta(days=1),
        valid_until=timezone.localdate() + datetime.timedelta(days=365),
    )

    nurse = Person(browser, live_server, amara.email, check_accessibility)
    other = Person(browser, live_server, chidi.email, check_accessibility)
    nurse.go(f"/agreements/{amaras.pk}/book/")
    other.go(f"/agreements/{chidis.pk}/book/")

    # The first time offered to both (Chidi's own sessions take some of his).
    def offered(person):
        return person.page.locator("input[name=slot]").evaluate_all("els => els.map(e => e.value)")

    theirs = set(offered(other))
    time = next(value for value in offered(nurse) if value in theirs)
    wanted = nurse.page.locator(f"input[name=slot][value='{time}']")
    label = nurse.page.locator(f"label[for='{wanted.get_attribute('id')}']").inner_text()

    # Chidi is quicker.
    other.page.locator(f"input[name=slot][value='{time}']").check()
    other.click("button", "Book this session")
    expect(other.page.locator("h1")).to_contain_text("Supervision with Helen Marsh")

    # Amara, on the list she opened before, chooses the same time.
    wanted.check()
    nurse.click("button", "Book this session")
    summary = nurse.page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text(TAKEN)
    expect(nurse.page.locator(f"input[name=slot][value='{time}']")).to_have_count(0)
    expect(nurse.page.get_by_text(label)).to_have_count(0)
    expect(nurse.page.get_by_role("radio").first).to_be_visible()
    expect(nurse.page.get_by_text("2 of 2 sessions left until 31 March")).to_be_visible()
    assert not Session.objects.filter(supervisee=amara).exists()

    # The fresh list books as it should.
    nurse.page.get_by_role("radio").first.check()
    nurse.click("button", "Book this session")
    expect(nurse.page.locator("h1")).to_contain_text("Supervision with Helen Marsh")
