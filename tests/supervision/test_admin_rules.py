"""Admin rules that must hold (issue 18): an ended fixed period is neither created
nor offered, and extra sessions go only to the eligible, add up truly and can be revoked."""

import datetime

import pytest
from django.urls import reverse

from kernel.models import Programme
from supervision.allowances import eligibility
from supervision.services.sessions import BookingRefused, session_book
from tests.supervision.test_manage_programmes import _edit_form, _programme_form

pytestmark = pytest.mark.django_db

ENDED = "The end of the allowance period must be today or in the future"


# --- An ended fixed period ------------------------------------------------------


def test_a_programme_whose_period_has_ended_cannot_be_added(client, programme_admin, frozen_now):
    client.force_login(programme_admin)
    url = reverse("supervision:manage_programme_add")
    response = client.post(url, _programme_form(period_start="2025-04-01", period_end="2026-11-22"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="nhsuk-error-summary"' in page
    assert ENDED in page
    assert not Programme.objects.filter(name="Band 7-8 one-to-one supervision").exists()

    # Ending today (the organisation's today, 23 November 2026) is still open.
    response = client.post(url, _programme_form(period_start="2025-04-01", period_end="2026-11-23"))
    assert response.status_code == 302
    assert Programme.objects.get(name="Band 7-8 one-to-one supervision").period_end == (
        datetime.date(2026, 11, 23)
    )


def test_an_ended_programme_can_be_edited_but_not_given_another_past_end(
    client, programme_admin, programme, frozen_now
):
    programme.period_start = datetime.date(2025, 4, 1)
    programme.period_end = datetime.date(2026, 3, 31)
    programme.save()
    client.force_login(programme_admin)
    url = reverse("supervision:manage_programme_edit", args=[programme.pk])

    # The period left as it is: other changes save.
    response = client.post(url, _edit_form(programme, description="Archived."))
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.description == "Archived."

    # Moved to another date in the past: refused, naming the field.
    response = client.post(url, _edit_form(programme, period_end="2026-06-30"))
    assert response.status_code == 200
    assert ENDED in response.content.decode()
    programme.refresh_from_db()
    assert programme.period_end == datetime.date(2026, 3, 31)

    # A new period in the future: saved, and the programme is offered again.
    response = client.post(
        url, _edit_form(programme, period_start="2026-04-01", period_end="2027-03-31")
    )
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.period_end == datetime.date(2027, 3, 31)


def test_a_programme_whose_period_has_ended_is_not_offered_to_staff(
    client, agreement, programme, band7, frozen_now
):
    assert eligibility(programme, band7.profile).eligible
    programme.period_start = datetime.date(2025, 4, 1)
    programme.period_end = datetime.date(2026, 11, 22)
    programme.save()

    allowed = eligibility(programme, band7.profile)
    assert not allowed.eligible
    assert allowed.reason == "This programme's allowance period ended on 22 November 2026."

    client.force_login(band7)
    for name in ("supervision:home", "supervision:programmes"):
        page = client.get(reverse(name)).content.decode()
        assert "allowance period ended on 22 November 2026" in page, name
        assert "2 sessions" not in page, name

    with pytest.raises(BookingRefused, match="allowance period ended"):
        session_book(
            actor=band7,
            programme=programme,
            supervisor=agreement.supervisor,
            agreement=agreement,
            starts_at=frozen_now + datetime.timedelta(days=7),
        )


def test_an_ended_programme_is_not_offered_as_where_to_go_instead(
    programme, pna_programme, organisation, frozen_now
):
    from kernel.models import Band
    from tests.factories import StaffProfileFactory

    band5 = StaffProfileFactory(organisation=organisation, band=Band.BAND_5)
    assert eligibility(programme, band5).alternative == pna_programme
    pna_programme.period_start = datetime.date(2025, 4, 1)
    pna_programme.period_end = datetime.date(2026, 3, 31)
    pna_programme.save()
    programme.refresh_from_db()
    refused = eligibility(programme, band5)
    assert not refused.eligible
    assert refused.alternative is None
