"""Seed 001: first contact is tracked. The supporter records its date; the coordinator
sees it and an overdue flag; the supporter is reminded before the deadline and the
coordinators alerted when it passes, each once.
"""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils.html import escape

from audit.models import AuditEntry
from notifications.models import Notification
from peergroups import tasks
from peergroups.models import SupportRequest
from peergroups.services import peer_support as services
from supervision_site.celery import app
from tests.outbox import deliver_due

from .support import SECRETS, all_mail, deliver_at, kinds, scan, url

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


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
        ({"first_contacted_on": "2026-02-30"}, "The date of first contact must be a real date"),
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
