"""Seed 001: where to get help now comes first on every page a requester or supporter
sees; a supporter worried about someone's safety is told whom to contact and can alert
the coordinators without recording any detail; programme admins keep the contacts.

The people are those of tests/peergroups/conftest.py: the junior doctor asks, the
`supporter` supports, the `programme_admin` coordinates.
"""

import datetime
import re
from html import unescape

import pytest
import time_machine
from django.core import mail

from audit.models import AuditEntry
from kernel.models import Role
from notifications.models import Notification
from peergroups.models import PeerSupportSettings
from peergroups.services import support_changes
from tests.factories import RoleGrantFactory, StaffProfileFactory
from tests.outbox import deliver_due

from .support import CONTACT, NOTE, SECRETS, all_mail, kinds, url

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


# --- Urgent help, before anything else -----------------------------------------------


def _text_between_heading_and_urgent_help(page: str) -> str:
    """What a reader meets after the h1 and before the urgent-help card."""
    after_heading = page.split("</h1>", 1)[1]
    assert 'id="urgent-help"' in after_heading, "no urgent-help card after the h1"
    before = after_heading.split('id="urgent-help"', 1)[0]
    return re.sub(r"<[^>]*>", "", before.rsplit("<", 1)[0]).strip()


def _pages(support_request):
    pk = support_request.pk
    return {
        "requester": [
            url("support_requests"),
            url("support_request_add"),
            url("support_request", pk=pk),
            url("support_withdraw", pk=pk),
            url("support_contact", pk=pk),
        ],
        "supporter": [
            url("support_requests"),
            url("support_request", pk=pk),
            url("support_checkin", pk=pk),
            url("support_close", pk=pk),
            url("support_first_contact", pk=pk),
            url("support_hand_back", pk=pk),
            url("support_safety", pk=pk),
            url("supporter_safety"),
            url("supporter_profile"),
        ],
    }


def test_every_requester_and_supporter_page_starts_with_where_to_get_help_now(
    client, assigned, junior_doctor, supporter, trust_settings
):
    for person, pages in (
        (junior_doctor, _pages(assigned)["requester"]),
        (supporter, _pages(assigned)["supporter"]),
    ):
        client.force_login(person)
        for path in pages:
            response = client.get(path)
            assert response.status_code == 200, path
            page = response.content.decode()
            assert _text_between_heading_and_urgent_help(page) == "", path
            card = page.split('id="urgent-help"', 1)[1].split("</ul>", 1)[0]
            assert "nhsuk-card--care--urgent" in page.split('id="urgent-help"', 1)[0][-120:]
            for route in ('href="tel:999"', 'href="tel:111"', 'href="tel:116123"'):
                assert route in card, (path, route)
            assert "Westfield staff support line" in card
            assert 'href="tel:08081570192"' in card
            assert "020 7946 0321" in card
            assert "occhealth@westfield.example" in card


def test_supporter_pages_lead_to_the_safety_page_and_requester_pages_do_not(
    client, assigned, junior_doctor, supporter
):
    safety = url("support_safety", pk=assigned.pk)
    client.force_login(supporter)
    for path in _pages(assigned)["supporter"]:
        page = client.get(path).content.decode()
        if path in (safety, url("supporter_safety")):
            continue
        card = page.split('id="urgent-help"', 1)[1].split("</div>\n</div>", 1)[0]
        link = re.search(r'<a href="([^"]+)">(I am worried about [^<]+)</a>', card)
        assert link is not None, path
        if path.startswith(f"/peer-support/{assigned.pk}/"):
            text = unescape(link.group(2))
            assert (link.group(1), text) == (safety, "I am worried about this person's safety")
        else:
            assert link.group(1) == url("supporter_safety"), path
    client.force_login(junior_doctor)
    for path in _pages(assigned)["requester"]:
        assert "worried about this person" not in client.get(path).content.decode(), path


def test_without_settings_the_national_routes_and_a_named_eap_still_show(client, junior_doctor):
    client.force_login(junior_doctor)
    page = client.get(url("support_request_add")).content.decode()
    assert "Employee assistance programme" in page
    assert "116 123" in page
    assert "within 72 hours of being assigned" in page


# --- The safety route ---------------------------------------------------------------


def test_safety_page_says_whom_to_contact_and_asks_for_no_details(
    client, assigned, supporter, programme_admin, trust_settings
):
    client.force_login(supporter)
    page = client.get(url("support_safety", pk=assigned.pk)).content.decode()
    assert "nhsuk-card--care--emergency" in page
    assert programme_admin.email in page
    assert "020 7946 0555" in page  # the coordinator's phone
    assert "Do not write clinical details" in page
    # No box to type into: the alert carries no details.
    alert_form = page.split("<main", 1)[1].split("<form", 1)[1].split("</form>", 1)[0]
    assert "Alert the coordinators" in alert_form
    assert "<textarea" not in page
    token = re.search(r'<input type="hidden" name="csrfmiddlewaretoken"[^>]*>', alert_form)
    assert token is not None
    assert re.findall(r"<input[^>]*>", alert_form) == [token.group(0)]
    assert NOTE not in page
    assert CONTACT not in page


def test_a_safety_alert_reaches_every_coordinator_at_once_even_at_night(
    client, frozen_now, assigned, supporter, programme_admin, organisation
):
    second_coordinator = StaffProfileFactory(organisation=organisation).user
    RoleGrantFactory(user=second_coordinator, organisation=organisation, role=Role.PROGRAMME_ADMIN)
    deliver_due()
    mail.outbox.clear()
    night = frozen_now.replace(hour=23)
    with time_machine.travel(night, tick=False):
        client.force_login(supporter)
        response = client.post(url("support_safety", pk=assigned.pk))
        assert response.status_code == 302
        assert sorted(kinds(assigned, "support_safety_concern")) == sorted(
            [(programme_admin.pk, night), (second_coordinator.pk, night)]
        )
        assert deliver_due() == ["sent", "sent"]  # not held back for the morning
    assigned.refresh_from_db()
    assert assigned.safety_concern_at == night
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [programme_admin.email, second_coordinator.email]
    )
    text = all_mail()
    assert supporter.get_full_name() in text
    assert f"request {assigned.pk}" in text
    assert "999" in text
    for secret in SECRETS:
        assert secret not in text
    assert assigned.requester.get_full_name() not in text
    entry = AuditEntry.objects.get(action="support_request.safety_concern")
    assert entry.details == {"status": "assigned"}


def test_a_second_safety_alert_within_12_hours_is_refused_and_sends_nothing(
    client, frozen_now, assigned, supporter, programme_admin
):
    client.force_login(supporter)
    client.post(url("support_safety", pk=assigned.pk))
    with time_machine.travel(frozen_now + 2 * HOUR, tick=False):
        response = client.post(url("support_safety", pk=assigned.pk))
        assert response.status_code == 200
        assert "You told the coordinators at Monday 23 November 2026, 09:00 GMT" in (
            response.content.decode()
        )
    assert Notification.objects.filter(kind="support_safety_concern").count() == 1
    with time_machine.travel(frozen_now + 13 * HOUR, tick=False):
        assert client.post(url("support_safety", pk=assigned.pk)).status_code == 302
    assert Notification.objects.filter(kind="support_safety_concern").count() == 2


def test_the_coordinator_sees_that_a_safety_concern_was_raised_and_nothing_more(
    client, assigned, supporter, programme_admin
):
    support_changes.safety_concern_raise(actor=supporter, support_request=assigned)
    client.force_login(programme_admin)
    for path in (url("support_requests"), assigned.get_absolute_url()):
        page = client.get(path).content.decode()
        assert "Safety concern" in page
        for secret in SECRETS:
            assert secret not in page


def test_the_general_safety_page_lists_the_people_a_supporter_supports(client, assigned, supporter):
    client.force_login(supporter)
    page = client.get(url("supporter_safety")).content.decode()
    assert url("support_safety", pk=assigned.pk) in page
    assert "Alert the coordinators" not in page
    assert client.post(url("supporter_safety")).status_code == 405


# --- The organisation's settings --------------------------------------------------------


def test_a_programme_admin_sets_the_contacts_and_the_deadline(
    client, programme_admin, organisation, junior_doctor
):
    client.force_login(programme_admin)
    assert client.get(url("support_settings")).status_code == 200
    response = client.post(
        url("support_settings"),
        {
            "eap_name": "Westfield staff support line",
            "eap_phone": "0808 157 0192",
            "eap_hours": "24 hours a day",
            "occupational_health_phone": "",
            "occupational_health_email": "occhealth@westfield.example",
            "coordinator_phone": "+44 20 7946 0555",
            "first_contact_hours": "48",
        },
    )
    assert response.status_code == 302
    saved = PeerSupportSettings.objects.get(organisation=organisation)
    assert (saved.eap_phone, saved.first_contact_hours) == ("0808 157 0192", 48)
    assert AuditEntry.objects.filter(action="peer_support_settings.updated").count() == 1
    client.force_login(junior_doctor)
    page = client.get(url("support_request_add")).content.decode()
    assert "Westfield staff support line" in page
    assert "within 48 hours of being assigned" in page


def test_an_admin_of_another_trust_sets_their_own_trusts_settings_only(
    client, outsider, organisation, other_organisation
):
    client.force_login(outsider)
    client.post(url("support_settings"), {"first_contact_hours": "96"})
    assert not PeerSupportSettings.objects.filter(organisation=organisation).exists()
    assert (
        PeerSupportSettings.objects.get(organisation=other_organisation).first_contact_hours == 96
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_contact_hours", "", "Enter the hours a supporter has to make first contact"),
        ("first_contact_hours", "0", "must be 24 or more"),
        ("first_contact_hours", "1000", "must be 336 or fewer"),
        ("first_contact_hours", "two days", "must be a whole number"),
        ("eap_phone", "ring reception", "Enter the employee assistance phone number using"),
        ("occupational_health_phone", "12", "Enter the occupational health phone number"),
        ("occupational_health_email", "occhealth", "occupational health email address"),
    ],
)
def test_bad_settings_are_explained_and_name_the_field(
    client, programme_admin, organisation, field, value, message
):
    client.force_login(programme_admin)
    response = client.post(url("support_settings"), {"first_contact_hours": "72", field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PeerSupportSettings.objects.filter(organisation=organisation).exists()


def test_the_database_refuses_a_deadline_out_of_range(organisation):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        PeerSupportSettings.objects.create(organisation=organisation, first_contact_hours=2)
