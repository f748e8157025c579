"""A send task sends a batch of rows (notifications.sending.deliver_many): what a batch
promises beyond one row's promises: each email once, a bad row failing alone, a killed
worker's rows sent after the lease, and one query to render a batch, however large."""

import datetime
import logging
import threading
from collections import Counter

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from kernel.models import Organisation
from notifications import registry, sending
from notifications.models import Notification
from notifications.services import notification_schedule
from notifications.tasks import SEND_BATCH, _queue, claim_due, send_notification
from supervision.models import Session
from tests.notifications.test_attempts import WorkerKilled
from tests.threads import at_once

State = Notification.State
DUE = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="rows locked by two connections at once"
)


def _sessions(agreement, count: int) -> list[Session]:
    """`count` sessions of the agreement, a week apart (no booking rules: only the
    outbox is under test here)."""
    first = datetime.datetime(2026, 12, 1, 14, tzinfo=datetime.UTC)
    return [
        Session.objects.create(
            programme=agreement.programme,
            supervisor=agreement.supervisor,
            supervisee=agreement.supervisee,
            starts_at=first + datetime.timedelta(weeks=week),
            ends_at=first + datetime.timedelta(weeks=week, hours=1),
            meeting_link="https://teams.example/meet",
        )
        for week in range(count)
    ]


def _booked_emails(agreement, sessions: int) -> list[int]:
    """A booking email to each person of each session, due now, claimed as a
    dispatcher claims them: their ids."""
    for session in _sessions(agreement, sessions):
        for person in (session.supervisor, session.supervisee):
            notification_schedule(
                recipient=person,
                kind="session_booked",
                target=session,
                due_at=DUE,
                organisation_id=agreement.programme.organisation_id,
            )
    return claim_due(DUE, limit=1000)


def _message_ids() -> Counter[str]:
    return Counter(m.extra_headers["Message-ID"] for m in mail.outbox)


@pytest.mark.django_db
def test_a_batch_sends_each_email_once_and_a_second_run_sends_nothing(agreement):
    ids = _booked_emails(agreement, 3)
    with time_machine.travel(DUE, tick=False):
        assert sending.deliver_many(ids) == dict.fromkeys(ids, "sent")
        assert sending.deliver_many(ids) == dict.fromkeys(ids, "nothing to do")
    assert sorted(_message_ids().values()) == [1] * 6
    assert set(Notification.objects.values_list("state", flat=True)) == {State.SENT}
    assert {m.subject.split(":")[0] for m in mail.outbox} == {"Supervision booked"}
    # Each person's email is about their own session, with its own invite.
    assert len({m.attachments[0][1] for m in mail.outbox}) == 6


@pytest.mark.django_db
def test_the_dispatcher_queues_a_send_task_per_batch_of_rows(agreement, monkeypatch):
    queued = []
    monkeypatch.setattr(
        "notifications.tasks.send_notifications.delay", lambda ids: queued.append(ids)
    )
    ids = list(range(1, 2 * SEND_BATCH + 4))
    assert _queue(ids) == len(ids)
    assert queued == [ids[:SEND_BATCH], ids[SEND_BATCH : 2 * SEND_BATCH], ids[2 * SEND_BATCH :]]


@pytest.mark.django_db
def test_rendering_a_batch_costs_the_same_queries_however_many_sessions_it_concerns(
    agreement,
):
    """Its rows, their recipients and their sessions are each read once per batch: a
    larger batch adds only each email's own hand-over (its UPDATE, inside a savepoint
    here, as the test runs in a transaction)."""

    def queries(sessions: int) -> int:
        Notification.objects.all().delete()
        ids = _booked_emails(agreement, sessions)
        with time_machine.travel(DUE, tick=False), CaptureQueriesContext(connection) as run:
            assert set(sending.deliver_many(ids).values()) == {"sent"}
        return len(run)

    small, large = queries(1), queries(5)
    per_email = 3  # SAVEPOINT, the hand-over's UPDATE, RELEASE SAVEPOINT
    assert large - small == (10 - 2) * per_email


class RefusesTheThird(EmailBackend):
    """A mail server that refuses one email (the third it is given) and takes the rest."""

    given = 0

    def send_messages(self, messages):
        RefusesTheThird.given += len(messages)
        if RefusesTheThird.given == 3:
            raise ConnectionRefusedError("550 mailbox unavailable")
        return super().send_messages(messages)


@pytest.mark.django_db
def test_an_email_refused_in_a_batch_is_retried_and_the_others_still_go(agreement, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_batches.RefusesTheThird"
    RefusesTheThird.given = 0
    ids = _booked_emails(agreement, 3)
    with time_machine.travel(DUE, tick=False):
        outcomes = sending.deliver_many(ids)
    assert list(outcomes.values()) == ["sent", "sent", "retry", "sent", "sent", "sent"]
    refused = Notification.objects.get(pk=ids[2])
    assert (refused.state, refused.attempts, refused.attempt_started_at) == (
        State.PENDING,
        1,
        None,
    )
    assert "550 mailbox unavailable" in refused.last_error
    assert len(mail.outbox) == 5
    with time_machine.travel(DUE + datetime.timedelta(minutes=1), tick=False):
        assert sending.deliver_many(claim_due(DUE + datetime.timedelta(minutes=1))) == {
            ids[2]: "sent"
        }
    assert sorted(_message_ids().values()) == [1] * 6


def _breaks_the_transaction(notification):
    """A kind whose rendering fails in the database (a bug): the batch's transaction
    is broken, not only this row."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")


@pytest.mark.django_db
def test_a_row_that_breaks_the_batch_transaction_fails_alone(agreement, monkeypatch):
    kind = registry.Kind("test_broken", "Broken", _breaks_the_transaction, prompt=False)
    monkeypatch.setitem(registry._KINDS, kind.name, kind)
    ids = _booked_emails(agreement, 2)
    broken = notification_schedule(
        recipient=agreement.supervisee,
        kind=kind.name,
        target=Organisation.objects.get(pk=agreement.programme.organisation_id),
        due_at=DUE,
    )
    ids = [*ids[:2], *claim_due(DUE), *ids[2:]]
    with time_machine.travel(DUE, tick=False):
        outcomes = sending.deliver_many(ids)
    assert outcomes == {**dict.fromkeys(ids, "sent"), broken.pk: "retry"}
    assert len(mail.outbox) == 4
    broken.refresh_from_db()
    assert "no_such_table" in broken.last_error


class KilledOnTheThird(EmailBackend):
    """The mail server takes the third email, then the worker dies before recording it."""

    def send_messages(self, messages):
        super().send_messages(messages)
        if len(mail.outbox) == 3:
            raise WorkerKilled


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_repeats_only_the_email_it_was_handing_over(
    agreement, settings, caplog
):
    """The rest of its batch had their attempts recorded and never went: after the
    lease they are sent once; only the email in the mail server's hands when the
    worker died goes twice, with the same Message-ID."""
    settings.EMAIL_BACKEND = "tests.notifications.test_batches.KilledOnTheThird"
    ids = _booked_emails(agreement, 3)
    with time_machine.travel(DUE, tick=False), pytest.raises(WorkerKilled):
        sending.deliver_many(ids)
    rows = Notification.objects.in_bulk(ids)
    assert [rows[pk].state for pk in ids] == [State.SENT] * 2 + [State.SENDING] * 4
    assert all(rows[pk].attempt_started_at == DUE for pk in ids[2:])
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(DUE + datetime.timedelta(seconds=5), tick=False):
        assert claim_due(DUE + datetime.timedelta(seconds=5)) == []  # within the lease
    later = DUE + datetime.timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS + 1)
    with (
        time_machine.travel(later, tick=False),
        caplog.at_level(logging.WARNING, logger="notifications.sending"),
    ):
        again = claim_due(later)
        assert again == ids[2:]
        assert sending.deliver_many(again) == dict.fromkeys(again, "sent")
    sent = _message_ids()
    assert len(sent) == 6  # nothing lost
    assert [count for count in sent.values() if count > 1] == [2]  # one repeat...
    (repeated,) = [message_id for message_id, count in sent.items() if count > 1]
    assert repeated.startswith(f"<notification-{ids[2]}-")  # ...the one being handed over
    assert caplog.text.count("was never confirmed") == 4


class SlowMailServer(EmailBackend):
    """Each email takes a quarter of the lease (on the clock the batch reads)."""

    clock = 0.0

    def send_messages(self, messages):
        from django.conf import settings

        SlowMailServer.clock += settings.NOTIFICATIONS_LEASE_SECONDS / 4
        return super().send_messages(messages)


@pytest.mark.django_db
def test_a_slow_mail_server_puts_the_rest_of_a_batch_back_before_the_lease_runs_out(
    agreement, settings, monkeypatch
):
    settings.EMAIL_BACKEND = "tests.notifications.test_batches.SlowMailServer"
    SlowMailServer.clock = 0.0
    monkeypatch.setattr(sending, "monotonic", lambda: SlowMailServer.clock)
    ids = _booked_emails(agreement, 3)
    with time_machine.travel(DUE, tick=False):
        outcomes = sending.deliver_many(ids)
    # Half the lease is two emails' time; the third starts at the limit.
    assert list(outcomes.values()) == ["sent"] * 3 + ["put back"] * 3
    back = Notification.objects.filter(pk__in=ids[3:])
    assert {(row.state, row.attempt_started_at, row.claimed_at) for row in back} == {
        (State.PENDING, None, None)
    }
    with time_machine.travel(DUE, tick=False):
        assert claim_due(DUE) == ids[3:]  # due again at once: nothing in doubt


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_row_another_transaction_holds_waits_for_it_alone_and_the_batch_goes_on(agreement):
    ids = _booked_emails(agreement, 2)
    held, release = threading.Event(), threading.Event()

    def hold_a_row():
        try:
            with transaction.atomic():
                Notification.objects.select_for_update().get(pk=ids[1])
                held.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_a_row)
    holder.start()
    assert held.wait(10)
    threading.Timer(1.0, release.set).start()
    with time_machine.travel(DUE, tick=False):
        outcomes = sending.deliver_many(ids)
    holder.join(10)
    assert outcomes == dict.fromkeys(ids, "sent")
    # The others went while it was held; it went once it was free.
    assert mail.outbox[-1].extra_headers["Message-ID"].startswith(f"<notification-{ids[1]}-")
    assert sorted(_message_ids().values()) == [1] * 4


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_tasks_with_the_same_batch_at_once_send_each_email_once(agreement):
    """A redelivered task running beside the first."""
    ids = _booked_emails(agreement, 5)

    with time_machine.travel(DUE, tick=False):
        outcomes = at_once(lambda: sending.deliver_many(ids))
    assert sorted(_message_ids().values()) == [1] * 10
    sent = Counter(outcome for run in outcomes for outcome in run.values())
    assert sent["sent"] == 10
    assert set(sent) <= {"sent", "being sent", "nothing to do"}


@pytest.mark.django_db
def test_a_one_row_task_queued_before_batches_still_sends_its_row(agreement, monkeypatch):
    """Tasks still in the broker when a deployment is upgraded."""
    monkeypatch.setattr("notifications.tasks.send_notifications.delay", lambda ids: None)
    first, _second = _booked_emails(agreement, 1)
    with time_machine.travel(DUE, tick=False):
        assert send_notification.run(first) == {"sent": 1}
    (message_id,) = _message_ids()
    assert message_id.startswith(f"<notification-{first}-1@")
