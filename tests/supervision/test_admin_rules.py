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


# --- Extra sessions -----------------------------------------------------------------


def _grant(client, programme, person, **overrides):
    data = {"person": person.profile.pk, "sessions": "2", "reason": "Returning from a hard month"}
    data.update(overrides)
    return client.post(
        reverse("supervision:manage_programme_extra", args=[programme.pk]), data, follow=True
    )


def _home_allowance(client, person, programme) -> str:
    client.force_login(person)
    return client.get(reverse("supervision:home")).content.decode()


def test_extra_sessions_only_for_someone_eligible_for_the_programme(
    client, programme_admin, programme, organisation, frozen_now
):
    from kernel.models import Band
    from supervision.models import AllowanceExtra
    from tests.factories import StaffProfileFactory

    band5 = StaffProfileFactory(
        organisation=organisation, band=Band.BAND_5, user__first_name="Sam", user__last_name="Lee"
    ).user
    client.force_login(programme_admin)
    response = _grant(client, programme, band5)
    page = response.content.decode()
    assert 'class="nhsuk-error-summary"' in page
    # The eligibility rule's own reason, as booking would give it.
    assert "Sam Lee cannot use this programme" in page
    assert "PNA programme" in page
    assert not AllowanceExtra.objects.exists()


def test_extra_sessions_show_a_true_total_and_can_be_revoked_with_a_reason(
    client,
    programme_admin,
    programme,
    band7,
    agreement,
    frozen_now,
    django_capture_on_commit_callbacks,
):
    from django.db import connection

    from audit.models import AuditEntry
    from notifications import registry
    from notifications.models import Notification
    from supervision.models import AllowanceExtra
    from tests.supervision.test_booking import book, tuesday

    book(agreement, tuesday(1, 14))
    assert "1 of 2 sessions left until 31 March 2027" in _home_allowance(client, band7, programme)

    client.force_login(programme_admin)
    _grant(client, programme, band7)
    extra = AllowanceExtra.objects.get()
    # Allowance plus extras, less what is used: on the person's home and booking pages.
    for name in ("supervision:home", "supervision:programmes"):
        client.force_login(band7)
        page = client.get(reverse(name)).content.decode()
        assert "3 of 4 sessions left until 31 March 2027" in page, name
    granted = Notification.objects.get(kind="allowance_extra_granted")
    assert (granted.recipient, granted.target_id) == (band7, extra.pk)

    client.force_login(programme_admin)
    url = reverse("supervision:manage_extra_revoke", args=[extra.pk])
    assert "Revoke extra sessions" in client.get(url).content.decode()
    # A reason is required.
    response = client.post(url, {"reason": ""})
    assert "Enter a reason for revoking the extra sessions" in response.content.decode()
    extra.refresh_from_db()
    assert not extra.is_revoked

    response = client.post(url, {"reason": "Granted to the wrong person"}, follow=True)
    page = response.content.decode()
    assert "now has 2 sessions (1 left)" in page
    assert "Revoked on 23 November 2026" in page  # in the list of extras
    extra.refresh_from_db()
    assert (extra.revoked_by, extra.revoke_reason) == (
        programme_admin,
        "Granted to the wrong person",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT revoke_reason FROM supervision_allowanceextra WHERE id = %s", [extra.pk]
        )
        assert "wrong person" not in str(cursor.fetchone()[0])  # encrypted at rest
    entry = AuditEntry.objects.get(action="allowance.extra_revoked")
    assert entry.details == {"user_id": band7.pk, "sessions": 2, "reason_given": True}
    assert "wrong person" not in entry.summary
    assert "1 of 2 sessions left until 31 March 2027" in _home_allowance(client, band7, programme)

    # The person is told, with the reason, through the outbox.
    told = Notification.objects.get(kind="allowance_extra_revoked")
    assert (told.recipient, told.target_id) == (band7, extra.pk)
    kind = registry.get("allowance_extra_revoked")
    assert kind is not None
    message = kind.render(told)
    assert "Granted to the wrong person" in message.context["reason"]
    assert message.context["allowance"].total == 2

    # Revoking again changes nothing.
    client.force_login(programme_admin)
    client.post(url, {"reason": "Again"})
    assert AuditEntry.objects.filter(action="allowance.extra_revoked").count() == 1
    extra.refresh_from_db()
    assert extra.revoke_reason == "Granted to the wrong person"


def test_the_extra_session_emails_say_what_changed(programme_admin, programme, band7, frozen_now):
    from django.template.loader import render_to_string

    from notifications import registry
    from notifications.models import Notification
    from supervision.services.programmes import allowance_extra_grant, allowance_extra_revoke

    extra = allowance_extra_grant(
        actor=programme_admin, programme=programme, user=band7, sessions=1, reason="Hard month"
    )
    allowance_extra_revoke(actor=programme_admin, extra=extra, reason="Granted by mistake")
    texts = {}
    for kind_name in ("allowance_extra_granted", "allowance_extra_revoked"):
        kind = registry.get(kind_name)
        assert kind is not None
        message = kind.render(Notification.objects.get(kind=kind_name))
        texts[kind_name] = "".join(
            render_to_string(f"notifications/emails/{message.template}.{ext}", message.context)
            for ext in ("txt", "html")
        )
    assert "gave you 1 extra supervision session in" in texts["allowance_extra_granted"]
    assert "Hard month" not in texts["allowance_extra_granted"]
    revoked = texts["allowance_extra_revoked"]
    assert "revoked the 1 extra supervision session" in revoked
    assert "Their reason: Granted by mistake" in revoked
    assert "You have 2 of 2 sessions left." in revoked
