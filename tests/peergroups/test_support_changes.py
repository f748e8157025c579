"""Seed 001: plans that change. A supporter declines or hands back; the requester
withdraws or changes how to be contacted; the requester is told when support closes.
The coordinator still sees status and dates only.
"""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils.html import escape

from audit.models import AuditEntry
from peergroups.models import SupportHandback
from peergroups.services import peer_support as services
from peergroups.services import support_changes
from tests.outbox import deliver_due

from .support import CONTACT, SECRETS, all_mail, kinds, pending, scan, url

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


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
