"""Peer support after a hard event (seed 001): ask, assign, check in, close.

The people: a junior doctor in the emergency department (the requester), the
`peer_supporter` from another ward, a supporter who is the doctor's line
manager and one who works in the doctor's own department (neither may be
chosen), and the `programme_admin`, who coordinates and sees status and dates
only.
"""

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from audit.models import AuditEntry
from notifications.models import Notification
from peergroups.models import CheckIn, EventKind, PeerSupporterProfile, SupportRequest
from peergroups.services import peer_support as services
from tests.factories import StaffProfileFactory
from tests.outbox import deliver_due

from .support import (
    CHECKIN_NOTES,
    CONTACT,
    NOTE,
    SECRETS,
    all_mail,
    ask_form,
    checkin_form,
    make_request,
    pending,
    url,
)

pytestmark = pytest.mark.django_db

# --- The journey -----------------------------------------------------------------


def test_junior_doctor_is_supported_from_request_to_close(
    client, frozen_now, junior_doctor, supporter, programme_admin, emergency
):
    client.force_login(junior_doctor)
    assert client.get(url("support_request_add")).status_code == 200
    response = client.post(url("support_request_add"), ask_form())
    support_request = SupportRequest.objects.get(requester=junior_doctor)
    assert response.status_code == 302
    assert response["Location"] == support_request.get_absolute_url()
    assert support_request.status == SupportRequest.Status.NEW
    # TRiM-style: first contact within 72 hours.
    assert support_request.first_contact_due == frozen_now + datetime.timedelta(hours=72)

    client.force_login(programme_admin)
    page = client.get(url("support_assign", pk=support_request.pk)).content.decode()
    assert escape(supporter.get_full_name()) in page
    response = client.post(
        url("support_assign", pk=support_request.pk), {"supporter": supporter.pk}
    )
    assert response.status_code == 302
    support_request.refresh_from_db()
    assert support_request.status == SupportRequest.Status.ASSIGNED
    assert support_request.supporter == supporter
    assert supporter.profile.department != emergency

    client.force_login(supporter)
    page = client.get(support_request.get_absolute_url()).content.decode()
    assert NOTE in page
    assert CONTACT in page
    # The check-in form suggests a follow-up about a month later.
    form = client.get(url("support_checkin", pk=support_request.pk)).context["form"]
    assert form.initial["next_due"] == datetime.date(2026, 12, 21)
    with time_machine.travel(frozen_now + datetime.timedelta(days=1, hours=10), tick=False):
        response = client.post(url("support_checkin", pk=support_request.pk), checkin_form())
        assert response.status_code == 302
    with time_machine.travel(datetime.datetime(2026, 12, 22, 12, tzinfo=datetime.UTC)):
        client.force_login(supporter)  # a month on: a new sign-in
        response = client.post(
            url("support_checkin", pk=support_request.pk),
            checkin_form(date="2026-12-22", time="11:00", notes="Back to normal", next_due=""),
        )
        assert response["Location"] == support_request.get_absolute_url()
        response = client.post(url("support_close", pk=support_request.pk), {"outcome": "eap"})
        assert response["Location"] == support_request.get_absolute_url()
    support_request.refresh_from_db()
    assert support_request.status == SupportRequest.Status.CLOSED
    assert support_request.outcome == "eap"
    assert support_request.checkins.count() == 2
    # The requester sees it all too.
    client.force_login(junior_doctor)
    assert client.get(url("support_checkin", pk=support_request.pk)).status_code == 403
    page = client.get(support_request.get_absolute_url()).content.decode()
    assert CHECKIN_NOTES in page
    assert "employee assistance" in page


def test_the_requester_can_pick_an_available_supporter_themself(
    client, frozen_now, junior_doctor, supporter
):
    client.force_login(junior_doctor)
    response = client.post(url("support_request_add"), ask_form(supporter=str(supporter.pk)))
    assert response.status_code == 302
    support_request = SupportRequest.objects.get(requester=junior_doctor)
    assert support_request.status == SupportRequest.Status.ASSIGNED
    assert support_request.supporter == supporter
    assert support_request.assigned_at == frozen_now


def test_requester_is_offered_neither_line_manager_nor_department_colleague(
    client, junior_doctor, supporter, manager_supporter, colleague_supporter
):
    client.force_login(junior_doctor)
    offered = set(
        client.get(url("support_request_add")).context["form"].fields["supporter"].queryset
    )
    assert offered == {supporter}
    response = client.post(
        url("support_request_add"), ask_form(supporter=str(manager_supporter.pk))
    )
    assert response.status_code == 200
    assert "Select one of the supporters listed" in response.content.decode()
    assert not SupportRequest.objects.exists()


# --- What the coordinator sees -----------------------------------------------------


@pytest.fixture
def supported(frozen_now, junior_doctor, supporter):
    """A request assigned to the supporter, with one check-in logged."""
    support_request = make_request(junior_doctor, supporter=supporter)
    services.checkin_log(
        actor=supporter,
        support_request=support_request,
        happened_at=frozen_now - datetime.timedelta(minutes=30),
        mode="phone",
        notes=CHECKIN_NOTES,
        next_due=datetime.date(2026, 12, 21),
    )
    return support_request


def test_coordinator_sees_status_and_dates_but_never_the_content(
    client, supported, programme_admin
):
    client.force_login(programme_admin)
    for page_url in (url("support_requests"), supported.get_absolute_url()):
        page = client.get(page_url).content.decode()
        assert "Supporter assigned" in page
        assert "23 Nov 2026" in page or "23 November 2026" in page  # asked
        assert "26 Nov" in page  # first contact due
        for secret in SECRETS:
            assert secret not in page
        assert str(EventKind.ADVERSE_EVENT.label) not in page
        assert "Phone call" not in page
        assert escape(supported.requester.get_full_name()) not in page
    assert client.get(supported.get_absolute_url()).templates[0].name == (
        "peergroups/peer_support/status.html"
    )


def test_audit_entries_hold_ids_and_status_but_no_confidential_text(supported):
    entries = list(AuditEntry.objects.filter(action__startswith="support_"))
    assert {entry.action for entry in entries} == {
        "support_request.created",
        "support_checkin.logged",
    }
    for entry in entries:
        written = f"{entry.summary} {entry.details}"
        for secret in SECRETS:
            assert secret not in written


# --- Who may choose whom -----------------------------------------------------------


@pytest.fixture
def waiting(frozen_now, junior_doctor, programme_admin):
    return make_request(junior_doctor)


def test_coordinator_is_refused_the_requesters_line_manager(
    client, waiting, programme_admin, manager_supporter, supporter
):
    client.force_login(programme_admin)
    response = client.post(
        url("support_assign", pk=waiting.pk), {"supporter": manager_supporter.pk}
    )
    assert response.status_code == 200
    assert "line manager" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == SupportRequest.Status.NEW
    assert waiting.supporter is None


def test_coordinator_is_refused_a_supporter_from_the_requesters_department(
    client, waiting, programme_admin, colleague_supporter, supporter
):
    client.force_login(programme_admin)
    suggested = client.get(url("support_assign", pk=waiting.pk)).context["suggested"]
    assert suggested == [supporter]
    response = client.post(
        url("support_assign", pk=waiting.pk), {"supporter": colleague_supporter.pk}
    )
    assert response.status_code == 200
    assert "own department" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.supporter is None


def test_a_supporter_who_is_full_or_unavailable_cannot_be_assigned(
    client, frozen_now, waiting, programme_admin, supporter, organisation
):
    for _ in range(2):  # the supporter's capacity is 2
        make_request(StaffProfileFactory(organisation=organisation).user, supporter=supporter)
    client.force_login(programme_admin)
    assert client.get(url("support_assign", pk=waiting.pk)).context["suggested"] == []
    response = client.post(url("support_assign", pk=waiting.pk), {"supporter": supporter.pk})
    assert "not taking on anyone new" in response.content.decode()
    SupportRequest.objects.exclude(pk=waiting.pk).update(
        status="closed", closed_at=frozen_now, outcome="no_further"
    )
    PeerSupporterProfile.objects.filter(user=supporter).update(available=False)
    response = client.post(url("support_assign", pk=waiting.pk), {"supporter": supporter.pk})
    assert "not taking on anyone new" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.supporter is None


def test_only_the_coordinator_assigns_and_only_the_supporter_checks_in_and_closes(
    client, supported, junior_doctor, supporter, programme_admin
):
    pk = supported.pk
    client.force_login(junior_doctor)
    assert client.get(url("support_assign", pk=pk)).status_code == 403
    assert client.get(url("support_checkin", pk=pk)).status_code == 403
    assert client.post(url("support_close", pk=pk), {"outcome": "eap"}).status_code == 403
    client.force_login(programme_admin)
    assert client.get(url("support_checkin", pk=pk)).status_code == 403
    assert client.get(url("support_close", pk=pk)).status_code == 403
    client.force_login(supporter)
    assert client.get(url("support_assign", pk=pk)).status_code == 403
    supported.refresh_from_db()
    assert supported.status == SupportRequest.Status.ASSIGNED


@pytest.mark.parametrize(
    "stranger", ["supervisee", "supervisor", "facilitator", "wellbeing_lead", "outsider"]
)
def test_anyone_else_gets_404_and_learns_nothing(client, supported, role_users, stranger):
    client.force_login(role_users[stranger])
    for name in ("support_request", "support_assign", "support_checkin", "support_close"):
        assert client.get(url(name, pk=supported.pk)).status_code == 404
    page = client.get(url("support_requests")).content.decode()
    assert f"Request {supported.pk}<" not in page
    for secret in SECRETS:
        assert secret not in page


def test_anonymous_visitors_are_sent_to_sign_in(client, supported):
    response = client.get(supported.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- Notifications ---------------------------------------------------------------


def test_coordinators_are_told_a_request_is_waiting_without_its_content(
    frozen_now, waiting, programme_admin
):
    assert pending(waiting) == [("support_request_new", programme_admin.pk, frozen_now)]
    assert deliver_due() == ["sent"]
    assert mail.outbox[0].to == [programme_admin.email]
    assert "waiting for a supporter" in mail.outbox[0].subject
    text = all_mail()
    for secret in SECRETS:
        assert secret not in text
    assert waiting.requester.get_full_name() not in text


def test_assigning_tells_both_and_first_contact_is_left_to_the_scan(
    frozen_now, waiting, programme_admin, supporter, junior_doctor
):
    deliver_due()
    mail.outbox.clear()
    services.support_request_assign(
        actor=programme_admin, support_request=waiting, supporter=supporter
    )
    waiting.refresh_from_db()
    # The deadline runs from the assignment: the organisation's 72 hours by default.
    assert waiting.first_contact_due == frozen_now + datetime.timedelta(hours=72)
    assert pending(waiting) == sorted(
        [
            ("support_assigned", supporter.pk, frozen_now),
            ("support_assigned", junior_doctor.pk, frozen_now),
        ]
    )
    assert sorted(deliver_due()) == ["sent", "sent"]
    to_requester = next(m for m in mail.outbox if m.to == [junior_doctor.email])
    assert supporter.get_full_name() in to_requester.body
    text = all_mail()
    for secret in SECRETS:
        assert secret not in text
    assert "adverse" not in text.lower()


def test_a_check_in_replaces_the_prompt_with_one_when_the_next_is_due(supported, supporter):
    assert [
        (kind, due.date())
        for kind, _recipient, due in pending(supported)
        if kind == "support_checkin_due"
    ] == [("support_checkin_due", datetime.date(2026, 12, 21))]
    deliver_due()
    mail.outbox.clear()
    # The first-contact prompt was answered by the check-in: nothing at 72 hours.
    with time_machine.travel(datetime.datetime(2026, 11, 27, 9, tzinfo=datetime.UTC)):
        assert deliver_due() == []
    with time_machine.travel(datetime.datetime(2026, 12, 21, 10, tzinfo=datetime.UTC)):
        assert deliver_due() == ["sent"]
    assert mail.outbox[0].to == [supporter.email]
    assert CHECKIN_NOTES not in all_mail()


def test_a_prompt_is_not_sent_once_the_support_is_closed(supported, supporter, junior_doctor):
    deliver_due()
    mail.outbox.clear()
    services.support_request_close(actor=supporter, support_request=supported, outcome="no_further")
    assert deliver_due() == ["sent"]  # the requester is told it is closed
    assert [message.to for message in mail.outbox] == [[junior_doctor.email]]
    with time_machine.travel(datetime.datetime(2026, 12, 21, 10, tzinfo=datetime.UTC)):
        assert deliver_due() == []
    assert len(mail.outbox) == 1


def test_a_prompt_planned_before_a_check_in_renders_nothing(supported, supporter):
    """Even one that escaped cancellation (claimed by a worker at that moment)."""
    stale = Notification.objects.filter(kind="support_checkin_due").first()
    assert stale is not None
    Notification.objects.filter(pk=stale.pk).update(
        state=Notification.State.PENDING, payload={"checkins": 0}
    )
    with time_machine.travel(datetime.datetime(2026, 12, 21, 10, tzinfo=datetime.UTC)):
        assert "no longer needed" in deliver_due()


# --- Forms never fall over ---------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"date": "not a date"},
        {"date": "2026-13-45"},
        {"date": "9999-12-31"},
        {"date": "2026-11-30"},  # in the future
        {"time": "25:99"},
        {"mode": "carrier pigeon"},
        {"next_due": "2026-11-01"},  # before the check-in
        {"next_due": "99999-01-01"},
        {"notes": "x" * 5000},
    ],
)
def test_a_bad_check_in_is_explained_not_saved(client, supported, supporter, overrides):
    client.force_login(supporter)
    before = CheckIn.objects.count()
    response = client.post(url("support_checkin", pk=supported.pk), checkin_form(**overrides))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert CheckIn.objects.count() == before


@pytest.mark.parametrize(
    "overrides",
    [
        {"contact_mode": ""},
        {"contact_mode": "telepathy"},
        {"contact_detail": ""},
        {"event_kind": "nonsense"},
        {"supporter": "not-a-number"},
        {"supporter": "999999"},
        {"note": "x" * 5000},
    ],
)
def test_a_bad_request_is_explained_not_saved(client, junior_doctor, supporter, overrides):
    client.force_login(junior_doctor)
    response = client.post(url("support_request_add"), ask_form(**overrides))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not SupportRequest.objects.exists()


def test_closing_needs_an_outcome(client, supported, supporter):
    client.force_login(supporter)
    response = client.post(url("support_close", pk=supported.pk), {"outcome": "shrug"})
    assert response.status_code == 200
    supported.refresh_from_db()
    assert supported.status == SupportRequest.Status.ASSIGNED


# --- The supporter's profile -------------------------------------------------------


def test_supporter_sets_availability_capacity_and_training(client, peer_supporter, frozen_now):
    client.force_login(peer_supporter)
    assert client.get(url("supporter_profile")).status_code == 200
    response = client.post(
        url("supporter_profile"),
        {
            "capacity": "4",
            "training": "TRiM practitioner",
            "trained_on": "2025-03-01",
            "refresher_due": "2027-03-01",
        },
    )
    assert response.status_code == 302
    profile = PeerSupporterProfile.objects.get(user=peer_supporter)
    assert (profile.available, profile.capacity, profile.refresher_due) == (
        False,
        4,
        datetime.date(2027, 3, 1),
    )


def test_only_peer_supporters_have_a_supporter_profile(client, supervisee):
    client.force_login(supervisee)
    assert client.get(url("supporter_profile")).status_code == 403


# --- Query counts ---------------------------------------------------------------------


def _queries(client, path):
    with CaptureQueriesContext(connection) as context:
        assert client.get(path).status_code == 200
    return len(context.captured_queries)


def test_the_coordinators_queue_takes_the_same_queries_for_1_or_20_requests(
    client, frozen_now, organisation, programme_admin, supporter
):
    people = [StaffProfileFactory(organisation=organisation).user for _ in range(20)]
    make_request(people[0], supporter=supporter)
    client.force_login(programme_admin)
    one = _queries(client, url("support_requests"))
    PeerSupporterProfile.objects.filter(user=supporter).update(capacity=20)
    for person in people[1:]:
        make_request(person, supporter=supporter)
    # session, user with own profile (time zone), roles, their authenticator app
    # (two-factor is required of admins), own requests, supported, queue, their
    # learning communities (links), and the organisation's peer-support settings
    # (the urgent-help card).
    assert _queries(client, url("support_requests")) == one == 9


def test_the_supporters_list_takes_the_same_queries_for_1_or_20_requests(
    client, frozen_now, organisation, supporter
):
    PeerSupporterProfile.objects.filter(user=supporter).update(capacity=20)
    people = [StaffProfileFactory(organisation=organisation).user for _ in range(20)]
    make_request(people[0], supporter=supporter)
    client.force_login(supporter)
    one = _queries(client, url("support_requests"))
    for person in people[1:]:
        make_request(person, supporter=supporter)
    # session, user with own profile (time zone), roles, own requests, supported
    # (with requesters), their learning communities (links), the organisation's
    # peer-support settings (the urgent-help card).
    assert _queries(client, url("support_requests")) == one == 7
