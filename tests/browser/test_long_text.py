"""Long unbroken text wraps instead of widening the page (issue 15), on a phone.

People's own words can hold a string with no spaces: a pasted link, a reference
number, a key held down. On every page that shows what people wrote, a 300-character
one must not make the page wider than a phone's screen; axe checks each page too.
"""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from feedback.models import QuestionKind
from feedback.services.feedback import feedback_submit, questions_for
from feedback.services.ideas import idea_create
from feedback.services.journal import journal_entry_create
from kernel.models import Programme, StaffProfile
from supervision.models import Agreement, Session, SessionRecord, SupervisorProfile
from tests.browser.people import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG = "Nobodytypedanyspaces" * 15  # 300 characters, not one place to break
PHONE = {"width": 375, "height": 740}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _session(agreement, days, **fields):
    start = (timezone.now() + datetime.timedelta(days=days)).replace(
        minute=0, second=0, microsecond=0
    )
    return Session.objects.create(
        programme=agreement.programme,
        agreement=agreement,
        supervisor=agreement.supervisor,
        supervisee=agreement.supervisee,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        meeting_link="https://teams.microsoft.com/l/meetup-join/" + LONG,
        **fields,
    )


def _long_words_everywhere(nurse, helen) -> dict[str, str]:
    """What Amara and Helen wrote, each a long unbroken string; the pages that show it."""
    programme = Programme.objects.get(name__startswith="Band 7 and 8")
    SupervisorProfile.objects.filter(user=helen).update(bio=LONG)
    helen.last_name = LONG[:150]  # a name is people's own words too (home, lists)
    helen.save(update_fields=["last_name"])
    now = timezone.now()
    agreement = Agreement.objects.create(
        programme=programme,
        supervisor=helen,
        supervisee=nurse,
        ground_rules=LONG,
        frequency=LONG[:200],
        confidentiality_limits=LONG,
        start_date=timezone.localdate() - datetime.timedelta(days=30),
        review_date=timezone.localdate() + datetime.timedelta(days=300),
        supervisor_accepted_at=now,
        supervisee_accepted_at=now,
    )
    held = _session(agreement, -3, status=Session.Status.ATTENDED)
    SessionRecord.objects.create(
        session=held,
        actual_minutes=60,
        agreed_actions=LONG,
        supervisee_comment=LONG,
        supervisee_confirmed_at=now,
        logged_by=helen,
    )
    answers = {q: 4 if q.kind == QuestionKind.RATING else LONG for q in questions_for(programme)}
    feedback_submit(author=nurse, session=held, answers=answers)
    cancelled = _session(
        agreement,
        -10,
        status=Session.Status.CANCELLED,
        cancelled_by=Session.CancelledBy.SUPERVISOR,
        cancelled_at=now,
        cancellation_reason=LONG,
    )
    _session(agreement, 5)  # coming up: its link shows on the home page
    entry = journal_entry_create(
        author=nurse,
        template="gibbs",
        title=LONG[:200],
        sections={"description": LONG, "analysis": LONG},
    )
    idea = idea_create(actor=nurse, title=LONG[:200], description=LONG, team=LONG[:200])
    return {
        "home": "/",
        "agreement": agreement.get_absolute_url(),
        "session": held.get_absolute_url(),
        "cancelled session": cancelled.get_absolute_url(),
        "sessions": "/sessions/",
        "journal": "/journal/",
        "journal entry": f"/journal/{entry.pk}/",
        "ideas": "/ideas/",
        "idea": f"/ideas/{idea.pk}/",
        "supervisor": f"/supervisors/{helen.supervisor_profile.pk}/",
    }


def test_long_unbroken_text_does_not_widen_the_page_on_a_phone(
    browser, live_server, demo, check_accessibility
):
    nurse_user = StaffProfile.objects.get(user__email=demo["Staff member (supervisee)"]).user
    helen = StaffProfile.objects.get(user__email=demo["Supervisor"]).user
    pages = _long_words_everywhere(nurse_user, helen)

    nurse = Person(browser, live_server, demo["Staff member (supervisee)"], check_accessibility)
    nurse.page.set_viewport_size(PHONE)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    too_wide = {}
    for name, path in pages.items():
        nurse.go(path)
        # The long words are on this page, to be read
        assert LONG[:60] in nurse.page.inner_text("main"), name
        widths = nurse.page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        nurse.page.screenshot(
            path=SCREENSHOTS / f"long-text-{name.replace(' ', '-')}.png", full_page=True
        )
        if widths[0] > widths[1]:
            too_wide[name] = widths
    assert too_wide == {}
