import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.urls import reverse

from notifications.models import Notification, NotificationPreference
from notifications.services import notification_schedule, outside_quiet_hours
from notifications.tasks import claim_due
from supervision.services.sessions import session_book, session_cancel, session_reschedule
from tests.outbox import deliver_due
from tests.scenario import NOW, tuesday
from tests.threads import at_once

pytestmark = pytest.mark.django_db

State = Notification.State


def kinds_for(session, state=State.PENDING):
    return sorted(
        Notification.objects.for_target(session)
        .filter(state=state)
        .values_list("kind", "due_at", "recipient_id")
    )


def test_booking_plans_reminders_a_feedback_prompt_and_log_nudges(booked):
    pending = kinds_for(booked)
    supervisor, supervisee = booked.supervisor_id, booked.supervisee_id
    start, end = booked.starts_at, booked.ends_at
    day, hour = datetime.timedelta(hours=24), datetime.timedelta(hours=1)
    assert pending == sorted(
        [
            ("session_reminder", start - day, supervisor),
            ("session_reminder", start - day, supervisee),
            ("session_reminder", start - hour, supervisor),
            ("session_reminder", start - hour, supervisee),
            ("feedback_prompt", end, supervisee),
            ("log_nudge", end + datetime.timedelta(hours=48), supervisor),
            ("log_nudge", end + datetime.timedelta(hours=96), supervisor),
            ("log_nudge", end + datetime.timedelta(hours=144), supervisor),
        ]
    )
    assert [m[0] for m in kinds_for(booked, State.SENT)] == ["session_booked"] * 2


def test_scheduling_the_same_notification_twice_is_a_no_op(booked):
    count = Notification.objects.count()
    notification_schedule(
        recipient=booked.supervisee,
        kind="feedback_prompt",
        target=booked,
        due_at=booked.ends_at,
        organisation_id=booked.programme.organisation_id,
    )
    assert Notification.objects.count() == count


def test_reminders_go_out_once_each_when_due_with_the_meeting_link(booked):
    with time_machine.travel(booked.starts_at - datetime.timedelta(hours=23), tick=False):
        assert deliver_due() == ["sent", "sent"]
        assert deliver_due() == []
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [booked.supervisor.email, booked.supervisee.email]
    )
    assert all("teams.microsoft.com" in m.body for m in mail.outbox)
    assert all(m.subject.startswith("Reminder: supervision tomorrow") for m in mail.outbox)


def test_moving_a_session_moves_its_reminders_and_sends_no_stale_one(booked):
    old_reminder = booked.starts_at - datetime.timedelta(hours=24)
    with time_machine.travel(NOW, tick=False):
        session_reschedule(
            actor=booked.supervisee, session=booked, starts_at=tuesday(8, 15), reason="Clash"
        )
        deliver_due()
    mail.outbox.clear()
    reminders = [row for row in kinds_for(booked) if row[0] == "session_reminder"]
    assert {row[1] for row in reminders} == {
        tuesday(8, 15) - datetime.timedelta(hours=24),
        tuesday(8, 15) - datetime.timedelta(hours=1),
    }
    with time_machine.travel(old_reminder + datetime.timedelta(minutes=5), tick=False):
        deliver_due()
    assert mail.outbox == []


def test_cancelling_a_session_cancels_everything_still_to_come(booked):
    with time_machine.travel(NOW, tick=False):
        session_cancel(actor=booked.supervisor, session=booked, reason="Unwell")
        deliver_due()
    assert kinds_for(booked) == []
    cancelled_notices = [m for m in mail.outbox if m.subject.startswith("Supervision cancelled")]
    assert len(cancelled_notices) == 2
    with time_machine.travel(booked.ends_at + datetime.timedelta(days=10), tick=False):
        mail.outbox.clear()
        deliver_due()
    assert mail.outbox == []


def test_log_nudges_stop_once_the_session_is_logged(booked):
    from supervision.services.sessions import session_log

    with time_machine.travel(booked.ends_at + datetime.timedelta(hours=49), tick=False):
        deliver_due()
        nudges = [m for m in mail.outbox if m.subject == "Please log your supervision session"]
        assert len(nudges) == 1
        session_log(
            actor=booked.supervisor,
            session=booked,
            attendance="attended",
            actual_minutes=60,
            functions=[],
            themes=[],
            agreed_actions="",
            escalated=False,
            escalated_on=None,
            escalated_to="",
        )
    mail.outbox.clear()
    with time_machine.travel(booked.ends_at + datetime.timedelta(days=7), tick=False):
        deliver_due()
    assert not [m for m in mail.outbox if "log your" in m.subject]


def test_prompts_wait_for_the_morning_but_reminders_do_not():
    # 22:30 in London in winter is quiet; 08:00 is the next morning.
    late = datetime.datetime(2026, 12, 1, 22, 30, tzinfo=datetime.UTC)
    assert outside_quiet_hours(late, "Europe/London") == datetime.datetime(
        2026, 12, 2, 8, tzinfo=datetime.UTC
    )
    # In summer, 07:30 UTC is 08:30 BST: already morning.
    summer = datetime.datetime(2026, 7, 1, 7, 30, tzinfo=datetime.UTC)
    assert outside_quiet_hours(summer, "Europe/London") == summer


def test_a_feedback_prompt_due_at_night_is_sent_at_eight(agreement, programme, supervisor_profile):
    from tests.factories import WeeklyAvailabilityFactory

    WeeklyAvailabilityFactory(
        supervisor=agreement.supervisor,
        weekday=1,
        start_time=datetime.time(20, 0),
        end_time=datetime.time(22, 0),
    )
    with time_machine.travel(NOW, tick=False):
        session = session_book(
            actor=agreement.supervisee,
            programme=programme,
            supervisor=agreement.supervisor,
            agreement=agreement,
            starts_at=tuesday(1, 20),
        )
    prompt = Notification.objects.for_target(session).get(kind="feedback_prompt")
    assert prompt.due_at == tuesday(1, 21)
    assert prompt.next_attempt_at == datetime.datetime(2026, 12, 2, 8, tzinfo=datetime.UTC)


def test_people_can_turn_prompt_emails_off_but_still_see_them(client, booked):
    NotificationPreference.objects.create(
        user=booked.supervisee, kind="feedback_prompt", email=False
    )
    with time_machine.travel(booked.ends_at + datetime.timedelta(minutes=1), tick=False):
        deliver_due()
    assert not [m for m in mail.outbox if "How was your supervision" in m.subject]
    prompt = Notification.objects.for_target(booked).get(kind="feedback_prompt")
    assert (prompt.state, prompt.emailed) == (State.SENT, False)
    client.force_login(booked.supervisee)
    assert "How was your supervision?" in client.get(reverse("notifications:list")).content.decode()


def test_session_reminders_cannot_be_switched_off(client, supervisee):
    client.force_login(supervisee)
    response = client.get(reverse("notifications:preferences"))
    form = response.context["form"]
    assert "session_reminder" not in form.fields
    assert "feedback_prompt" in form.fields
    client.post(reverse("notifications:preferences"), {"log_nudge": "on"})
    choices = dict(
        NotificationPreference.objects.filter(user=supervisee).values_list("kind", "email")
    )
    assert choices["log_nudge"] is True
    assert choices["feedback_prompt"] is False


class FlakyBackend(BaseEmailBackend):
    """An email backend that fails the first `failures` sends."""

    failures = 1
    sent: list = []

    def send_messages(self, messages):
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise ConnectionRefusedError("SMTP server unavailable")
        FlakyBackend.sent.extend(messages)
        return len(messages)


@pytest.fixture
def flaky_email(settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.FlakyBackend"
    FlakyBackend.sent = []
    return FlakyBackend


def test_a_failed_send_is_retried_with_backoff_and_delivered_once(booked, flaky_email):
    flaky_email.failures = 0
    with time_machine.travel(booked.starts_at - datetime.timedelta(hours=24), tick=False):
        deliver_due()
    flaky_email.sent = []
    flaky_email.failures = 1
    due = booked.starts_at - datetime.timedelta(hours=1)
    with time_machine.travel(due, tick=False):
        results = deliver_due()
    assert sorted(results) == ["retry", "sent"]
    retrying = Notification.objects.get(state=State.PENDING, attempts=1, kind="session_reminder")
    assert "SMTP server unavailable" in retrying.last_error
    assert retrying.next_attempt_at == due + datetime.timedelta(minutes=1)
    with time_machine.travel(due + datetime.timedelta(seconds=30), tick=False):
        assert deliver_due() == []  # not before its backoff
    with time_machine.travel(due + datetime.timedelta(minutes=2), tick=False):
        assert deliver_due() == ["sent"]
    recipients = sorted(m.to[0] for m in flaky_email.sent)
    assert recipients == sorted([booked.supervisor.email, booked.supervisee.email])


def test_a_refused_send_is_rolled_back_whole_and_its_retry_still_says_why(booked, flaky_email):
    """Marked sent before the mail server is asked: a refusal must undo that, payload
    and all, so the retried email still carries the reason for the move."""
    with time_machine.travel(NOW, tick=False):
        deliver_due()  # the booking emails
        session_reschedule(
            actor=booked.supervisee, session=booked, starts_at=tuesday(8, 15), reason="Ward clash"
        )
        flaky_email.sent = []
        flaky_email.failures = 1
        assert sorted(deliver_due()) == ["retry", "sent"]
    refused = Notification.objects.get(state=State.PENDING, kind="session_moved")
    assert refused.attempts == 1
    assert refused.attempt_started_at is None  # refused: nothing in doubt
    assert refused.sent_at is None
    assert not refused.emailed
    assert refused.subject == ""
    assert refused.payload["reason"] == "Ward clash"
    with time_machine.travel(NOW + datetime.timedelta(minutes=2), tick=False):
        assert deliver_due() == ["sent"]
    bodies = [m.body for m in flaky_email.sent]
    assert len(bodies) == 2
    assert all("Ward clash" in body for body in bodies)
    assert Notification.objects.get(pk=refused.pk).payload == {}


def test_a_send_that_keeps_failing_ends_as_failed_and_admins_see_it(
    client, booked, flaky_email, programme_admin
):
    flaky_email.failures = 1000
    moment = booked.starts_at - datetime.timedelta(hours=24)
    for _ in range(6):
        with time_machine.travel(moment, tick=False):
            deliver_due()
        moment += datetime.timedelta(hours=1)
    failed = Notification.objects.filter(state=State.FAILED, kind="session_reminder")
    assert failed.count() == 2  # the day-before reminders, five attempts each
    assert all(row.attempts == 5 for row in failed)
    assert all(row.payload == {} for row in failed)  # never to be sent: nothing kept
    client.force_login(programme_admin)
    content = client.get(reverse("notifications:failed")).content.decode()
    assert "SMTP server unavailable" in content
    assert booked.supervisee.email in content


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_claim_disjoint_rows(supervisee, organisation):
    from kernel.models import Organisation

    target = Organisation.objects.get(pk=organisation.pk)
    due = datetime.datetime(2026, 1, 1, 9, tzinfo=datetime.UTC)
    for minute in range(400):
        notification_schedule(
            recipient=supervisee,
            kind="wellbeing_digest",
            target=target,
            due_at=due + datetime.timedelta(minutes=minute),
        )
    first, second = at_once(
        lambda: claim_due(datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC), 300)
    )
    assert not set(first) & set(second)
    assert len(first) + len(second) == 400


def test_a_row_left_sending_by_a_dead_worker_is_claimed_again_after_its_lease(booked, settings):
    settings.NOTIFICATIONS_LEASE_SECONDS = 60
    due = booked.starts_at - datetime.timedelta(hours=24)
    with time_machine.travel(due, tick=False):
        claimed = claim_due(due)  # ...and the worker dies before sending
        assert len(claimed) == 2
        assert claim_due(due) == []
    with time_machine.travel(due + datetime.timedelta(seconds=61), tick=False):
        assert deliver_due() == ["sent", "sent"]
    assert len(mail.outbox) == 2


def test_a_duplicate_send_task_sends_nothing(booked):
    from notifications.sending import deliver

    due = booked.starts_at - datetime.timedelta(hours=24)
    with time_machine.travel(due, tick=False):
        ids = claim_due(due)
        assert [deliver(pk) for pk in ids] == ["sent", "sent"]
        assert [deliver(pk) for pk in ids] == ["nothing to do", "nothing to do"]
    assert len(mail.outbox) == 2


def test_log_nudges_held_back_go_out_as_one_not_a_burst(booked):
    with time_machine.travel(booked.ends_at + datetime.timedelta(days=8), tick=False):
        deliver_due()
    nudges = [m for m in mail.outbox if m.subject == "Please log your supervision session"]
    assert len(nudges) == 1


def test_allowance_nudges_are_planned_six_and_two_weeks_before_the_end(
    programme, band7, supervisee
):
    from supervision.notifications import schedule_allowance_nudges

    assert schedule_allowance_nudges(datetime.date(2027, 1, 1)) == 2  # band 7 only, twice
    assert schedule_allowance_nudges(datetime.date(2027, 1, 1)) == 2  # again: no new rows
    rows = Notification.objects.filter(kind="allowance_nudge")
    assert rows.count() == 2
    assert {r.due_at.date() for r in rows} == {
        datetime.date(2027, 2, 17),
        datetime.date(2027, 3, 17),
    }
    with time_machine.travel(datetime.datetime(2027, 2, 17, 9, 5, tzinfo=datetime.UTC)):
        deliver_due()
    assert [m.to[0] for m in mail.outbox] == [band7.email]
    assert "2 supervision sessions left" in mail.outbox[0].body


def test_the_wellbeing_digest_has_no_personal_data(wellbeing_lead, supervisee, organisation):
    from supervision.notifications import schedule_wellbeing_digests

    schedule_wellbeing_digests(datetime.date(2026, 12, 1))
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 5, tzinfo=datetime.UTC)):
        deliver_due()
    (message,) = mail.outbox
    assert message.to == [wellbeing_lead.email]
    assert supervisee.email not in message.body
    assert supervisee.get_full_name() not in message.body
    # As a word: a generated surname can be part of the trust's name ("West").
    assert not re.search(rf"\b{re.escape(supervisee.last_name)}\b", str(message.body))
    assert "Westfield Hospitals NHS Trust" in message.body
