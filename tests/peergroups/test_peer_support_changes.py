"""Peer support after harm, seed 001: urgent help first, first contact tracked, and
plans that change (a supporter steps back, a requester withdraws or changes how to
be reached, the support closes).

The people are those of test_peer_support.py (tests/peergroups/conftest.py): the
junior doctor asks, the `supporter` supports, the `programme_admin` coordinates
and sees status and dates only.
"""

import datetime
import re
from html import unescape

import pytest
import time_machine
from django.core import mail
from django.utils.html import escape

from audit.models import AuditEntry
from kernel.models import Role
from notifications.models import Notification
from peergroups import notifications_peer, tasks
from peergroups.models import (
    PeerSupporterProfile,
    PeerSupportSettings,
    SupportHandback,
    SupportRequest,
)
from peergroups.services import peer_support as services
from peergroups.services import support_changes
from supervision_site.celery import app
from tests.factories import RoleGrantFactory, StaffProfileFactory
from tests.outbox import deliver_due

from .support import CONTACT, NOTE, SECRETS, all_mail, make_request, pending, url

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def assigned(frozen_now, junior_doctor, supporter):
    """A request the doctor made naming the supporter: assigned now, no contact yet."""
    return make_request(junior_doctor, supporter=supporter)


@pytest.fixture
def second_supporter(organisation):
    profile = StaffProfileFactory(organisation=organisation)
    RoleGrantFactory(user=profile.user, organisation=organisation, role=Role.PEER_SUPPORTER)
    PeerSupporterProfile.objects.create(user=profile.user)
    return profile.user


@pytest.fixture
def trust_settings(organisation):
    return PeerSupportSettings.objects.create(
        organisation=organisation,
        eap_name="Westfield staff support line",
        eap_phone="0808 157 0192",
        eap_hours="24 hours a day",
        occupational_health_phone="020 7946 0321",
        occupational_health_email="occhealth@westfield.example",
        coordinator_phone="020 7946 0555",
    )


def kinds(support_request, kind):
    return [(r, due) for k, r, due in pending(support_request) if k == kind]


def scan(at):
    with time_machine.travel(at, tick=False):
        return notifications_peer.schedule_first_contact_prompts()


def deliver_at(at):
    with time_machine.travel(at, tick=False):
        return deliver_due()


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
        assert "You told the coordinators at 23 November 2026, 09:00" in (response.content.decode())
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


# --- First contact ---------------------------------------------------------------------


def test_supporter_records_the_date_of_first_contact_and_the_coordinator_sees_it(
    client, frozen_now, assigned, supporter, programme_admin
):
    client.force_login(supporter)
    response = client.post(
        url("support_first_contact", pk=assigned.pk),
        {
            "first_contacted_on_day": "23",
            "first_contacted_on_month": "11",
            "first_contacted_on_year": "2026",
        },
    )
    assert response.status_code == 302
    assigned.refresh_from_db()
    assert assigned.first_contacted_on == datetime.date(2026, 11, 23)
    entry = AuditEntry.objects.get(action="support_request.first_contact")
    assert entry.details == {"status": "assigned", "on": "2026-11-23"}
    client.force_login(programme_admin)
    with time_machine.travel(frozen_now + 4 * DAY, tick=False):
        for path in (url("support_requests"), assigned.get_absolute_url()):
            page = client.get(path).content.decode()
            assert "23 Nov 2026" in page or "23 November 2026" in page
            assert "verdue" not in page


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({}, "Enter the date of first contact"),
        ({"first_contacted_on": "2026-02-30"}, "Date of first contact must be a real date"),
        ({"first_contacted_on": "2026-11-24"}, "must be today or in the past"),
        ({"first_contacted_on": "2026-11-22"}, "on or after 23 November 2026"),
    ],
)
def test_a_wrong_date_of_first_contact_is_explained_not_saved(
    client, assigned, supporter, posted, message
):
    client.force_login(supporter)
    response = client.post(url("support_first_contact", pk=assigned.pk), posted)
    assert response.status_code == 200
    assert message in response.content.decode()
    assigned.refresh_from_db()
    assert assigned.first_contacted_on is None


def test_the_service_refuses_a_future_date_and_one_before_the_assignment(
    frozen_now, assigned, supporter
):
    for day in (datetime.date(2026, 11, 24), datetime.date(2026, 11, 22)):
        with pytest.raises(services.ValidationError) as refused:
            services.first_contact_record(
                actor=supporter, support_request=assigned, first_contacted_on=day
            )
        assert "first_contacted_on" in refused.value.error_dict


def test_a_check_in_after_the_assignment_is_first_contact(frozen_now, assigned, supporter):
    # One dated before the assignment is not.
    services.checkin_log(
        actor=supporter,
        support_request=assigned,
        happened_at=frozen_now - 2 * DAY,
        mode="phone",
    )
    assigned.refresh_from_db()
    assert assigned.first_contacted_on is None
    with time_machine.travel(frozen_now + 30 * HOUR, tick=False):
        services.checkin_log(
            actor=supporter,
            support_request=assigned,
            happened_at=frozen_now + 29 * HOUR,
            mode="phone",
        )
    assigned.refresh_from_db()
    assert assigned.first_contacted_on == datetime.date(2026, 11, 24)


def test_first_contact_is_due_the_organisations_hours_after_assignment(
    frozen_now, waiting_request, programme_admin, supporter, trust_settings
):
    trust_settings.first_contact_hours = 48
    trust_settings.save()
    later = frozen_now + 5 * HOUR
    with time_machine.travel(later, tick=False):
        services.support_request_assign(
            actor=programme_admin, support_request=waiting_request, supporter=supporter
        )
    waiting_request.refresh_from_db()
    assert waiting_request.first_contact_due == later + 48 * HOUR


@pytest.fixture
def waiting_request(frozen_now, junior_doctor, programme_admin):
    return make_request(junior_doctor)


def test_overdue_is_one_rule_for_waiting_and_assigned_requests(
    frozen_now, assigned, waiting_request, supporter
):
    def overdue(at):
        return dict(SupportRequest.objects.with_overdue(at).values_list("pk", "overdue"))

    due = frozen_now + 72 * HOUR
    assert overdue(due - HOUR) == {assigned.pk: False, waiting_request.pk: False}
    assert overdue(due + HOUR) == {assigned.pk: True, waiting_request.pk: True}
    services.first_contact_record(
        actor=supporter, support_request=assigned, first_contacted_on=frozen_now.date()
    )
    assert overdue(due + HOUR)[assigned.pk] is False


def test_the_coordinator_and_the_supporter_see_the_overdue_flag(
    client, frozen_now, assigned, supporter, programme_admin
):
    with time_machine.travel(frozen_now + 73 * HOUR, tick=False):
        client.force_login(programme_admin)
        assert "Overdue" in client.get(url("support_requests")).content.decode()
        assert "First contact overdue" in client.get(assigned.get_absolute_url()).content.decode()
        client.force_login(supporter)
        assert "First contact overdue" in client.get(assigned.get_absolute_url()).content.decode()
        assert "1 is waiting for a first contact" in client.get("/").content.decode()


# --- First contact's reminder and alert: each once --------------------------------------


def test_the_supporter_is_reminded_once_a_day_before_first_contact_is_due(
    frozen_now, assigned, supporter
):
    deliver_due()
    mail.outbox.clear()
    remind_at = frozen_now + 48 * HOUR
    scan(remind_at - HOUR)
    assert kinds(assigned, "support_first_contact_reminder") == []
    for _ in range(3):  # beat runs every 15 minutes; twice at once changes nothing
        scan(remind_at + 10 * datetime.timedelta(minutes=1))
    assert kinds(assigned, "support_first_contact_reminder") == [(supporter.pk, remind_at)]
    assert deliver_at(remind_at + 11 * datetime.timedelta(minutes=1)) == ["sent"]
    scan(remind_at + 2 * HOUR)
    assert deliver_at(remind_at + 2 * HOUR) == []
    assert [m.to for m in mail.outbox] == [[supporter.email]]
    assert "first contact" in mail.outbox[0].subject.lower()
    assert url("support_first_contact", pk=assigned.pk) in mail.outbox[0].body
    for secret in SECRETS:
        assert secret not in all_mail()


def test_the_coordinators_are_alerted_once_when_first_contact_is_overdue(
    frozen_now, assigned, supporter, programme_admin, junior_doctor
):
    deliver_due()
    mail.outbox.clear()
    due = frozen_now + 72 * HOUR
    scan(due - datetime.timedelta(minutes=1))
    assert kinds(assigned, "support_first_contact_overdue") == []
    for minutes in (1, 16, 31):
        scan(due + datetime.timedelta(minutes=minutes))
    assert kinds(assigned, "support_first_contact_overdue") == [(programme_admin.pk, due)]
    sent = deliver_at(due + datetime.timedelta(minutes=32))
    assert "sent" in sent
    scan(due + 2 * HOUR)
    assert deliver_at(due + 2 * HOUR) == []
    alert = next(m for m in mail.outbox if m.to == [programme_admin.email])
    assert f"request {assigned.pk}" in alert.subject
    assert supporter.get_full_name() in alert.body
    assert junior_doctor.email not in [m.to[0] for m in mail.outbox]
    text = all_mail()
    for secret in SECRETS:
        assert secret not in text
    assert escape(junior_doctor.get_full_name()) not in text


def test_recording_first_contact_stops_the_reminder_and_the_alert(frozen_now, assigned, supporter):
    remind_at = frozen_now + 48 * HOUR
    scan(remind_at)
    assert kinds(assigned, "support_first_contact_reminder") != []
    services.first_contact_record(
        actor=supporter, support_request=assigned, first_contacted_on=frozen_now.date()
    )
    assert kinds(assigned, "support_first_contact_reminder") == []
    scan(frozen_now + 73 * HOUR)
    assert kinds(assigned, "support_first_contact_overdue") == []


def test_a_reminder_planned_for_an_earlier_assignment_renders_nothing(
    frozen_now, assigned, supporter, second_supporter, programme_admin
):
    scan(frozen_now + 48 * HOUR)
    stale = Notification.objects.get(kind="support_first_contact_reminder")
    with time_machine.travel(frozen_now + 48 * HOUR + HOUR, tick=False):
        services.support_request_assign(
            actor=programme_admin, support_request=assigned, supporter=second_supporter
        )
    # Escaped cancellation (claimed by a worker at that moment): it still sends nothing.
    Notification.objects.filter(pk=stale.pk).update(state=Notification.State.PENDING)
    assert "no longer needed" in deliver_at(frozen_now + 50 * HOUR)


def test_beat_runs_the_first_contact_scan_every_15_minutes(frozen_now, assigned):
    entry = next(
        spec
        for spec in app.conf.beat_schedule.values()
        if spec["task"] == "peergroups.tasks.schedule_first_contact_prompts"
    )
    assert entry["schedule"].minute == {0, 15, 30, 45}
    with time_machine.travel(frozen_now + 49 * HOUR, tick=False):
        assert tasks.schedule_first_contact_prompts() == 1
    assert len(kinds(assigned, "support_first_contact_reminder")) == 1


# --- A supporter steps back ------------------------------------------------------------


def test_a_supporter_declines_the_coordinator_is_told_and_reassigns(
    client, frozen_now, assigned, supporter, second_supporter, programme_admin, junior_doctor
):
    deliver_due()
    mail.outbox.clear()
    client.force_login(supporter)
    response = client.post(url("support_hand_back", pk=assigned.pk), {"reason": "conflict"})
    assert response.status_code == 302
    assigned.refresh_from_db()
    assert (assigned.status, assigned.supporter, assigned.assigned_at) == ("new", None, None)
    handback = SupportHandback.objects.get(request=assigned)
    assert (handback.supporter, handback.reason, handback.after_first_contact) == (
        supporter,
        "conflict",
        False,
    )
    # The supporter no longer sees it.
    assert client.get(assigned.get_absolute_url()).status_code == 404
    assert sorted(deliver_due()) == ["sent", "sent"]
    to_coordinator = next(m for m in mail.outbox if m.to == [programme_admin.email])
    assert "conflict of interest" in to_coordinator.body
    to_requester = next(m for m in mail.outbox if m.to == [junior_doctor.email])
    assert "conflict" not in to_requester.body
    assert "another supporter" in to_requester.body
    for secret in SECRETS:
        assert secret not in all_mail()

    client.force_login(programme_admin)
    page = client.get(assigned.get_absolute_url()).content.decode()
    assert escape(supporter.get_full_name()) in page
    assert "conflict of interest" in page
    suggested = client.get(url("support_assign", pk=assigned.pk)).context["suggested"]
    assert supporter not in suggested
    assert second_supporter in suggested
    response = client.post(url("support_assign", pk=assigned.pk), {"supporter": supporter.pk})
    assert "already handed this request back" in response.content.decode()
    later = frozen_now + 2 * HOUR
    with time_machine.travel(later, tick=False):
        response = client.post(
            url("support_assign", pk=assigned.pk), {"supporter": second_supporter.pk}
        )
    assert response.status_code == 302
    assigned.refresh_from_db()
    assert assigned.supporter == second_supporter
    assert assigned.first_contact_due == later + 72 * HOUR


def test_handing_back_after_first_contact_clears_it_for_the_next_supporter(
    frozen_now, assigned, supporter, second_supporter, programme_admin
):
    services.first_contact_record(
        actor=supporter, support_request=assigned, first_contacted_on=frozen_now.date()
    )
    handback = support_changes.support_request_hand_back(
        actor=supporter, support_request=assigned, reason="no_time"
    )
    assert handback.after_first_contact is True
    assigned.refresh_from_db()
    assert assigned.first_contacted_on is None
    entry = AuditEntry.objects.get(action="support_request.handed_back")
    assert entry.details["reason"] == "no_time"
    services.support_request_assign(
        actor=programme_admin, support_request=assigned, supporter=second_supporter
    )
    scan(frozen_now + 49 * HOUR)
    assert kinds(assigned, "support_first_contact_reminder") == [
        (second_supporter.pk, frozen_now + 48 * HOUR)
    ]


def test_stepping_back_needs_a_reason_from_the_list(client, assigned, supporter):
    client.force_login(supporter)
    for posted in ({}, {"reason": "I just don't want to"}):
        response = client.post(url("support_hand_back", pk=assigned.pk), posted)
        assert response.status_code == 200
        assert "Select" in response.content.decode()
    assigned.refresh_from_db()
    assert assigned.supporter == supporter
    assert "<textarea" not in client.get(url("support_hand_back", pk=assigned.pk)).content.decode()


# --- The requester withdraws, or changes how to be contacted ----------------------------


def test_a_waiting_request_withdrawn_tells_nobody_and_stops_the_coordinators_message(
    client, frozen_now, waiting_request, junior_doctor, programme_admin
):
    assert kinds(waiting_request, "support_request_new") != []
    client.force_login(junior_doctor)
    assert client.get(url("support_withdraw", pk=waiting_request.pk)).status_code == 200
    response = client.post(url("support_withdraw", pk=waiting_request.pk))
    assert response.status_code == 302
    waiting_request.refresh_from_db()
    assert (waiting_request.status, waiting_request.outcome) == ("closed", "withdrawn")
    assert pending(waiting_request) == []
    assert deliver_due() == []
    # Withdrawn is withdrawn: a second go is turned away with a reason.
    response = client.post(url("support_withdraw", pk=waiting_request.pk), follow=True)
    assert "This request is closed." in response.content.decode()


def test_the_supporter_is_told_once_when_an_assigned_request_is_withdrawn(
    client, frozen_now, assigned, junior_doctor, supporter
):
    deliver_due()
    mail.outbox.clear()
    support_changes.support_request_withdraw(actor=junior_doctor, support_request=assigned)
    assert pending(assigned) == [("support_withdrawn", supporter.pk, frozen_now)]
    assert deliver_due() == ["sent"]
    assert deliver_due() == []
    assert mail.outbox[0].to == [supporter.email]
    assert "withdrawn" in mail.outbox[0].subject
    for secret in SECRETS:
        assert secret not in all_mail()
    # Nothing later: no reminder, no alert.
    scan(frozen_now + 73 * HOUR)
    assert pending(assigned) == []


def test_only_the_requester_withdraws_and_a_supporter_cannot_close_as_withdrawn(
    client, assigned, supporter, programme_admin
):
    for person in (supporter, programme_admin):
        client.force_login(person)
        assert client.post(url("support_withdraw", pk=assigned.pk)).status_code == 403
    client.force_login(supporter)
    response = client.post(url("support_close", pk=assigned.pk), {"outcome": "withdrawn"})
    assert response.status_code == 200
    with pytest.raises(services.ValidationError):
        services.support_request_close(
            actor=supporter, support_request=assigned, outcome="withdrawn"
        )
    assigned.refresh_from_db()
    assert assigned.status == "assigned"


def test_the_requester_changes_how_to_be_contacted_and_the_supporter_is_told_to_look(
    client, frozen_now, assigned, junior_doctor, supporter
):
    deliver_due()
    mail.outbox.clear()
    client.force_login(junior_doctor)
    form = client.get(url("support_contact", pk=assigned.pk)).context["form"]
    assert form.initial == {"contact_mode": "phone", "contact_detail": CONTACT}
    new_detail = "Teams, weekday lunchtimes only"
    response = client.post(
        url("support_contact", pk=assigned.pk),
        {"contact_mode": "teams", "contact_detail": new_detail},
    )
    assert response.status_code == 302
    assigned.refresh_from_db()
    assert (assigned.contact_mode, assigned.contact_detail) == ("teams", new_detail)
    assert deliver_due() == ["sent"]
    assert mail.outbox[0].to == [supporter.email]
    assert new_detail not in all_mail()
    assert "Teams" not in all_mail()
    client.force_login(supporter)
    assert new_detail in client.get(assigned.get_absolute_url()).content.decode()
    entry = AuditEntry.objects.get(action="support_request.contact_changed")
    assert new_detail not in f"{entry.summary} {entry.details}"


@pytest.mark.parametrize(
    "posted",
    [
        {"contact_mode": "", "contact_detail": "x"},
        {"contact_mode": "telepathy", "contact_detail": "x"},
        {"contact_mode": "phone", "contact_detail": ""},
        {"contact_mode": "phone", "contact_detail": "x" * 201},
    ],
)
def test_a_bad_change_of_contact_is_explained_not_saved(client, assigned, junior_doctor, posted):
    client.force_login(junior_doctor)
    response = client.post(url("support_contact", pk=assigned.pk), posted)
    assert response.status_code == 200
    assert response.context["form"].errors
    assigned.refresh_from_db()
    assert assigned.contact_detail == CONTACT


# --- Closing: the requester is told ---------------------------------------------------


def test_the_requester_is_told_once_when_their_support_is_closed(
    frozen_now, assigned, junior_doctor, supporter
):
    deliver_due()
    mail.outbox.clear()
    services.support_request_close(actor=supporter, support_request=assigned, outcome="eap")
    assert pending(assigned) == [("support_closed", junior_doctor.pk, frozen_now)]
    assert deliver_due() == ["sent"]
    assert deliver_due() == []
    assert mail.outbox[0].to == [junior_doctor.email]
    assert "closed" in mail.outbox[0].subject
    # The outcome is in the app, not in an email someone else might read.
    assert "employee assistance" not in all_mail().lower()


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
